#include "daemon/inline.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "control/control.pb.h"
#include "control/metrics.h"
#include "io/eal.h"
#include "pipeline/verdict_sink.h"

namespace picket {

namespace {

constexpr unsigned kMaxBurst = 256;
constexpr unsigned kPoolPerQueue = 4096;  // buffers per queue of each port
constexpr size_t kPrefetchBytes = 2048;

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

void on_signal(int sig) {
  g_signal = sig;
  g_stop = true;
}

int64_t wall_ns() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// The decision log, shared by the workers: each writes a burst's records at once.
class EveSink {
 public:
  bool open(const std::string& path) {
    out_.open(path, std::ios::binary | std::ios::app);
    return static_cast<bool>(out_);
  }
  void write(const std::string& lines) {
    if (lines.empty() || !out_.is_open()) return;
    std::lock_guard lock(mutex_);
    out_ << lines;
    out_.flush();  // readers follow the log as it grows
  }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

struct WorkerCounters {
  uint64_t received = 0, forwarded = 0, dropped = 0, tx_failed = 0, records = 0, rejects = 0;
  uint64_t unjudged = 0;  // frames the failed engine could not judge (dropped, or forwarded when failing open)
};

// A worker's counters as the control thread reads them: stored after each burst.
struct LiveCounters {
  std::atomic<uint64_t> received{0}, forwarded{0}, dropped{0}, records{0}, unjudged{0}, alerts{0};
  std::atomic<uint64_t> flows_created{0}, flows_evicted{0}, flows_evicted_established{0}, flows_blocked{0},
      flows_revived{0};
  std::atomic<uint64_t> fragments{0}, datagrams_reassembled{0}, fragment_overlaps{0}, fragment_conflicts{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(DropReason::kCount)> dropped_by_reason{};  // by DropReason
  std::atomic<uint32_t> generation{0};
  std::atomic<bool> failed{false};  // `failure` is written before this is set
};

struct Worker {
  unsigned index = 0;
  unsigned lcore = 0;
  std::unique_ptr<Judge> judge;
  std::vector<std::pair<uint16_t, uint16_t>> sides;  // (in port, out port)
  std::vector<uint16_t> ports;
  std::vector<rte_eth_dev_tx_buffer*> tx;  // by place in `ports`
  rte_mempool* pool = nullptr;
  EveSink* eve = nullptr;
  ControlServer* publisher = nullptr;  // decision records to the PUB socket
  RedisOutput* redis = nullptr;        // and to Redis
  Controller* controller = nullptr;
  uint32_t seen_generation = 0;  // the controller's number this worker last took up
  VerdictSink sink;  // records, reject answers, forward or drop
  unsigned burst = 32;
  uint64_t drain_cycles = 0;
  bool fail_open = false;
  std::string failure;  // why the judge stopped, if it did
  WorkerCounters counters;
  LiveCounters live;
  std::atomic<uint64_t> last_rx_tsc{0};

  std::vector<PacketView> packets;
  std::vector<std::vector<uint8_t>> linear;  // a frame in several mbufs, made one, by place in the burst
  std::vector<Verdict> verdicts;
  uint64_t sequence = 0;

  size_t slot(uint16_t port) const { return static_cast<size_t>(std::find(ports.begin(), ports.end(), port) - ports.begin()); }

  void send(uint16_t port, rte_mbuf* m) {
    rte_eth_tx_buffer(port, static_cast<uint16_t>(index), tx[slot(port)], m);
  }

  void flush() {
    for (size_t i = 0; i < ports.size(); ++i) rte_eth_tx_buffer_flush(ports[i], static_cast<uint16_t>(index), tx[i]);
  }

