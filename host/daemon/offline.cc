#include "daemon/offline.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "io/pcap_file.h"
#include "pipeline/verdict_sink.h"

namespace picket {

namespace {

// Forwarded frames and reject answers go to the capture of forwarded packets, if one is kept.
class CaptureOutput final : public FrameOutput {
 public:
  CaptureOutput(PcapWriter* writer, std::span<const Packet> batch, OfflineSummary& summary)
      : writer_(writer), batch_(batch), summary_(summary) {}
  void forward(size_t i) override {
    if (writer_) writer_->write(batch_[i]);
  }
  void drop(size_t) override {}
  void answer(size_t i, const std::vector<uint8_t>& frame) override {
    if (!writer_) return;
    writer_->write(frame.data(), static_cast<uint32_t>(frame.size()), batch_[i].timestamp_ns);
    ++summary_.rejects_sent;
  }

 private:
  PcapWriter* writer_;
  std::span<const Packet> batch_;
  OfflineSummary& summary_;
};

// Packets judged so far, on stderr every 2 s or more.
class Progress {
 public:
  explicit Progress(bool on) : on_(on), tty_(isatty(STDERR_FILENO)) {}
  void at(uint64_t packets, uint64_t bytes) {
    if (!on_ || (packets & 0x3fff) != 0) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "picketd: %llu packets, %.1f MB, %.0f packets/s%s", static_cast<unsigned long long>(packets),
                 double(bytes) / 1e6, double(packets) / secs, tty_ ? "\r" : "\n");
    shown_ = true;
  }
  void done() {
    if (shown_ && tty_) std::fputc('\n', stderr);
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_, tty_, shown_ = false;
  Clock::time_point start_ = Clock::now(), last_ = start_;
};

}  // namespace

OfflineSummary run_offline(const OfflineOptions& o, Judge& judge, const rules::Classifications* classes) {
  OfflineSummary s;
  PcapReader reader(o.capture);
  std::unique_ptr<PcapWriter> forwarded;
  if (!o.forward_path.empty()) forwarded = std::make_unique<PcapWriter>(o.forward_path, reader.link_type());
  std::ofstream eve;
  if (!o.eve_path.empty()) {
    eve.open(o.eve_path, std::ios::binary | std::ios::trunc);
    if (!eve) throw PcapError(o.eve_path + ": cannot write the decision log");
  }
  std::unique_ptr<RedisOutput> redis;
  if (o.redis) redis = std::make_unique<RedisOutput>(*o.redis);
  const SoftwareEngine& engine = judge.software();
  VerdictSink sink;
  RecordSource& src = sink.source();
  src.signatures = &engine.signatures();
  src.registry = &engine.identities().registry();
  src.policy = engine.policy();
  src.classifications = classes;
  const std::string engine_name = judge.name();
  src.engine = engine_name;
  if (judge.device()) src.generation = judge.device()->device().generation();
  src.store_revision = engine.generation()->store_revision;

  Progress progress(o.progress);
  constexpr size_t kBatch = 256;
  std::vector<Packet> batch(kBatch);
  std::vector<PacketView> views(kBatch);
  std::vector<Verdict> verdicts;
  for (;;) {
    size_t n = 0;
    while (n < kBatch && reader.next(batch[n])) {
      views[n] = batch[n];
      ++n;
    }
    if (n == 0) break;
    std::string error;
    if (!judge.judge(std::span<const PacketView>(views.data(), n), verdicts, error)) {
      s.device_error = "the " + engine_name + " device failed: " + error;
      break;
    }
    CaptureOutput out(forwarded.get(), std::span<const Packet>(batch.data(), n), s);
    const std::vector<EndedFlow> ended = judge.software().take_ended_flows();
    sink.take(std::span<const PacketView>(views.data(), n), std::span<const Verdict>(verdicts.data(), n), out, ended);
    if (eve.is_open()) eve << sink.lines();
    if (redis) redis->write(sink.lines());
    for (size_t k = 0; k < n; ++k) {
      const Verdict& v = verdicts[k];
      if (v.ip) {
        auto& pair = s.pairs[{v.src_id, v.dst_id}];
        ++(v.drop ? pair.dropped : pair.forwarded);
      }
      for (uint32_t r : v.alerts) ++s.rule_hits[r];
      if (v.flow_was_blocked && v.blocking_rule != Verdict::kNoRule) ++s.rule_hits[v.blocking_rule];
      progress.at(batch[k].index, engine.counters().bytes);
    }
  }
  // The flows still live at the capture's end leave their records too.
  judge.software().end_all_flows();
  {
    CaptureOutput out(forwarded.get(), std::span<const Packet>(), s);
    const std::vector<EndedFlow> ended = judge.software().take_ended_flows();
    sink.take({}, {}, out, ended);
    if (eve.is_open()) eve << sink.lines();
    if (redis) redis->write(sink.lines());
  }
  if (redis) {
    redis->stop();
    s.redis = true;
    s.redis_sent = redis->records();
    s.redis_dropped = redis->dropped();
    s.redis_error = redis->last_error();
  }
  progress.done();
  s.records = sink.records();
  s.read_error = reader.error();
  s.read_truncated = reader.truncated();
  s.seconds = progress.seconds();
  return s;
}

void print_summary(const OfflineSummary& s, Judge& judge, std::FILE* out) {
  const SoftwareEngine& engine = judge.software();
  const EngineCounters& c = engine.counters();
  const auto& registry = engine.identities().registry();
  std::fprintf(out, "picketd: %llu packets, %llu bytes captured (%llu on the wire) in %.2f s\n",
               static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.captured_bytes),
               static_cast<unsigned long long>(c.bytes), s.seconds);
  std::fprintf(out, "  forwarded          %10llu packets %12llu bytes\n",
               static_cast<unsigned long long>(c.forwarded_packets), static_cast<unsigned long long>(c.forwarded_bytes));
  for (DropReason r : {DropReason::kPolicy, DropReason::kSignature, DropReason::kStream, DropReason::kMalformed,
                       DropReason::kChecksum, DropReason::kFragment, DropReason::kMidstream}) {
    auto i = static_cast<size_t>(r);
    if (r == DropReason::kMidstream && !c.dropped_packets[static_cast<size_t>(r)]) continue;
    std::fprintf(out, "  dropped, %-9s  %10llu packets %12llu bytes\n", std::string(drop_reason_name(r)).c_str(),
                 static_cast<unsigned long long>(c.dropped_packets[i]),
                 static_cast<unsigned long long>(c.dropped_bytes[i]));
  }
  if (c.audit_would_drop) {
    std::fprintf(out, "  audit: forwarded although policy denies: %llu packets\n",
                 static_cast<unsigned long long>(c.audit_would_drop));
  }
  for (size_t m = 1; m < c.malformed.size(); ++m) {
    if (c.malformed[m]) {
      std::fprintf(out, "    malformed %-24s %llu\n", std::string(malformed_name(static_cast<Malformed>(m))).c_str(),
                   static_cast<unsigned long long>(c.malformed[m]));
    }
  }
  std::fprintf(out, "  not IP (forwarded) %10llu packets\n", static_cast<unsigned long long>(c.not_ip));
  if (c.bad_checksum) {
    std::fprintf(out, "  bad checksum       %10llu packets (judged no further)\n",
                 static_cast<unsigned long long>(c.bad_checksum));
  }
  const FlowCounters& fc = engine.flows().counters();
  const BlockListCounters& bc = engine.blocks().counters();
  std::fprintf(out,
               "  flows              %10llu created, %llu expired, %llu evicted (%llu of them established); "
               "%llu blocked, %llu came back blocked after the table lost them\n",
               static_cast<unsigned long long>(fc.created), static_cast<unsigned long long>(fc.expired),
               static_cast<unsigned long long>(fc.evicted), static_cast<unsigned long long>(fc.evicted_established),
               static_cast<unsigned long long>(bc.blocked), static_cast<unsigned long long>(bc.revived));
  const DefragCounters& dc = engine.defrag().counters();
  if (dc.fragments) {
    std::fprintf(out,
                 "  IP fragments       %10llu, %llu datagrams reassembled, %llu overlaps (%llu with other bytes), "
                 "%llu invalid, %llu over the memory cap, %llu timed out\n",
                 static_cast<unsigned long long>(dc.fragments), static_cast<unsigned long long>(dc.reassembled),
                 static_cast<unsigned long long>(dc.overlaps), static_cast<unsigned long long>(dc.conflicts),
                 static_cast<unsigned long long>(dc.invalid), static_cast<unsigned long long>(dc.memcap),
                 static_cast<unsigned long long>(dc.timeouts));
  }
  const StreamCounters& st = engine.streams().counters();
  if (st.segments || st.unopened) {
    std::fprintf(out,
                 "  TCP streams        %10llu segments, %llu bytes in order, %llu out of order, %llu retransmitted, "
                 "%llu on flows without a stream\n",
                 static_cast<unsigned long long>(st.segments), static_cast<unsigned long long>(st.delivered_bytes),
                 static_cast<unsigned long long>(st.out_of_order), static_cast<unsigned long long>(st.retransmissions),
                 static_cast<unsigned long long>(st.unopened));
    for (size_t e = 1; e < static_cast<size_t>(StreamEvent::kCount); ++e) {
      if (st.events[e]) {
        std::fprintf(out, "    stream %-27s %llu\n", std::string(stream_event_name(static_cast<StreamEvent>(e))).c_str(),
                     static_cast<unsigned long long>(st.events[e]));
      }
    }
    if (st.gaps) {
      std::fprintf(out, "    stream gaps_skipped               %llu\n", static_cast<unsigned long long>(st.gaps));
    }
    if (st.urgent_out_of_band) {
      std::fprintf(out, "    stream urgent bytes out of band   %llu\n",
                   static_cast<unsigned long long>(st.urgent_out_of_band));
    }
    if (c.http_given_up) {
      std::fprintf(out, "    HTTP given up in a direction      %llu (a message past --stream-hold, or a gap)\n",
                   static_cast<unsigned long long>(c.http_given_up));
    }
    if (st.depth_reached) {
      std::fprintf(out, "    stream depth_reached              %llu\n", static_cast<unsigned long long>(st.depth_reached));
    }
  }
  if (s.redis) {
    std::fprintf(out, "  records to Redis   %10llu sent, %llu dropped%s%s\n", static_cast<unsigned long long>(s.redis_sent),
                 static_cast<unsigned long long>(s.redis_dropped), s.redis_error.empty() ? "" : "; last error: ",
                 s.redis_error.c_str());
  }
  std::fprintf(out, "  decision records   %10llu (%llu alerts)\n", static_cast<unsigned long long>(s.records),
               static_cast<unsigned long long>(c.alerts));
  if (c.alerts_discarded) {
    std::fprintf(out, "    matches not recorded (--packet-alert-max) %llu\n",
                 static_cast<unsigned long long>(c.alerts_discarded));
  }
  if (s.rejects_sent) std::fprintf(out, "  reject answers sent %9llu\n", static_cast<unsigned long long>(s.rejects_sent));
  if (!s.read_error.empty()) {
    std::fprintf(out, "  %s %s\n", s.read_truncated ? "truncated records           1:" : "reading stopped early:",
                 s.read_error.c_str());
  }

