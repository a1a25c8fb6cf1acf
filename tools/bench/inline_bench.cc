// picket-inline-bench: picketd's inline datapath on net_ring ports, beside the software engine
// alone on the same frames, in one run.
//
//   feeder thread (CPU of the main lcore)              worker w (its own lcore)
//   ─ keeps rx ring w full ──► port 0, RX queue w ──► judge ──► port 1, TX queue w ──► tx ring w
//   ◄─ frees what arrives ──────────────────────────────────────────────────────────── ┘
//
// The frames are the captures', loaded once: the feeder enqueues the same mbufs again and again
// (a NIC would DMA into fresh buffers; here no copy is made, so what is measured is the
// worker's own cost). Flows are spread over the workers by a symmetric
// hash of their addresses and ports, as a NIC's RSS would.
//
// Measured: each worker's frames per second, counted off its RX ring between two moments after
// a warm-up, and the engine alone (SoftwareEngine::process over the same frames in the same
// order, on worker 0's CPU) before and after the inline run.
#include <pthread.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "control/controller.h"
#include "daemon/engine_setup.h"
#include "daemon/inline.h"
#include "packet/decoder.h"
#include "io/pcap_file.h"

namespace {

using namespace picket;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage: picket-inline-bench -r CAPTURE... -S RULES... [options]

Runs picketd's inline datapath (the software engine, one RX queue per worker) on two net_ring
ports fed from the captures held in memory, and the software engine alone on the same frames,
and prints packets/s and Gbit/s per worker and what the DPDK path adds to the engine's cost.
Only Ethernet captures are used.

options:
  -r FILE               a capture; may be repeated (frames are played in the order given)
  -S, --rules FILE      a rule file; may be repeated
  --vars FILE           variables file
  --identities FILE     identity bindings (bindings with an end time end at that wall time)
  --policy FILE         policy
  --workers N           inline workers (default 1), each on its own lcore
  --seconds S           measured seconds of each run (default 5), after a 1 s warm-up
)";

constexpr unsigned kRingSize = 4096;  // as a NIC's descriptor ring
constexpr unsigned kBatch = 32;
constexpr size_t kStandardRoom = 2048;
constexpr uint16_t kReferences = 60000;  // each frame's references, topped up as drops use them

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Both directions of a flow hash alike.
size_t lane_of(const Packet& p, size_t lanes) {
  DecodedPacket d = decode(p);
  if (!d.ok() || d.l3 == L3::kNone) return 0;
  const IpAddress& a = std::min(d.src, d.dst);
  const IpAddress& b = std::max(d.src, d.dst);
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint8_t byte) { h = (h ^ byte) * 1099511628211ull; };
  for (uint8_t x : a.bytes) mix(x);
  for (uint8_t x : b.bytes) mix(x);
  mix(d.ip_proto);
  uint16_t lo = std::min(d.src_port, d.dst_port), hi = std::max(d.src_port, d.dst_port);
  for (uint16_t port : {lo, hi}) {
    mix(static_cast<uint8_t>(port >> 8));
    mix(static_cast<uint8_t>(port));
  }
  return h % lanes;
}

// One worker's traffic: its frames, its rings, what the feeder has put in.
struct Lane {
  std::vector<Packet*> frames;
  std::vector<uint64_t> bytes_before;  // captured bytes of frames[0..i)
  uint64_t bytes_per_round = 0;
  std::vector<rte_mbuf*> mbufs;        // frames[i] as an mbuf the feeder holds a reference to
  rte_ring* rx = nullptr;              // port 0's RX queue
  rte_ring* tx_out = nullptr;          // port 1's TX queue: what is forwarded
  rte_ring* tx_back = nullptr;         // port 0's TX queue: reject answers
  rte_ring* rx_back = nullptr;         // port 1's RX queue, left empty
  size_t next = 0;
  uint64_t enqueued = 0;

  uint64_t bytes_of(uint64_t count) const {
    return count / frames.size() * bytes_per_round + bytes_before[count % frames.size()];
  }
};

struct Sample {
  double at = 0;
  std::vector<uint64_t> taken;  // frames each worker has taken off its RX ring
};