  // Where one burst's frames go: forwarded out of `out`, reject answers back out of `in`.
  class BurstOutput final : public FrameOutput {
   public:
    BurstOutput(Worker& w, uint16_t in, uint16_t out, rte_mbuf** mbufs) : w_(w), in_(in), out_(out), mbufs_(mbufs) {}
    void forward(size_t i) override {
      w_.send(out_, mbufs_[i]);
      ++w_.counters.forwarded;
    }
    void drop(size_t i) override {
      rte_pktmbuf_free(mbufs_[i]);
      ++w_.counters.dropped;
    }
    void answer(size_t, const std::vector<uint8_t>& frame) override {
      rte_mbuf* m = rte_pktmbuf_alloc(w_.pool);
      if (!m) return;
      char* room = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
      if (!room) {
        rte_pktmbuf_free(m);
        return;
      }
      std::memcpy(room, frame.data(), frame.size());
      w_.send(in_, m);
      ++w_.counters.rejects;
    }

   private:
    Worker& w_;
    uint16_t in_, out_;
    rte_mbuf** mbufs_;
  };

  // Points the records at the judge's generation.
  void describe_generation() {
    const SoftwareEngine& engine = judge->software();
    RecordSource& source = sink.source();
    source.signatures = &engine.signatures();
    source.registry = &engine.identities().registry();
    source.policy = engine.policy();
    source.generation = judge->generation();
    source.store_revision = engine.generation()->store_revision;
    live.generation.store(source.generation, std::memory_order_relaxed);
  }

  // Takes up the generation the controller published last, if it is new.
  void catch_up() {
    uint32_t latest = controller->latest();
    if (!failure.empty() || latest == seen_generation) return;
    seen_generation = latest;
    if (!judge->adopt(controller->current(), failure)) {
      fail_engine();
      return;
    }
    describe_generation();
  }

  void fail_engine() {
    live.failed.store(true, std::memory_order_release);
  }

  void publish_counters() {
    live.received.store(counters.received, std::memory_order_relaxed);
    live.forwarded.store(counters.forwarded, std::memory_order_relaxed);
    live.dropped.store(counters.dropped, std::memory_order_relaxed);
    live.records.store(counters.records, std::memory_order_relaxed);
    live.unjudged.store(counters.unjudged, std::memory_order_relaxed);
    const EngineCounters& e = judge->software().counters();
    live.alerts.store(e.alerts, std::memory_order_relaxed);
    const FlowCounters& fc = judge->software().flows().counters();
    const BlockListCounters& bc = judge->software().blocks().counters();
    live.flows_created.store(fc.created, std::memory_order_relaxed);
    live.flows_evicted.store(fc.evicted, std::memory_order_relaxed);
    live.flows_evicted_established.store(fc.evicted_established, std::memory_order_relaxed);
    live.flows_blocked.store(bc.blocked, std::memory_order_relaxed);
    live.flows_revived.store(bc.revived, std::memory_order_relaxed);
    const DefragCounters& dc = judge->software().defrag().counters();
    live.fragments.store(dc.fragments, std::memory_order_relaxed);
    live.datagrams_reassembled.store(dc.reassembled, std::memory_order_relaxed);
    live.fragment_overlaps.store(dc.overlaps, std::memory_order_relaxed);
    live.fragment_conflicts.store(dc.conflicts, std::memory_order_relaxed);
    for (size_t r = 0; r < e.dropped_packets.size(); ++r) {
      live.dropped_by_reason[r].store(e.dropped_packets[r], std::memory_order_relaxed);
    }
  }

