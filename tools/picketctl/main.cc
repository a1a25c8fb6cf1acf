// picketctl: the command-line client of picketd's control API (host/control/control.proto).
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "base/text.h"
#include "base/time_text.h"
#include "control/control.pb.h"
#include "control/control_endpoint.h"
#include "control/control_handler.h"
#include "control/control_server.h"
#include "picketctl/store_commands.h"

namespace {

constexpr const char* kUsage = R"(usage: picketctl [options] COMMAND [arguments]

Steers a running picketd through its control API.

commands:
  health                         state, engine, table generation, rules, bindings, workers
  counters                       packets received, forwarded and dropped (by reason), per worker
                                 and port
  load-rules FILE...             replace the rule set (an atomic swap: packets judged before it
                                 see the old rules, after it the new; none is lost)
  load-image FILE                replace rules, bindings and policy at once with those a table
                                 image from picketc -o carries (checked against its tables)
  upsert IDENTITY PREFIX... [--ttl DURATION]
                                 bind addresses or CIDR prefixes to a SPIFFE ID (or world); with
                                 --ttl (30s, 500ms, 5m, 2h, 1d) the binding lapses by itself
  revoke PREFIX...               remove the bindings of exactly these prefixes
  policy FILE                    replace the identity policy
  tail [--count N] [--seconds S] follow the decision records (EVE JSON) as they are made
  keygen NAME                    make a CURVE key pair: NAME.key (secret) and NAME.pub (public)

fleet commands (with --store; README, "A fleet on etcd"):
  upsert, revoke, policy, load-rules  as above, written to the cluster's store: every picketd
                                 following it takes the change
  variables FILE                 the address and port variables (vars.conf syntax) every node
                                 compiles the rules with
  settings FILE                  the engine settings every node judges with, 'name = value' a
                                 line: malformed, action-order, midstream (on|off), checksums;
                                 taken when a node starts (a running one refuses a change)
  fleet                          the nodes following the store: the revision each enforces, its
                                 lag behind the store, generation, state fingerprint, engine,
                                 state, and any revision it refused (why)

options:
  --control ENDPOINT   picketd's command socket (default: ipc://RUN/control, where RUN is
                       $PICKET_RUN_DIR, /run/picket for root, else $XDG_RUNTIME_DIR/picket
                       or /tmp/picket-UID: where picketd run by this user puts it)
  --publish ENDPOINT   picketd's record socket, for tail (default: ipc://RUN/records)
  --server-key FILE    picketd's CURVE public key (when the daemon has keys)
  --key FILE           this client's CURVE secret key (its public key must be on the daemon's
                       allow-list)
  --timeout MS         how long to wait for a reply (default: 5000; load-rules and
                       load-image: 60000)
  --json               print the reply as JSON (tail: the records as they are)
  --store etcd://HOST:PORT[,HOST:PORT...]  write the fleet's store instead of one daemon
                       (etcds:// for TLS)
  --cluster NAME       the cluster's keys, /picket/NAME/ (default: default)
  --store-ca FILE      TLS: the CA of the etcd members' certificates
  --store-cert FILE    TLS: this client's certificate, with
  --store-key FILE     its key
  -h, --help           this text

exit status: 0 done; 1 picketd refused the command (the reply says why); 2 a usage error or
an unreadable file; 3 no reply (picketd not running or not reachable, or no etcd member
answered); 4 picketd refused this
client (its key is not allowed, it gave none or the daemon has none, or the socket is another
user's).
)";

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "picketctl: %s\n(see picketctl --help)\n", why.c_str());
  std::exit(2);
}

[[noreturn]] void no_reply(const std::string& why) {
  std::fprintf(stderr, "picketctl: %s\n", why.c_str());
  std::exit(3);
}

[[noreturn]] void refused(const std::string& why) {
  std::fprintf(stderr, "picketctl: %s\n", why.c_str());
  std::exit(4);
}