struct Rate {
  double packets_per_second = 0, bits_per_second = 0;
};

// The engine alone, on `frames` in order, again and again for `seconds`, reading each frame
// where it lies.
Rate engine_alone(const EngineConfig& config, const Controller& controller, const std::vector<Packet*>& frames,
                  double seconds) {
  SoftwareEngine engine(config, controller.current());
  Verdict v;
  uint64_t count = 0, bytes = 0;
  auto start = Clock::now();
  size_t at = 0;
  do {
    int64_t now = wall_ns();  // as a worker stamps a burst
    for (unsigned i = 0; i < kBatch; ++i, at = (at + 1) % frames.size()) {
      Packet& p = *frames[at];
      p.timestamp_ns = now;
      p.index = ++count;
      engine.process(p, v);
      bytes += p.bytes.size();
    }
  } while (seconds_since(start) < seconds);
  const double took = seconds_since(start);
  return {double(count) / took, double(bytes) * 8 / took};
}

void pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % std::thread::hardware_concurrency(), &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

}  // namespace

int main(int argc, char** argv) {
  EngineFiles files;
  std::vector<std::string> captures;
  unsigned workers = 1;
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "picket-inline-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "-r") captures.push_back(value());
    else if (a == "-S" || a == "--rules") files.rule_files.push_back(value());
    else if (a == "--vars") files.var_files.push_back(value());
    else if (a == "--identities") files.identity_file = value();
    else if (a == "--policy") files.policy_file = value();
    else if (a == "--workers") workers = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    else if (a == "--seconds") seconds = std::max(0.5, std::atof(value().c_str()));
    else {
      std::fprintf(stderr, "picket-inline-bench: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (captures.empty() || files.rule_files.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  // The frames, in memory. A capture that does not read is left out, and counted.
  std::vector<Packet> packets;
  size_t not_ethernet = 0, longest = 0, unread = 0;
  uint64_t frame_bytes = 0;
  for (const std::string& path : captures) {
    try {
      PcapReader reader(path);
      Packet p;
      while (reader.next(p)) {
        if (p.link_type != LinkType::kEthernet || p.bytes.empty()) {
          ++not_ethernet;
        } else {
          longest = std::max(longest, p.bytes.size());
          frame_bytes += p.bytes.size();
          packets.push_back(std::move(p));
        }
        p = Packet{};
      }
    } catch (const PcapError& e) {
      if (unread++ == 0) std::fprintf(stderr, "picket-inline-bench: left out: %s\n", e.what());
    }
  }
  if (unread > 1) std::fprintf(stderr, "picket-inline-bench: %zu captures left out in all\n", unread);
  if (packets.empty()) {
    std::fprintf(stderr, "picket-inline-bench: no Ethernet frames in the captures\n");
    return 1;
  }
  std::printf("frames: %zu Ethernet (%zu others left out), %.0f B average, longest %zu B\n", packets.size(),
              not_ethernet, double(frame_bytes) / double(packets.size()), longest);

  EngineConfig config;
  EngineSetup setup = set_up_engine(files, config);
  for (const Diagnostic& d : setup.diagnostics) {
    if (d.severity == Severity::kError) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  if (!setup.engine) return 1;
  std::printf("rules: %zu accepted (%zu skipped), %zu identity bindings\n", setup.rules.accepted, setup.rules.skipped,
              setup.engine->identities().size());
  Controller controller(setup.variables, files.strict, config, setup.engine->generation());

  std::vector<Lane> lanes(workers);
  for (Packet& p : packets) lanes[lane_of(p, workers)].frames.push_back(&p);
  for (Lane& lane : lanes) {
    if (lane.frames.empty()) lane.frames.push_back(&packets.front());  // a worker with no flow of its own
    for (const Packet* p : lane.frames) {
      lane.bytes_before.push_back(lane.bytes_per_round);
      lane.bytes_per_round += p->bytes.size();
    }
  }
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());

  // The engine alone, first on worker 0's CPU (lcore 1).
  pin_to_cpu(1);
  const Rate before = engine_alone(config, controller, lanes[0].frames, seconds);

  // picketd inline: main lcore 0 on CPU 0, worker lcores 1.. on CPUs 1.. (wrapping).
  std::string lcores = "0@0";
  for (unsigned w = 1; w <= workers; ++w) lcores += "," + std::to_string(w) + "@" + std::to_string(w % cpus);
  InlineOptions o;
  // Frames up to 2 KB go in standard buffers, longer ones in buffers the size of the longest.
  size_t long_frames = 0;
  for (const Packet& p : packets) long_frames += p.bytes.size() > kStandardRoom;
  const size_t memory_mb = 512 + (packets.size() * (RTE_MBUF_DEFAULT_BUF_SIZE + 256) +
                                  long_frames * (RTE_PKTMBUF_HEADROOM + longest + 256)) / (1 << 20);
  o.eal_args = {"--lcores", lcores, "--no-huge", "--no-pci", "--no-shconf", "-m", std::to_string(memory_mb),
                "--log-level", "lib.eal:error"};
  o.ports = {0, 1};
  o.workers = workers;
  o.control = false;
  o.quiet = true;

  std::vector<Sample> samples;
  std::thread feeder;
  // Feeds every RX ring and takes back what the workers send, without touching a frame: each
  // holds a large reference count, so neither a drop's free nor a send returns it to the pool
  // (touching it here would move its cache line away from the worker on every pass). Samples
  // what each worker has taken; when done, stops picketd as SIGTERM would.
  auto feed = [&] {
    std::vector<void*> burst(kRingSize);
    auto sample = [&](double at) {
      Sample s{at, {}};
      for (Lane& l : lanes) s.taken.push_back(l.enqueued - rte_ring_count(l.rx));
      samples.push_back(std::move(s));
    };
    auto start = Clock::now(), topped_up = start;
    bool warm = false;
    while (true) {
      for (Lane& l : lanes) {
        unsigned room = rte_ring_free_count(l.rx);
        if (room >= kBatch) {
          for (unsigned i = 0; i < room; ++i) {
            burst[i] = l.mbufs[l.next];
            l.next = (l.next + 1) % l.mbufs.size();
          }
          l.enqueued += rte_ring_sp_enqueue_burst(l.rx, burst.data(), room, nullptr);
        }
        for (rte_ring* r : {l.tx_out, l.tx_back}) rte_ring_sc_dequeue_burst(r, burst.data(), kRingSize, nullptr);
      }
      if (seconds_since(topped_up) > 0.1) {  // drops take references away
        for (Lane& l : lanes) {
          for (rte_mbuf* m : l.mbufs) {
            if (rte_mbuf_refcnt_read(m) < kReferences / 2) rte_mbuf_refcnt_update(m, kReferences / 2);
          }
        }
        topped_up = Clock::now();
      }
      double t = seconds_since(start);
      if (!warm && t >= 1.0) {
        sample(t);
        warm = true;
      } else if (warm && t >= 1.0 + seconds) {
        sample(t);
        break;
      }
    }
    std::raise(SIGTERM);
  };
  o.before_ports = [&](std::string& error) -> bool {
    std::string why;
    auto pool = [&](const char* name, size_t count, size_t room) {
      rte_mempool* made = rte_pktmbuf_pool_create(name, static_cast<unsigned>(count), 0, 0,
                                                  static_cast<uint16_t>(RTE_PKTMBUF_HEADROOM + room), SOCKET_ID_ANY);
      if (!made) why = std::to_string(count) + " buffers of " + std::to_string(room) + " B: " + rte_strerror(rte_errno);
      return made;
    };
    rte_mempool* standard = pool("bench_frames", packets.size() + workers, kStandardRoom);
    rte_mempool* roomy = long_frames ? pool("bench_long_frames", long_frames, longest) : nullptr;
    if (!standard || (long_frames && !roomy)) {
      error = "no pool for the frames: " + why;
      return false;
    }
    std::vector<rte_ring*> a_rx, a_tx, b_rx, b_tx;
    auto ring = [&](const char* what, unsigned w, unsigned size) {
      std::string name = std::string("bench_") + what + std::to_string(w);
      return rte_ring_create(name.c_str(), size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    };
    for (unsigned w = 0; w < workers; ++w) {
      Lane& l = lanes[w];
      l.rx = ring("a_rx", w, kRingSize);
      l.tx_back = ring("a_tx", w, kRingSize);
      l.rx_back = ring("b_rx", w, kRingSize);
      l.tx_out = ring("b_tx", w, 4 * kRingSize);  // room while the feeder is off its CPU
      if (!l.rx || !l.tx_back || !l.rx_back || !l.tx_out) {
        error = std::string("no rings: ") + rte_strerror(rte_errno);
        return false;
      }
      a_rx.push_back(l.rx);
      a_tx.push_back(l.tx_back);
      b_rx.push_back(l.rx_back);
      b_tx.push_back(l.tx_out);
      for (const Packet* p : l.frames) {
        rte_mbuf* m = rte_pktmbuf_alloc(p->bytes.size() > kStandardRoom ? roomy : standard);
        char* room = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(p->bytes.size())) : nullptr;
        if (!room) {
          error = "no buffer for a frame";
          return false;
        }
        std::memcpy(room, p->bytes.data(), p->bytes.size());
        rte_mbuf_refcnt_set(m, kReferences);
        l.mbufs.push_back(m);
      }
    }
    if (rte_eth_from_rings("bench_a", a_rx.data(), workers, a_tx.data(), workers, SOCKET_ID_ANY) != 0 ||
        rte_eth_from_rings("bench_b", b_rx.data(), workers, b_tx.data(), workers, SOCKET_ID_ANY) != 1) {
      error = std::string("the ring ports did not come up as ports 0 and 1: ") + rte_strerror(rte_errno);
      return false;
    }
    feeder = std::thread(feed);
    return true;
  };
  auto make_judge = [&](unsigned, std::string&) {
    return std::make_unique<Judge>(std::make_unique<SoftwareEngine>(config, controller.current()));
  };
  int status = run_inline(o, make_judge, &setup.classifications, controller);
  if (feeder.joinable()) feeder.join();
  if (status != 0 || samples.size() != 2) return 1;

  pin_to_cpu(1);
  const Rate after = engine_alone(config, controller, lanes[0].frames, seconds);

  const Sample &s0 = samples[0], &s1 = samples[1];
  double span = s1.at - s0.at;
  std::printf("\n%-24s %12s %10s\n", "", "Mpackets/s", "Gbit/s");
  std::printf("%-24s %12.3f %10.2f\n", "engine alone, before", before.packets_per_second / 1e6,
              before.bits_per_second / 1e9);
  std::printf("%-24s %12.3f %10.2f\n", "engine alone, after", after.packets_per_second / 1e6,
              after.bits_per_second / 1e9);
  double total_pps = 0, total_bps = 0;
  for (unsigned w = 0; w < workers; ++w) {
    const Lane& l = lanes[w];
    double pps = double(s1.taken[w] - s0.taken[w]) / span;
    double bps = double(l.bytes_of(s1.taken[w]) - l.bytes_of(s0.taken[w])) * 8 / span;
    total_pps += pps;
    total_bps += bps;
    std::string name = "inline, worker " + std::to_string(w) + " (CPU " + std::to_string((w + 1) % cpus) + ")";
    std::printf("%-24s %12.3f %10.2f   (%zu frames of its flows)\n", name.c_str(), pps / 1e6, bps / 1e9,
                l.frames.size());
  }
  if (workers > 1) std::printf("%-24s %12.3f %10.2f\n", "inline, all workers", total_pps / 1e6, total_bps / 1e9);
  if (workers == 1) {
    double engine = (before.packets_per_second + after.packets_per_second) / 2;
    double worker = double(s1.taken[0] - s0.taken[0]) / span;
    std::printf("the DPDK path adds %+.1f %% to the engine's per-packet cost (against the mean of the engine-alone "
                "runs; %.1f s each)\n",
                (engine / worker - 1) * 100, seconds);
  }
  if (workers >= cpus) {
    std::printf("note: %u workers on %u CPUs: worker %u shares CPU 0 with the feeder, which then cannot keep the "
                "other workers' rings full; per-worker figures need a CPU for each worker and one more\n",
                workers, cpus, cpus - 1);
  }
  return 0;
}