  void handle(uint16_t in, uint16_t out, rte_mbuf** mbufs, uint16_t n) {
    int64_t now = wall_ns();
    for (uint16_t i = 0; i < n; ++i) {
      // The frame is read in its mbuf; only one spread over several is copied out, whole.
      PacketView& p = packets[i];
      const rte_mbuf* m = mbufs[i];
      uint32_t len = rte_pktmbuf_pkt_len(m);
      if (rte_pktmbuf_is_contiguous(m)) {
        p.bytes = {rte_pktmbuf_mtod(m, const uint8_t*), len};
      } else {
        linear[i].resize(len);
        rte_pktmbuf_read(m, 0, len, linear[i].data());
        p.bytes = linear[i];
      }
      p.wire_length = len;
      p.timestamp_ns = now;
      p.index = ++sequence;
      // The burst's bytes are fetched together, as a copy would, rather than one miss at a
      // time as the engine walks each frame: up to kPrefetchBytes of each.
      for (size_t at = 0; at < std::min<size_t>(len, kPrefetchBytes); at += RTE_CACHE_LINE_SIZE) {
        rte_prefetch0(p.bytes.data() + at);
      }
    }
    counters.received += n;
    if (!failure.empty() || !judge->judge(std::span<const PacketView>(packets.data(), n), verdicts, failure)) {
      // The engine failed: nothing can be judged. Failing closed, nothing leaves; failing open,
      // everything does, unjudged.
      fail_engine();
      counters.unjudged += n;
      if (fail_open) {
        for (uint16_t i = 0; i < n; ++i) send(out, mbufs[i]);
        counters.forwarded += n;
      } else {
        rte_pktmbuf_free_bulk(mbufs, n);
        counters.dropped += n;
      }
      return;
    }
    BurstOutput frames(*this, in, out, mbufs);
    const std::vector<EndedFlow> ended = judge->software().take_ended_flows();
    sink.take(std::span<const PacketView>(packets.data(), n), std::span<const Verdict>(verdicts.data(), n), frames,
              ended);
    counters.records = sink.records();
    if (eve) eve->write(sink.lines());
    if (publisher) publisher->publish(sink.lines());
    if (redis) redis->write(sink.lines());
  }

  int run() {
    rte_mbuf* mbufs[kMaxBurst];
    uint64_t last_drain = rte_rdtsc();
    while (!g_stop.load(std::memory_order_relaxed)) {
      for (auto [in, out] : sides) {
        uint16_t n = rte_eth_rx_burst(in, static_cast<uint16_t>(index), mbufs, static_cast<uint16_t>(burst));
        if (n == 0) continue;
        last_rx_tsc.store(rte_rdtsc(), std::memory_order_relaxed);
        catch_up();  // frames received after a generation was published are judged under it
        handle(in, out, mbufs, n);
        publish_counters();
      }
      catch_up();
      uint64_t now = rte_rdtsc();
      if (now - last_drain >= drain_cycles) {
        flush();
        last_drain = now;
      }
    }
    // The flows live at the stop leave their records.
    judge->software().end_all_flows();
    const std::vector<EndedFlow> ended = judge->software().take_ended_flows();
    BurstOutput none(*this, 0, 0, nullptr);
    sink.take({}, {}, none, ended);
    if (eve) eve->write(sink.lines());
    if (publisher) publisher->publish(sink.lines());
    if (redis) redis->write(sink.lines());
    flush();
    return 0;
  }
};

int launch(void* worker) { return static_cast<Worker*>(worker)->run(); }

// What the control API reports of the running datapath.
class InlineStatus final : public DaemonStatus {
 public:
  InlineStatus(const std::vector<std::unique_ptr<Worker>>& team, const std::vector<dpdk::PortInfo>& ports,
               const Controller& controller, const ControlServer* server, const RedisOutput* redis, std::string engine,
               bool fail_open, const store::StoreSync* store)
      : team_(team), ports_(ports), controller_(controller), server_(server), redis_(redis), engine_(std::move(engine)),
        fail_open_(fail_open), store_(store), started_(std::chrono::steady_clock::now()) {}