// An owner-only socket of another user is refused before connecting: ZeroMQ would retry the
// connection quietly until the timeout, and the operator would wonder whether picketd runs.
void check_socket_access(const std::string& endpoint) {
  const std::string path = picket::ipc_path(endpoint);
  if (path.empty()) return;
  const std::string advice = "; run picketctl as picketd's user, or give the daemon CURVE keys and this client one";
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    // Absent: not started yet, waited for as over TCP. Unreachable: another user's directory.
    if (errno == EACCES) refused(path + ": permission denied: picketd's run directory is owner-only" + advice);
    return;
  }
  if (access(path.c_str(), R_OK | W_OK) != 0) {
    refused(path + ": permission denied: picketd's socket is owner-only (uid " + std::to_string(st.st_uid) + ")" +
            advice);
  }
}

// Watches a socket's handshakes, so that a client picketd refuses is told so at once rather
// than waiting out its timeout for a reply that cannot come.
class HandshakeWatch : public zmq::monitor_t {
 public:
  explicit HandshakeWatch(zmq::socket_t& socket) {
    init(socket, "inproc://picketctl-handshakes",
         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
             ZMQ_EVENT_DISCONNECTED);
  }
  // Takes the events so far; exits with status 4 when the daemon refused the client.
  void check(const std::string& endpoint) {
    while (check_event(0)) {
    }
    if (!why_.empty()) refused(endpoint + ": " + why_);
  }

 private:
  void on_event_handshake_failed_auth(const zmq_event_t&, const char*) override {
    why_ = "picketd refused this client's key (it is not on the daemon's allow-list)";
  }
  void on_event_handshake_failed_protocol(const zmq_event_t&, const char*) override { why_ = kMismatch; }
  void on_event_handshake_succeeded(const zmq_event_t&, const char*) override { shook_hands_ = true; }
  // A daemon that sees the mismatch first may close the connection before this side reads
  // its greeting: then no failure is reported, only the connection lost, again at each retry.
  // Twice without a handshake ever completing is the same refusal.
  void on_event_disconnected(const zmq_event_t&, const char*) override {
    if (!shook_hands_ && ++lost_ >= 2 && why_.empty()) why_ = kMismatch;
  }
  static constexpr const char* kMismatch =
      "the handshake failed: picketd has CURVE keys and this client gave none (--server-key, --key), "
      "the daemon has none, or --server-key is not the daemon's key";
  std::string why_;
  bool shook_hands_ = false;
  int lost_ = 0;
};

struct Options {
  std::string control = picket::default_control_endpoint();
  std::string publish = picket::default_publish_endpoint();
  std::string server_key_file, key_file;
  int timeout_ms = -1;
  bool json = false;
};

std::string read_file_or_exit(const std::string& path) {
  std::optional<std::string> text = picket::read_text_file(path);
  if (!text) {
    std::fprintf(stderr, "picketctl: %s: cannot read it\n", path.c_str());
    std::exit(2);
  }
  return *text;
}

// Makes the socket a CURVE client when keys are given.
void secure(zmq::socket_t& s, const Options& o) {
  if (o.server_key_file.empty() && o.key_file.empty()) return;
  if (o.server_key_file.empty() || o.key_file.empty()) usage_error("CURVE needs both --server-key and --key");
  std::string server, secret, error;
  if (!picket::read_z85_key(o.server_key_file, server, error) || !picket::read_z85_key(o.key_file, secret, error)) {
    std::fprintf(stderr, "picketctl: %s\n", error.c_str());
    std::exit(2);
  }
  std::array<char, 41> public_key{};
  if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) usage_error(o.key_file + ": not a secret key");
  s.set(zmq::sockopt::curve_serverkey, server);
  s.set(zmq::sockopt::curve_publickey, std::string(public_key.data(), 40));
  s.set(zmq::sockopt::curve_secretkey, secret);
}