  // Identity pairs, busiest first.
  std::vector<std::pair<std::pair<IdentityId, IdentityId>, OfflineSummary::Pair>> pairs(s.pairs.begin(), s.pairs.end());
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    return a.second.forwarded + a.second.dropped > b.second.forwarded + b.second.dropped;
  });
  size_t shown = std::min<size_t>(pairs.size(), 20);
  std::vector<std::string> labels;
  int width = 34;
  for (size_t i = 0; i < shown; ++i) {
    labels.push_back(registry.name(pairs[i].first.first) + " -> " + registry.name(pairs[i].first.second));
    width = std::max(width, static_cast<int>(labels.back().size()));
  }
  if (shown) std::fprintf(out, "  %-*s %10s %10s\n", width + 2, "by identity pair", "forwarded", "dropped");
  for (size_t i = 0; i < shown; ++i) {
    std::fprintf(out, "    %-*s %10llu %10llu\n", width, labels[i].c_str(),
                 static_cast<unsigned long long>(pairs[i].second.forwarded),
                 static_cast<unsigned long long>(pairs[i].second.dropped));
  }
  if (pairs.size() > 20) std::fprintf(out, "    ... and %zu more pairs\n", pairs.size() - 20);

  std::vector<std::pair<uint64_t, uint32_t>> top;
  for (const auto& [rule, n] : s.rule_hits) top.emplace_back(n, rule);
  std::sort(top.rbegin(), top.rend());
  if (!top.empty()) std::fprintf(out, "  top rules\n");
  for (size_t i = 0; i < top.size() && i < 10; ++i) {
    const rules::Rule& r = engine.signatures().rules()[top[i].second].rule;
    std::fprintf(out, "    %8llu  %-6s sid %-9u %s\n", static_cast<unsigned long long>(top[i].first),
                 std::string(rules::action_name(r.action)).c_str(), r.sid, r.msg.c_str());
  }
  if (DeviceEngine* device = judge.device()) {
    const DeviceEngineStats& d = device->stats();
    std::fprintf(out,
                 "  device: %llu packets, %llu punted to the host (%.1f %%), %llu dropped on the card, "
                 "%llu decided by flow or stream state on the host, %llu disagreements with the host\n",
                 static_cast<unsigned long long>(d.packets), static_cast<unsigned long long>(d.punted),
                 100.0 * double(d.punted) / double(d.packets ? d.packets : 1),
                 static_cast<unsigned long long>(d.device_drops),
                 static_cast<unsigned long long>(d.needs_flow_state + d.needs_stream),
                 static_cast<unsigned long long>(d.disagreements));
    std::fprintf(out, "  card flow table: direction known for %llu packets, untrusted for %llu, set full for %llu\n",
                 static_cast<unsigned long long>(d.flow_known), static_cast<unsigned long long>(d.flow_untrusted),
                 static_cast<unsigned long long>(d.flow_full));
    for (const std::string& n : device->disagreements()) std::fprintf(out, "    %s\n", n.c_str());
  }
}

}  // namespace picket