  void counters(control::Counters& out) override {
    for (const auto& w : team_) {
      const LiveCounters& l = w->live;
      control::WorkerCounters& c = *out.add_workers();
      c.set_worker(w->index);
      c.set_lcore(w->lcore);
      c.set_received(l.received.load(std::memory_order_relaxed));
      c.set_forwarded(l.forwarded.load(std::memory_order_relaxed));
      c.set_dropped(l.dropped.load(std::memory_order_relaxed));
      c.set_generation(l.generation.load(std::memory_order_relaxed));
      if (l.failed.load(std::memory_order_acquire)) c.set_failure(w->failure);
      out.set_received(out.received() + c.received());
      out.set_forwarded(out.forwarded() + c.forwarded());
      out.set_dropped(out.dropped() + c.dropped());
      auto by = [&](DropReason r) { return l.dropped_by_reason[static_cast<size_t>(r)].load(std::memory_order_relaxed); };
      out.set_dropped_policy(out.dropped_policy() + by(DropReason::kPolicy));
      out.set_dropped_signature(out.dropped_signature() + by(DropReason::kSignature));
      out.set_dropped_malformed(out.dropped_malformed() + by(DropReason::kMalformed));
      out.set_dropped_stream(out.dropped_stream() + by(DropReason::kStream) + by(DropReason::kMidstream));
      out.set_dropped_fragment(out.dropped_fragment() + by(DropReason::kFragment));
      if (!fail_open_) out.set_dropped_engine_failure(out.dropped_engine_failure() + l.unjudged.load(std::memory_order_relaxed));
      out.set_alerts(out.alerts() + l.alerts.load(std::memory_order_relaxed));
      auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
      out.set_flows_created(out.flows_created() + load(l.flows_created));
      out.set_flows_evicted(out.flows_evicted() + load(l.flows_evicted));
      out.set_flows_evicted_established(out.flows_evicted_established() + load(l.flows_evicted_established));
      out.set_flows_blocked(out.flows_blocked() + load(l.flows_blocked));
      out.set_flows_revived(out.flows_revived() + load(l.flows_revived));
      out.set_fragments(out.fragments() + load(l.fragments));
      out.set_datagrams_reassembled(out.datagrams_reassembled() + load(l.datagrams_reassembled));
      out.set_fragment_overlaps(out.fragment_overlaps() + load(l.fragment_overlaps));
      out.set_fragment_conflicts(out.fragment_conflicts() + load(l.fragment_conflicts));
      out.set_records(out.records() + l.records.load(std::memory_order_relaxed));
    }
    if (server_) out.set_records_published(server_->published());
    if (redis_) {
      out.set_records_to_redis(redis_->records());
      out.set_records_to_redis_dropped(redis_->dropped());
    }
    for (const dpdk::PortInfo& p : ports_) {
      rte_eth_stats s{};
      rte_eth_stats_get(p.id, &s);
      control::PortCounters& c = *out.add_ports();
      c.set_port(p.id);
      c.set_name(p.name);
      c.set_in(s.ipackets);
      c.set_out(s.opackets);
      c.set_missed(s.imissed);
      c.set_in_errors(s.ierrors);
      c.set_out_errors(s.oerrors);
    }
  }

  void health(control::Health& out) override {
    bool failing = false;
    uint32_t behind = 0, latest = controller_.latest();
    for (const auto& w : team_) {
      failing |= w->live.failed.load(std::memory_order_acquire);
      behind += w->live.generation.load(std::memory_order_relaxed) != latest;
    }
    out.set_state(failing ? "failing" : "running");
    out.set_engine(engine_);
    out.set_workers(static_cast<uint32_t>(team_.size()));
    out.set_workers_behind(behind);
    out.set_uptime_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    out.set_on_failure(fail_open_ ? "open" : "closed");
    if (store_) {
      out.set_store_revision(store_->revision());
      out.set_store_stale_ms(store_->stale_ms());
      out.set_store_failed_closed(store_->failed_closed());
    }
  }

