#include "control/metrics.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/host_port.h"

namespace picket {
namespace {

constexpr int kIoTimeoutMs = 200;  // a client's request, and our answer, must come within this

// Label values escape '\', '"' and newlines (the exposition format's rule).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Text {
 public:
  explicit Text(std::string_view node) : node_("node=\"" + label(node) + "\"") {}
  // A metric's help and type, once, before its samples.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) + " " +
            std::string(type) + "\n";
  }
  void sample(std::string_view name, double value, std::string_view labels = "") {
    out_ += std::string(name) + "{" + node_ + (labels.empty() ? "" : ",") + std::string(labels) + "} ";
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += number;
    out_ += '\n';
  }
  void counter(std::string_view name, uint64_t value, std::string_view help) {
    family(name, "counter", help);
    sample(name, static_cast<double>(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string node_, out_;
};

}  // namespace

std::string prometheus_text(const control::Counters& c, const control::Health& h, std::string_view node) {
  Text t(node);
  t.family("picket_info", "gauge", "What judges packets on this node; always 1.");
  t.sample("picket_info", 1, "engine=\"" + label(h.engine()) + "\",state=\"" + label(h.state()) + "\"");
  t.family("picket_generation", "gauge", "The generation of rules, identities and policy in force.");
  t.sample("picket_generation", h.generation());
  if (h.store_revision()) {
    t.family("picket_store_revision", "gauge", "The revision of the fleet's store in force.");
    t.sample("picket_store_revision", h.store_revision());
    t.family("picket_store_stale_seconds", "gauge", "Seconds since the fleet's store last answered; 0 while it answers.");
    t.sample("picket_store_stale_seconds", static_cast<double>(h.store_stale_ms()) / 1000);
  }
  t.family("picket_uptime_seconds", "gauge", "Seconds since the datapath started.");
  t.sample("picket_uptime_seconds", h.uptime_seconds());
  t.family("picket_workers_behind", "gauge", "Workers not yet judging under the latest generation.");
  t.sample("picket_workers_behind", h.workers_behind());
  t.counter("picket_packets_received_total", c.received(), "Frames received on the ports.");
  t.counter("picket_packets_forwarded_total", c.forwarded(), "Frames forwarded.");
  t.family("picket_packets_dropped_total", "counter", "Frames dropped, by reason.");
  const std::pair<const char*, uint64_t> reasons[] = {
      {"policy", c.dropped_policy()},       {"signature", c.dropped_signature()}, {"stream", c.dropped_stream()},
      {"fragment", c.dropped_fragment()},   {"malformed", c.dropped_malformed()},
      {"engine_failure", c.dropped_engine_failure()}};
  for (const auto& [reason, n] : reasons) t.sample("picket_packets_dropped_total", static_cast<double>(n), std::string("reason=\"") + reason + "\"");
  t.counter("picket_alerts_total", c.alerts(), "Rule matches recorded.");
  t.counter("picket_records_total", c.records(), "Decision records written.");
  t.counter("picket_records_published_total", c.records_published(), "Decision records published on the PUB socket.");
  t.counter("picket_records_to_redis_total", c.records_to_redis(), "Decision records Redis took.");
  t.counter("picket_records_to_redis_dropped_total", c.records_to_redis_dropped(),
            "Decision records lost on the way to Redis.");
  t.counter("picket_flows_created_total", c.flows_created(), "Flows created.");
  t.counter("picket_flows_evicted_total", c.flows_evicted(), "Flows evicted from the full table.");
  t.counter("picket_flows_evicted_established_total", c.flows_evicted_established(),
            "Established flows evicted from the full table.");
  t.counter("picket_flows_blocked_total", c.flows_blocked(), "Flows blocked by a drop.");
  t.counter("picket_flows_revived_total", c.flows_revived(), "Flows the table lost that came back blocked.");
  t.counter("picket_fragments_total", c.fragments(), "IP fragments.");
  t.counter("picket_datagrams_reassembled_total", c.datagrams_reassembled(), "IP datagrams reassembled.");
  t.counter("picket_fragment_overlaps_total", c.fragment_overlaps(), "Fragments overlapping bytes already held.");
  t.counter("picket_fragment_conflicts_total", c.fragment_conflicts(), "Overlapping fragments with other bytes.");
  t.family("picket_worker_packets_total", "counter", "Frames each worker received, forwarded and dropped.");
  for (const control::WorkerCounters& w : c.workers()) {
    const std::string id = "worker=\"" + std::to_string(w.worker()) + "\",";
    t.sample("picket_worker_packets_total", static_cast<double>(w.received()), id + "what=\"received\"");
    t.sample("picket_worker_packets_total", static_cast<double>(w.forwarded()), id + "what=\"forwarded\"");
    t.sample("picket_worker_packets_total", static_cast<double>(w.dropped()), id + "what=\"dropped\"");
  }
  t.family("picket_port_packets_total", "counter", "Frames on each port: in, out, missed, errors.");
  for (const control::PortCounters& p : c.ports()) {
    const std::string id = "port=\"" + std::to_string(p.port()) + "\",name=\"" + label(p.name()) + "\",";
    t.sample("picket_port_packets_total", static_cast<double>(p.in()), id + "what=\"in\"");
    t.sample("picket_port_packets_total", static_cast<double>(p.out()), id + "what=\"out\"");
    t.sample("picket_port_packets_total", static_cast<double>(p.missed()), id + "what=\"missed\"");
    t.sample("picket_port_packets_total", static_cast<double>(p.in_errors()), id + "what=\"in_errors\"");
    t.sample("picket_port_packets_total", static_cast<double>(p.out_errors()), id + "what=\"out_errors\"");
  }
  return t.take();
}

MetricsEndpoint::~MetricsEndpoint() {
  if (listener_ >= 0) ::close(listener_);
}

bool MetricsEndpoint::start(std::string_view address, std::string& error) {
  std::optional<HostPort> at = parse_host_port(address, 0, error);
  if (!at) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(at->port);
  if (int rc = getaddrinfo(at->host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = std::string(address) + ": " + gai_strerror(rc);
    return false;
  }
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
      listener_ = fd;
      break;
    }
    error = std::string(address) + ": " + std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (listener_ < 0) return false;
  return true;
}

int MetricsEndpoint::accept_one() {
  if (listener_ < 0) return -1;
  const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return -1;
  const timeval tv{0, kIoTimeoutMs * 1000};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return client;
}

// The request line's path, once the headers have come (up to 8 KiB); false for anything
// that is not a GET within the timeout.
bool MetricsEndpoint::read_request(int client, std::string& path) {
  std::string request;
  char buf[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos) {
    if (request.size() > 8192) return false;
    const ssize_t n = ::recv(client, buf, sizeof buf, 0);
    if (n <= 0) return false;
    request.append(buf, static_cast<size_t>(n));
  }
  if (request.compare(0, 4, "GET ") != 0) {
    respond(client, "405 Method Not Allowed", "GET /metrics\n");
    return false;
  }
  const size_t end = request.find(' ', 4);
  path = request.substr(4, end == std::string::npos ? std::string::npos : end - 4);
  if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  return true;
}

void MetricsEndpoint::respond(int client, std::string_view status, const std::string& body) {
  std::string reply = "HTTP/1.1 " + std::string(status) +
                      "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < reply.size()) {
    const ssize_t n = ::send(client, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

void MetricsEndpoint::close_client(int client) { ::close(client); }

}  // namespace picket
