// picket-control-bench: how soon an identity binding upserted through the control API is
// enforced in the data plane. Not a test: it prints figures.
//
// It starts picketd inline on a net_pcap port that replays, without end, a capture in which one
// packet in 64 belongs to a watched flow (client -> api, udp/8080) and the rest to a flow that
// is always allowed. Then, N times: it upserts the client as an identity the policy denies,
// takes the time of the reply, and waits on the PUB socket for the first policy drop of the
// watched flow judged under that reply's generation; then it upserts the client back to the
// allowed identity. Two delays from the reply, each upsert:
//   enforced   until the worker judged the watched packet under the new generation: the
//              record's own timestamp (the worker's clock when it took the burst up), against
//              the bench's clock at the reply (0 when the data plane was there first), and
//              against its clock when it sent the request
//   seen       until the bench had the record off the PUB socket: enforced, plus the hop
// Both include the wait for the flow's next packet (one in 64 of the replayed frames).
//
//   picket-control-bench PICKETD [UPSERTS]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "control/control.pb.h"
#include "control/control_handler.h"
#include "testing/packet_builder.h"
#include "base/time_text.h"
#include "io/pcap_file.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

picket::control::Reply ask(zmq::socket_t& req, const picket::control::Request& r) {
  std::string bytes = r.SerializeAsString();
  req.send(zmq::buffer(bytes), zmq::send_flags::none);
  zmq::message_t m;
  if (!req.recv(m)) {
    std::fprintf(stderr, "picket-control-bench: picketd did not answer\n");
    std::exit(1);
  }
  picket::control::Reply reply;
  reply.ParseFromArray(m.data(), static_cast<int>(m.size()));
  return reply;
}

picket::control::Request upsert(const std::string& identity) {
  picket::control::Request r;
  r.set_version(picket::kControlVersion);
  auto* b = r.mutable_upsert()->add_bindings();
  b->set_identity(identity);
  b->set_prefix("10.1.0.1");
  return r;
}

// The "generation" of a record, or 0.
uint32_t record_generation(const std::string& line) {
  size_t at = line.find("\"generation\":");
  return at == std::string::npos ? 0 : static_cast<uint32_t>(std::stoul(line.substr(at + 13)));
}

// The record's "timestamp" (2026-11-22T10:04:01.120344+0000), in ns since 1970; 0 if none.
int64_t record_time(const std::string& line) {
  size_t at = line.find("\"timestamp\":\"");
  if (at == std::string::npos) return 0;
  std::string text = line.substr(at + 13, 31);  // the offset written +hhmm; RFC 3339 wants +hh:mm
  text.insert(text.size() - 2, ":");
  return picket::parse_rfc3339(text).value_or(0);
}

double wall_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::printf("usage: picket-control-bench PICKETD [UPSERTS]\n"
                "Prints the delay from an identity upsert's reply to its first enforcement (median, p99, max).\n");
    return argc < 2 ? 2 : 0;
  }
  const std::string picketd = argv[1];
  const int upserts = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1000;

  fs::path dir = fs::temp_directory_path() / ("picket-control-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    picket::PcapWriter w((dir / "replay.pcap").string());
    auto watched = picket::PacketBuilder().ipv4("10.1.0.1", "10.1.0.2").udp(40000, 8080).payload("watched").build();
    auto other = picket::PacketBuilder().ipv4("10.1.0.3", "10.1.0.2").udp(40001, 8080).payload("background").build();
    for (int i = 0; i < 64; ++i) {
      const auto& f = i == 0 ? watched : other;
      w.write(f.data(), static_cast<uint32_t>(f.size()), 0);
    }
  }
  std::ofstream(dir / "identities") << "spiffe://bench/api 10.1.0.2\nspiffe://bench/web 10.1.0.0/24\n";
  std::ofstream(dir / "policy") << "allow spiffe://bench/web -> spiffe://bench/api udp/8080\n";
  std::ofstream(dir / "rules") << "alert udp any any -> any any (msg:\"never\"; content:\"never-seen\"; sid:1;)\n";
  const std::string control = "ipc://" + (dir / "control").string();
  const std::string records = "ipc://" + (dir / "records").string();

  pid_t pid = fork();
  if (pid == 0) {
    std::string vdev = "net_pcap0,rx_pcap=" + (dir / "replay.pcap").string() + ",tx_pcap=/dev/null,infinite_rx=1";
    std::vector<std::string> args = {picketd, "-q", "--engine", "sw", "-S", (dir / "rules").string(),
                                     "--identities", (dir / "identities").string(), "--policy",
                                     (dir / "policy").string(), "--eve", "-", "--control", control, "--publish",
                                     records, "--ports", "0", "--", "--no-huge", "--no-pci", "--no-shconf", "-m",
                                     "512", "--log-level", "lib.eal:error", "-l", "0-1", "--vdev", vdev};
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    freopen((dir / "picketd.log").c_str(), "w", stdout);
    freopen((dir / "picketd.log").c_str(), "a", stderr);
    execv(cargs[0], cargs.data());
    _exit(127);
  }

  zmq::context_t context(1);
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::rcvtimeo, 20000);
  req.connect(control);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.connect(records);
  picket::control::Request health;
  health.set_version(picket::kControlVersion);
  health.mutable_health();
  ask(req, health);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the subscription reaches picketd

  std::vector<double> delays_us, enforced_us, enforced_from_request_us;
  for (int i = 0; i < upserts; ++i) {
    const double sent_wall_us = wall_us();
    picket::control::Reply denied = ask(req, upsert("spiffe://bench/guest"));
    const auto replied = Clock::now();
    const double replied_wall_us = wall_us();
    const uint32_t g = denied.generation();
    for (;;) {
      zmq::message_t m;
      if (!sub.recv(m)) {
        std::fprintf(stderr, "picket-control-bench: no record for generation %u within 5 s\n", g);
        kill(pid, SIGTERM);
        return 1;
      }
      std::string line = m.to_string();
      if (record_generation(line) >= g && line.find("\"10.1.0.1\"") != std::string::npos) {
        const double judged_us = double(record_time(line)) / 1e3;
        enforced_us.push_back(std::max(0.0, judged_us - replied_wall_us));
        enforced_from_request_us.push_back(judged_us - sent_wall_us);
        break;
      }
    }
    delays_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - replied).count());
    ask(req, upsert("spiffe://bench/web"));
  }
  picket::control::Request counters;
  counters.set_version(picket::kControlVersion);
  counters.mutable_counters();
  picket::control::Reply c = ask(req, counters);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  fs::remove_all(dir);

  auto print = [](const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * double(v.size())))]; };
    std::printf("  %-44s median %6.0f us, p99 %6.0f us, max %6.0f us\n", what, at(0.5), at(0.99), v.back());
  };
  std::printf("upsert reply -> the watched flow's first packet under it, %zu upserts (one watched packet in 64 "
              "replayed frames):\n",
              delays_us.size());
  print("enforced (judged in the data plane)", enforced_us);
  print("  the same, from when the request was sent", enforced_from_request_us);
  print("seen (its record off the PUB socket)", delays_us);
  std::printf("  picketd judged %llu frames meanwhile (%llu dropped by policy)\n",
              static_cast<unsigned long long>(c.counters().received()),
              static_cast<unsigned long long>(c.counters().dropped_policy()));
  return 0;
}