 private:
  const std::vector<std::unique_ptr<Worker>>& team_;
  const std::vector<dpdk::PortInfo>& ports_;
  const Controller& controller_;
  const ControlServer* server_;
  const RedisOutput* redis_;
  std::string engine_;
  bool fail_open_;
  const store::StoreSync* store_;
  std::chrono::steady_clock::time_point started_;
};

// Takes up the store's newest revision, says what became of it, and gives the store the
// node's counters once a second (`last` is when it last did).
void follow_store(store::StoreSync& fleet, Controller& controller, DaemonStatus& status, bool quiet,
                  std::chrono::steady_clock::time_point& last) {
  if (std::optional<ChangeResult> r = fleet.poll(controller)) {
    if (r->ok) {
      if (!quiet) {
        std::fprintf(stderr, "picketd: store revision %lld: generation %u in force%s\n",
                     static_cast<long long>(fleet.revision()), controller.latest(),
                     fleet.failed_closed() ? " (the store is out of reach: bindings with a TTL dropped)" : "");
      }
    } else {
      std::fprintf(stderr, "picketd: store revision %lld refused: %s\n", static_cast<long long>(fleet.state().revision),
                   r->message.c_str());
      for (const Diagnostic& d : r->diagnostics) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::seconds(1)) return;
  last = now;
  control::Counters c;
  control::Health h;
  status.counters(c);
  status.health(h);
  fleet.report(c, h);
}

void print_counters(const std::vector<std::unique_ptr<Worker>>& workers, const std::vector<dpdk::PortInfo>& ports,
                    double seconds) {
  const char* why = g_signal == SIGINT ? "SIGINT" : g_signal == SIGTERM ? "SIGTERM" : "idle";
  std::printf("picketd: stopped (%s) after %.1f s\n", why, seconds);
  EngineCounters total;
  for (const auto& w : workers) {
    const WorkerCounters& c = w->counters;
    std::printf("  worker %u (lcore %u, %s): %llu received, %llu forwarded, %llu dropped, %llu records",
                w->index, w->lcore, w->judge->name().c_str(), static_cast<unsigned long long>(c.received),
                static_cast<unsigned long long>(c.forwarded), static_cast<unsigned long long>(c.dropped),
                static_cast<unsigned long long>(c.records));
    if (c.rejects) std::printf(", %llu reject answers", static_cast<unsigned long long>(c.rejects));
    if (c.tx_failed) std::printf(", %llu not sent (TX full)", static_cast<unsigned long long>(c.tx_failed));
    std::printf("\n");
    if (!w->failure.empty()) {
      std::printf("    the engine failed; %llu frames were %s unjudged: %s\n",
                  static_cast<unsigned long long>(c.unjudged), w->fail_open ? "forwarded" : "dropped",
                  w->failure.c_str());
    }
    const EngineCounters& e = w->judge->software().counters();
    total.packets += e.packets;
    total.forwarded_packets += e.forwarded_packets;
    for (size_t r = 0; r < e.dropped_packets.size(); ++r) total.dropped_packets[r] += e.dropped_packets[r];
    total.alerts += e.alerts;
    total.not_ip += e.not_ip;
  }
  std::printf("  judged %llu packets: %llu forwarded, dropped %llu by policy, %llu by signature, %llu by stream, "
              "%llu malformed; %llu alerts; %llu not IP\n",
              static_cast<unsigned long long>(total.packets), static_cast<unsigned long long>(total.forwarded_packets),
              static_cast<unsigned long long>(total.dropped_packets[static_cast<size_t>(DropReason::kPolicy)]),
              static_cast<unsigned long long>(total.dropped_packets[static_cast<size_t>(DropReason::kSignature)]),
              static_cast<unsigned long long>(total.dropped_packets[static_cast<size_t>(DropReason::kStream)]),
              static_cast<unsigned long long>(total.dropped_packets[static_cast<size_t>(DropReason::kMalformed)]),
              static_cast<unsigned long long>(total.alerts), static_cast<unsigned long long>(total.not_ip));
  for (const dpdk::PortInfo& p : ports) {
    rte_eth_stats s{};
    rte_eth_stats_get(p.id, &s);
    std::printf("  port %u (%s): %llu in, %llu out, %llu missed, %llu in errors, %llu out errors\n", p.id,
                p.name.c_str(), static_cast<unsigned long long>(s.ipackets), static_cast<unsigned long long>(s.opackets),
                static_cast<unsigned long long>(s.imissed), static_cast<unsigned long long>(s.ierrors),
                static_cast<unsigned long long>(s.oerrors));
  }
  std::fflush(stdout);
}

}  // namespace

int run_inline(const InlineOptions& o, const JudgeFactory& make_judge, const rules::Classifications* classes,
               Controller& controller) {
  std::string error;
  if (!dpdk::start_eal(o.eal_args, error)) {
    std::fprintf(stderr, "picketd: %s\n", error.c_str());
    return 1;
  }
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "picketd: %s\n", why.c_str());
    dpdk::stop_eal();
    return 1;
  };
  if (o.before_ports && !o.before_ports(error)) return fail(error);
  std::vector<unsigned> lcores = dpdk::worker_lcores();
  if (lcores.empty()) return fail("the EAL has no worker lcore: give it two or more (-l 0-2): the main one watches, the others judge");
  unsigned workers = o.workers ? o.workers : static_cast<unsigned>(lcores.size());
  if (workers > lcores.size()) {
    return fail(std::to_string(workers) + " workers asked, the EAL has " + std::to_string(lcores.size()) +
                " worker lcores");
  }
  if (o.ports.empty() || o.ports.size() > 2) return fail("give one port or a pair of ports");
  if (o.burst == 0 || o.burst > kMaxBurst) return fail("the burst size must be 1 to " + std::to_string(kMaxBurst));