picket::control::Reply ask(const Options& o, picket::control::Request& request, int default_timeout_ms) {
  request.set_version(picket::kControlVersion);
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  int timeout = o.timeout_ms >= 0 ? o.timeout_ms : default_timeout_ms;
  socket.set(zmq::sockopt::sndtimeo, timeout);  // the reply is polled for below
  socket.set(zmq::sockopt::linger, 0);
  secure(socket, o);
  check_socket_access(o.control);
  HandshakeWatch watch(socket);
  try {
    socket.connect(o.control);
    std::string bytes = request.SerializeAsString();
    if (!socket.send(zmq::buffer(bytes), zmq::send_flags::none)) {
      no_reply("could not send to " + o.control + " within " + std::to_string(timeout) + " ms");
    }
    // The reply is awaited in slices, so that a refused handshake ends the wait.
    zmq::message_t answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
    for (;;) {
      zmq::pollitem_t item = {socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      watch.check(o.control);
      if ((item.revents & ZMQ_POLLIN) && socket.recv(answer, zmq::recv_flags::dontwait)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        no_reply("no reply from " + o.control + " within " + std::to_string(timeout) +
                 " ms: is picketd running there?");
      }
    }
    picket::control::Reply reply;
    if (!reply.ParseFromArray(answer.data(), static_cast<int>(answer.size()))) {
      no_reply(o.control + " answered with something that is not a control reply");
    }
    return reply;
  } catch (const zmq::error_t& e) {
    no_reply(o.control + ": " + e.what());
  }
}

std::string to_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

unsigned long long u(uint64_t v) { return static_cast<unsigned long long>(v); }

void print_human(const picket::control::Reply& r) {
  using picket::control::Reply;
  if (r.has_health()) {
    const auto& h = r.health();
    std::printf("%s: engine %s, generation %u, %u worker(s)", h.state().c_str(), h.engine().c_str(), h.generation(),
                h.workers());
    if (h.workers_behind()) std::printf(" (%u not yet on it)", h.workers_behind());
    std::printf(", up %.1f s\n", h.uptime_seconds());
    std::printf("  %u rules; %u identity bindings of %u identities; policy %s; on engine failure: %s\n", h.rules(),
                h.bindings(), h.identities(), h.policy().c_str(), h.on_failure().c_str());
  } else if (r.has_counters()) {
    const auto& c = r.counters();
    std::printf("generation %u: %llu received, %llu forwarded, %llu dropped (%llu policy, %llu signature, "
                "%llu stream, %llu fragment, %llu malformed, %llu engine failure); %llu alerts; %llu records, "
                "%llu published\n",
                r.generation(), u(c.received()), u(c.forwarded()), u(c.dropped()), u(c.dropped_policy()),
                u(c.dropped_signature()), u(c.dropped_stream()), u(c.dropped_fragment()), u(c.dropped_malformed()),
                u(c.dropped_engine_failure()),
                u(c.alerts()),
                u(c.records()), u(c.records_published()));
    if (c.records_to_redis() || c.records_to_redis_dropped()) {
      std::printf("  records to Redis: %llu sent, %llu dropped\n", u(c.records_to_redis()), u(c.records_to_redis_dropped()));
    }
    std::printf("  flows: %llu created, %llu evicted (%llu established), %llu blocked, %llu came back blocked\n",
                u(c.flows_created()), u(c.flows_evicted()), u(c.flows_evicted_established()), u(c.flows_blocked()),
                u(c.flows_revived()));
    std::printf("  fragments: %llu, %llu datagrams reassembled, %llu overlaps (%llu with other bytes)\n",
                u(c.fragments()), u(c.datagrams_reassembled()), u(c.fragment_overlaps()), u(c.fragment_conflicts()));
    for (const auto& w : c.workers()) {
      std::printf("  worker %u (lcore %u): %llu received, %llu forwarded, %llu dropped, generation %u%s%s\n",
                  w.worker(), w.lcore(), u(w.received()), u(w.forwarded()), u(w.dropped()), w.generation(),
                  w.failure().empty() ? "" : "; engine failed: ", w.failure().c_str());
    }
    for (const auto& p : c.ports()) {
      std::printf("  port %u (%s): %llu in, %llu out, %llu missed, %llu in errors, %llu out errors\n", p.port(),
                  p.name().c_str(), u(p.in()), u(p.out()), u(p.missed()), u(p.in_errors()), u(p.out_errors()));
    }
  } else if (r.has_changed()) {
    const auto& c = r.changed();
    std::printf("generation %u in force: %u rules (%u skipped), %u identity bindings, %u policy statements\n",
                r.generation(), c.rules(), c.rules_skipped(), c.bindings(), c.policy_statements());
    for (const auto& w : c.warnings()) std::printf("  %s\n", w.c_str());
  }
}

// One field of a decision record, as text ("" when absent). The records are picketd's own
// EVE lines, flat enough for this: each key below occurs once.
std::string field(const std::string& line, const std::string& key) {
  std::string pattern = "\"" + key + "\":";
  size_t at = line.find(pattern);
  if (at == std::string::npos) return "";
  at += pattern.size();
  if (at < line.size() && line[at] == '"') {
    size_t end = at + 1;
    while (end < line.size() && line[end] != '"') end += line[end] == '\\' ? 2 : 1;
    return line.substr(at + 1, end - at - 1);
  }
  size_t end = line.find_first_of(",}", at);
  return line.substr(at, end - at);
}

std::string endpoint_text(const std::string& line, const char* ip, const char* port, const char* who) {
  std::string out = field(line, ip);
  std::string p = field(line, port);
  if (!p.empty()) out += ":" + p;
  std::string id = field(line, who);
  if (!id.empty()) out += " (" + id + ")";
  return out;
}

int tail(const Options& o, long count, double seconds) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  secure(socket, o);
  check_socket_access(o.publish);
  HandshakeWatch watch(socket);
  socket.set(zmq::sockopt::subscribe, "");
  socket.set(zmq::sockopt::rcvtimeo, 200);
  try {
    socket.connect(o.publish);
  } catch (const zmq::error_t& e) {
    no_reply(o.publish + ": " + e.what());
  }
  const auto start = std::chrono::steady_clock::now();
  long seen = 0;
  while (count < 0 || seen < count) {
    if (seconds > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds) break;
    zmq::message_t m;
    watch.check(o.publish);
    if (!socket.recv(m)) continue;
    ++seen;
    std::string line = m.to_string();
    if (o.json) {
      std::printf("%s\n", line.c_str());
    } else {
      std::string what = field(line, "event_type");
      std::string action = field(line, "action");
      if (what == "alert") {
        what += " " + action + " " + field(line, "signature_id") + " \"" + field(line, "signature") + "\"";
      } else if (what == "drop") {
        what += " " + field(line, "reason");
      }
      std::printf("%s %s  %s -> %s  gen %s\n", field(line, "timestamp").c_str(), what.c_str(),
                  endpoint_text(line, "src_ip", "src_port", "src").c_str(),
                  endpoint_text(line, "dest_ip", "dest_port", "dst").c_str(), field(line, "generation").c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

int keygen(const std::string& name) {
  std::array<char, 41> public_key{}, secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    std::fprintf(stderr, "picketctl: this libzmq cannot make CURVE keys\n");
    return 1;
  }
  std::string secret_path = name + ".key", public_path = name + ".pub";
  {
    std::ofstream out(secret_path, std::ios::trunc);
    out << "# picket CURVE secret key: keep it to its owner\n" << secret_key.data() << "\n";
    if (!out) usage_error(secret_path + ": cannot write it");
  }
  chmod(secret_path.c_str(), 0600);
  std::ofstream out(public_path, std::ios::trunc);
  out << "# picket CURVE public key\n" << public_key.data() << "\n";
  if (!out) usage_error(public_path + ": cannot write it");
  std::printf("%s (secret), %s (public): %s\n", secret_path.c_str(), public_path.c_str(), public_key.data());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  picketctl::StoreTarget store;
  std::vector<std::string> words;
  std::optional<uint64_t> ttl_ms;
  long count = -1;
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--control") o.control = value();
    else if (a == "--publish") o.publish = value();
    else if (a == "--server-key") o.server_key_file = value();
    else if (a == "--key") o.key_file = value();
    else if (a == "--json") o.json = true;
    else if (a == "--store") {
      store.url = value();
      std::string error;
      if (!picket::store::parse_store_url(store.url, store.etcd, error)) usage_error("--store: " + error);
    } else if (a == "--cluster") store.cluster = value();
    else if (a == "--store-ca") store.etcd.ca_file = value();
    else if (a == "--store-cert") store.etcd.cert_file = value();
    else if (a == "--store-key") store.etcd.key_file = value();
    else if (a == "--timeout") {
      std::string t = value();
      char* end = nullptr;
      long v = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end || v < 1 || v > 3'600'000) usage_error("--timeout takes milliseconds, 1 to 3600000");
      o.timeout_ms = static_cast<int>(v);
    } else if (a == "--ttl") {
      if (std::optional<int64_t> ms = picket::parse_duration_ms(value())) ttl_ms = static_cast<uint64_t>(*ms);
      else ttl_ms.reset();
      if (!ttl_ms || *ttl_ms == 0) usage_error("--ttl takes a duration such as 30s, 500ms, 5m, 2h or 1d");
    } else if (a == "--count") {
      std::string t = value();
      char* end = nullptr;
      count = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end || count < 1) usage_error("--count takes a positive number");
    } else if (a == "--seconds") {
      std::string t = value();
      char* end = nullptr;
      seconds = std::strtod(t.c_str(), &end);
      if (t.empty() || *end || !(seconds > 0)) usage_error("--seconds takes a positive number");
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'");
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) usage_error("no command given");
  const std::string command = words[0];
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (ttl_ms && command != "upsert") usage_error("--ttl goes with upsert");
  if ((count >= 0 || seconds > 0) && command != "tail") usage_error("--count and --seconds go with tail");

  if (!store.url.empty()) {
    store.json = o.json;
    if (command == "keygen" && rest.size() == 1) return keygen(rest[0]);
    if (std::optional<int> status = picketctl::run_store_command(store, command, rest, ttl_ms)) return *status;
    usage_error(command + " goes to one daemon, not to the store: drop --store");
  }
  if (command == "fleet") usage_error("fleet reads the store: give --store etcd://HOST:PORT");

  picket::control::Request request;
  int timeout = 5000;
  if (command == "health" || command == "counters") {
    if (!rest.empty()) usage_error(command + " takes no arguments");
    if (command == "health") request.mutable_health();
    else request.mutable_counters();
  } else if (command == "load-rules") {
    if (rest.empty()) usage_error("load-rules needs one or more rule files");
    for (const std::string& path : rest) {
      auto* f = request.mutable_load_rules()->add_files();
      f->set_name(path);
      f->set_content(read_file_or_exit(path));
    }
    timeout = 60000;
  } else if (command == "load-image") {
    if (rest.size() != 1) usage_error("load-image takes one table image file");
    request.mutable_load_image()->set_name(rest[0]);
    request.mutable_load_image()->set_image(read_file_or_exit(rest[0]));
    timeout = 60000;
  } else if (command == "upsert") {
    if (rest.size() < 2) usage_error("upsert needs an identity and one or more addresses or prefixes");
    for (size_t i = 1; i < rest.size(); ++i) {
      auto* b = request.mutable_upsert()->add_bindings();
      b->set_identity(rest[0]);
      b->set_prefix(rest[i]);
      b->set_ttl_ms(ttl_ms.value_or(0));
    }
  } else if (command == "revoke") {
    if (rest.empty()) usage_error("revoke needs one or more addresses or prefixes");
    for (const std::string& p : rest) request.mutable_revoke()->add_prefixes(p);
  } else if (command == "policy") {
    if (rest.size() != 1) usage_error("policy takes one policy file");
    auto* p = request.mutable_replace_policy()->mutable_policy();
    p->set_name(rest[0]);
    p->set_content(read_file_or_exit(rest[0]));
  } else if (command == "tail") {
    if (!rest.empty()) usage_error("tail takes no arguments");
    return tail(o, count, seconds);
  } else if (command == "keygen") {
    if (rest.size() != 1) usage_error("keygen takes the name of the key pair");
    return keygen(rest[0]);
  } else {
    usage_error("unknown command '" + command + "'");
  }

  picket::control::Reply reply = ask(o, request, timeout);
  if (o.json) {
    std::printf("%s\n", to_json(reply).c_str());
  } else if (reply.ok()) {
    print_human(reply);
  } else {
    std::fprintf(stderr, "picketctl: picketd refused it (%s): %s\n",
                 picket::control::Error::Code_Name(reply.error().code()).c_str(), reply.error().message().c_str());
    for (const auto& d : reply.error().diagnostics()) std::fprintf(stderr, "  %s\n", d.c_str());
  }
  return reply.ok() ? 0 : 1;
}
