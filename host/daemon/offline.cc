#include "daemon/offline.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "pipeline/reject.h"
#include "log/eve_record.h"
#include "io/pcap_file.h"

namespace picket {

OfflineSummary run_offline(const OfflineOptions& o, SoftwareEngine& engine, DeviceEngine* device,
                           const rules::Classifications* classes) {
  OfflineSummary s;
  PcapReader reader(o.capture);
  std::unique_ptr<PcapWriter> forwarded;
  if (!o.forward_path.empty()) forwarded = std::make_unique<PcapWriter>(o.forward_path, reader.link_type());
  std::ofstream eve;
  if (!o.eve_path.empty()) {
    eve.open(o.eve_path, std::ios::binary | std::ios::trunc);
    if (!eve) throw PcapError(o.eve_path + ": cannot write the decision log");
  }
  RecordSource src;
  src.signatures = &engine.signatures();
  src.registry = &engine.identities().registry();
  src.policy = engine.policy();
  src.classifications = classes;
  std::string engine_name = device ? device->device().name() : "sw";
  src.engine = engine_name;
  if (device) src.generation = device->device().generation();

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_progress = start;
  const bool tty = isatty(STDERR_FILENO);
  // A device judges packets in batches; the software engine one by one.
  const size_t batch_size = device ? 256 : 1;
  std::vector<Packet> batch(batch_size);
  std::vector<Verdict> verdicts(batch_size);
  std::string lines;
  for (;;) {
    size_t n = 0;
    while (n < batch_size && reader.next(batch[n])) ++n;
    if (n == 0) break;
    if (device) {
      std::string error;
      if (!device->process(std::span<const Packet>(batch.data(), n), verdicts, error)) {
        s.device_error = "the " + engine_name + " device failed: " + error;
        break;
      }
    } else {
      engine.process(batch[0], verdicts[0]);
    }
    for (size_t k = 0; k < n; ++k) {
      const Packet& packet = batch[k];
      const Verdict& v = verdicts[k];
      if (v.ip) {
        auto& pair = s.pairs[{v.src_id, v.dst_id}];
        ++(v.drop ? pair.dropped : pair.forwarded);
      }
      bool flagged = v.recorded();
      if (flagged) {
        // Decoded again only here: few packets have records.
        DecodedPacket d = decode(packet);
        lines.clear();
        append_records(src, packet, d, v, lines);
        if (eve.is_open()) eve << lines;
        for (uint32_t r : v.alerts) ++s.rule_hits[r];
        if (v.flow_was_blocked) ++s.rule_hits[v.blocking_rule];
        for (char c : lines) s.records += c == '\n';
        if (v.reject && forwarded) {
          std::vector<uint8_t> answer = build_reject(packet, d);
          forwarded->write(answer.data(), static_cast<uint32_t>(answer.size()), packet.timestamp_ns);
          ++s.rejects_sent;
        }
      }
      if (!v.drop && forwarded) forwarded->write(packet);
      if (o.progress && (packet.index & 0x3fff) == 0) {
        auto now = Clock::now();
        if (now - last_progress >= std::chrono::seconds(2)) {
          last_progress = now;
          double secs = std::chrono::duration<double>(now - start).count();
          std::fprintf(stderr, "picketd: %llu packets, %.1f MB, %.0f packets/s%s",
                       static_cast<unsigned long long>(packet.index), double(engine.counters().bytes) / 1e6,
                       double(packet.index) / secs, tty ? "\r" : "\n");
        }
      }
    }
  }
  if (o.progress && tty && engine.counters().packets > 0x3fff) std::fputc('\n', stderr);
  s.read_error = reader.error();
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return s;
}

void print_summary(const OfflineSummary& s, const SoftwareEngine& engine, std::FILE* out) {
  const EngineCounters& c = engine.counters();
  const auto& registry = engine.identities().registry();
  std::fprintf(out, "picketd: %llu packets, %llu bytes in %.2f s\n", static_cast<unsigned long long>(c.packets),
               static_cast<unsigned long long>(c.bytes), s.seconds);
  std::fprintf(out, "  forwarded          %10llu packets %12llu bytes\n",
               static_cast<unsigned long long>(c.forwarded_packets), static_cast<unsigned long long>(c.forwarded_bytes));
  for (DropReason r : {DropReason::kPolicy, DropReason::kSignature, DropReason::kMalformed}) {
    auto i = static_cast<size_t>(r);
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
  std::fprintf(out, "  decision records   %10llu (%llu alerts)\n", static_cast<unsigned long long>(s.records),
               static_cast<unsigned long long>(c.alerts));
  if (s.rejects_sent) std::fprintf(out, "  reject answers sent %9llu\n", static_cast<unsigned long long>(s.rejects_sent));
  if (!s.read_error.empty()) std::fprintf(out, "  reading stopped early: %s\n", s.read_error.c_str());

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
}

}  // namespace picket