  unsigned queues_total = workers * static_cast<unsigned>(o.ports.size());
  rte_mempool* pool = dpdk::make_pool(o.mbufs ? o.mbufs : kPoolPerQueue * queues_total + 1024, error);
  if (!pool) return fail(error);
  std::vector<dpdk::PortInfo> ports;
  for (uint16_t id : o.ports) {
    dpdk::PortInfo info;
    if (!dpdk::start_port(id, static_cast<uint16_t>(workers), pool, info, error)) return fail(error);
    if (workers > 1 && !info.rss) {
      std::fprintf(stderr,
                   "picketd: port %u (%s) does not hash flows over its queues: each queue's frames are judged "
                   "as they come, and a flow split over two queues has two workers' state\n",
                   id, info.name.c_str());
    }
    ports.push_back(info);
  }

  EveSink eve;
  if (!o.eve_path.empty() && !eve.open(o.eve_path)) return fail(o.eve_path + ": cannot write the decision log");
  std::unique_ptr<RedisOutput> redis;
  if (o.redis) redis = std::make_unique<RedisOutput>(*o.redis);
  std::unique_ptr<MetricsEndpoint> metrics;
  if (!o.metrics.empty()) {
    metrics = std::make_unique<MetricsEndpoint>();
    if (!metrics->start(o.metrics, error)) return fail("--metrics " + error);
  }
  std::string node = o.node;
  if (node.empty()) {
    char host[256] = {};
    node = gethostname(host, sizeof host - 1) == 0 ? host : "picketd";
  }
  std::unique_ptr<ControlServer> server;
  if (o.control) {
    server = std::make_unique<ControlServer>();
    if (!server->start(o.control_options, error)) return fail(error);
  }
  std::vector<std::unique_ptr<Worker>> team;
  for (unsigned w = 0; w < workers; ++w) {
    auto worker = std::make_unique<Worker>();
    worker->index = w;
    worker->lcore = lcores[w];
    worker->judge = make_judge(w, error);
    if (!worker->judge) return fail(error);
    worker->ports = o.ports;
    if (o.ports.size() == 2) {
      worker->sides = {{o.ports[0], o.ports[1]}, {o.ports[1], o.ports[0]}};
    } else {
      worker->sides = {{o.ports[0], o.ports[0]}};
    }
    for (uint16_t port : o.ports) {
      auto* buffer = static_cast<rte_eth_dev_tx_buffer*>(
          rte_zmalloc_socket("picket_tx", RTE_ETH_TX_BUFFER_SIZE(o.burst), 0, rte_eth_dev_socket_id(port)));
      if (!buffer) return fail("no memory for TX buffers");
      rte_eth_tx_buffer_init(buffer, static_cast<uint16_t>(o.burst));
      rte_eth_tx_buffer_set_err_callback(buffer, rte_eth_tx_buffer_count_callback, &worker->counters.tx_failed);
      worker->tx.push_back(buffer);
    }
    worker->pool = pool;
    worker->eve = o.eve_path.empty() ? nullptr : &eve;
    worker->publisher = server && !o.control_options.publish.empty() ? server.get() : nullptr;
    worker->controller = &controller;
    worker->seen_generation = controller.latest();
    worker->fail_open = o.fail_open;
    worker->redis = redis.get();
    worker->sink.set_records(worker->eve || worker->publisher || worker->redis);
    worker->sink.source().classifications = classes;
    worker->sink.source().offline = false;
    worker->describe_generation();
    worker->burst = o.burst;
    worker->drain_cycles = rte_get_tsc_hz() * o.drain_us / 1'000'000;
    worker->packets.resize(kMaxBurst);
    worker->linear.resize(kMaxBurst);
    team.push_back(std::move(worker));
  }
  // The record's engine name must outlive the workers' use of it.
  std::string engine_name = team.front()->judge->name();
  for (auto& w : team) w->sink.source().engine = engine_name;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  InlineStatus status(team, ports, controller, server.get(), redis.get(), engine_name, o.fail_open, o.store);
  ControlHandler handler(controller, status, wall_ns);
  if (!o.quiet) {
    std::fprintf(stderr, "picketd: inline on %zu port(s), %u worker(s), engine %s; SIGINT or SIGTERM stops\n",
                 ports.size(), workers, engine_name.c_str());
    if (server) {
      std::fprintf(stderr, "picketd: control on %s%s%s\n", server->endpoint().c_str(),
                   o.control_options.publish.empty() ? "" : ", decision records on ",
                   o.control_options.publish.c_str());
    }
  }
  const auto started = std::chrono::steady_clock::now();
  if (o.store) o.store->start(engine_name, controller.latest(), o.store_fingerprint);
  for (auto& w : team) rte_eal_remote_launch(launch, w.get(), w->lcore);

  // The main lcore watches: for a signal, or for the idleness that ends a replay.
  const uint64_t hz = rte_get_tsc_hz();
  // It also answers the control API, between its checks.
  const int store_wake = o.store ? o.store->wake_fd() : -1;  // a new store revision ends the wait
  std::chrono::steady_clock::time_point store_reported{};
  while (!g_stop.load()) {
    if (server) {
      server->poll(5, handler, store_wake);
    } else if (store_wake >= 0) {
      pollfd wait{store_wake, POLLIN, 0};
      ::poll(&wait, 1, 5);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (o.store) follow_store(*o.store, controller, status, o.quiet, store_reported);
    if (metrics) {
      metrics->poll([&] {
        control::Counters c;
        control::Health h;
        status.counters(c);
        status.health(h);
        h.set_generation(controller.latest());
        return prometheus_text(c, h, node);
      });
    }
    if (o.stop_when_idle_ms == 0) continue;
    uint64_t last = 0;
    for (auto& w : team) last = std::max(last, w->last_rx_tsc.load(std::memory_order_relaxed));
    if (last != 0 && rte_rdtsc() - last > hz * o.stop_when_idle_ms / 1000) g_stop = true;
  }
  rte_eal_mp_wait_lcore();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_counters(team, ports, seconds);
  if (redis) {
    redis->stop();
    std::printf("  records to Redis: %llu sent, %llu dropped%s%s\n", static_cast<unsigned long long>(redis->records()),
                static_cast<unsigned long long>(redis->dropped()), redis->last_error().empty() ? "" : "; last error: ",
                redis->last_error().c_str());
  }
  for (const dpdk::PortInfo& p : ports) dpdk::stop_port(p.id);
  for (auto& w : team) {
    for (auto* b : w->tx) rte_free(b);
  }
  team.clear();
  rte_mempool_free(pool);
  dpdk::stop_eal();
  return 0;
}

}  // namespace picket
