// picket-bench: the software engine's speed on a capture held in memory, beside a raw
// Hyperscan block scan of the same payloads with the same fast patterns, measured
// alternately in one run so that the ratio holds on a noisy machine.
#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/engine_setup.h"
#include "io/pcap_file.h"
#include "plan/settings.h"

namespace {

constexpr const char* kUsage = R"(usage: picket-bench -r CAPTURE -S RULES... [options]

Loads CAPTURE into memory and measures, on one core:
  engine    the whole software engine: decode, flows, identities, policy, HTTP buffers,
            prefilter and full rule evaluation, verdicts
  raw scan  a Hyperscan block scan of every TCP/UDP payload with every rule's fast pattern
            on the packet payload, as the compiler chose them, nothing else
  prefilter the same scan with the engine's own payload prefilter, which leaves weak
            literals (short or repetitive: they match nearly everywhere) to port-grouped
            checks
alternately, ROUNDS times each, and prints wire Gbit/s and packets/s (best round) and their
ratio, the rule compile time and the resident memory. Gbit/s counts the frames' captured
bytes, for both.

options:
  -S, --rules FILE       a rule file; may be repeated
  --vars FILE            variables file
  --identities FILE      identity bindings
  --policy FILE          policy
  --midstream            TCP flows picked up without their handshake are reassembled
                         (as picketd --midstream)
  --stream-lookback N    stream bytes before a segment its inspection sees (default 4096)
  --checksums MODE       validate (default), drop or none, as picketd --checksums
  --rounds N             rounds of each measurement (default 3)
  --engine-only          measure the engine alone (no raw scan or prefilter rounds), e.g.
                         under a profiler
)";

double rss_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field))) / 1024.0;
  }
  return 0;
}

int on_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ++*static_cast<uint64_t*>(ctx);
  return 0;
}

}  // namespace

// Packets judged between two takings of the ended flows' records, as picketd offline batches.
constexpr size_t kBatch = 256;

int main(int argc, char** argv) {
  using namespace picket;
  using Clock = std::chrono::steady_clock;
  EngineFiles files;
  std::string capture;
  int rounds = 3;
  bool engine_only = false;
  EngineConfig config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "picket-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "-r") capture = value();
    else if (a == "-S" || a == "--rules") files.rule_files.push_back(value());
    else if (a == "--vars") files.var_files.push_back(value());
    else if (a == "--identities") files.identity_file = value();
    else if (a == "--policy") files.policy_file = value();
    else if (a == "--rounds") rounds = std::max(1, std::atoi(value().c_str()));
    else if (a == "--midstream") config.flows.midstream = true;
    else if (a == "--engine-only") engine_only = true;
    else if (a == "--checksums") {
      std::string why;
      if (!apply_engine_setting(a, value(), config, why)) {
        std::fprintf(stderr, "picket-bench: %s\n", why.c_str());
        return 2;
      }
    }
    else if (a == "--stream-lookback") config.stream.lookback = static_cast<uint32_t>(std::atoi(value().c_str()));
    else {
      std::fprintf(stderr, "picket-bench: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (capture.empty() || files.rule_files.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  // The capture, in memory.
  std::vector<Packet> packets;
  uint64_t frame_bytes = 0, payload_bytes = 0;
  std::vector<std::pair<const char*, uint32_t>> payloads;
  try {
    PcapReader reader(capture);
    Packet p;
    while (reader.next(p)) {
      frame_bytes += p.bytes.size();  // captured bytes: some traces carry made-up original lengths
      packets.push_back(std::move(p));
      p = Packet{};
    }
  } catch (const PcapError& e) {
    std::fprintf(stderr, "picket-bench: %s\n", e.what());
    return 1;
  }
  for (const Packet& p : packets) {
    DecodedPacket d = decode(p);
    if (d.ok() && (d.is_tcp() || d.is_udp()) && !d.fragment && d.payload_length) {
      payloads.emplace_back(reinterpret_cast<const char*>(p.bytes.data()) + d.payload_offset, d.payload_length);
      payload_bytes += d.payload_length;
    }
  }
  double rss_capture = rss_mb("VmRSS:");
  std::printf("capture: %zu packets, %.1f MB of frames, %.1f MB of TCP/UDP payload (%zu payloads)\n",
              packets.size(), double(frame_bytes) / 1e6, double(payload_bytes) / 1e6, payloads.size());

  EngineSetup setup = set_up_engine(files, config);
  for (const Diagnostic& d : setup.diagnostics) {
    if (d.severity == Severity::kError) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  if (!setup.engine) return 1;
  double rss_rules = rss_mb("VmRSS:");
  std::printf("rules: %zu accepted (%zu skipped), %zu distinct fast patterns; compile %.2f s; "
              "resident memory %.0f MB (%.0f MB for rules and engine)\n",
              setup.rules.accepted, setup.rules.skipped, setup.engine->signatures().literal_count(), setup.compile_seconds,
              rss_rules, rss_rules - rss_capture);

  // Every payload fast pattern, weak ones included.
  hs_database_t* all_db = nullptr;
  {
    std::vector<std::pair<std::string, bool>> lits;
    for (const auto& cr : setup.engine->signatures().rules()) {
      const auto& fp = cr.rule.fast_pattern;
      if (fp && cr.rule.matches[fp->match].buffer == kPacketBuffer) lits.emplace_back(fp->bytes, fp->nocase);
    }
    std::sort(lits.begin(), lits.end());
    lits.erase(std::unique(lits.begin(), lits.end()), lits.end());
    std::string why;
    if (!lits.empty() && !(all_db = compile_literal_database(lits, why))) {
      std::fprintf(stderr, "picket-bench: %s\n", why.c_str());
      return 1;
    }
    std::printf("payload fast patterns: %zu distinct, of which the engine's prefilter holds the strong ones\n",
                lits.size());
  }
  const hs_database_t* db = setup.engine->signatures().packet_database();
  hs_scratch_t* scratch = nullptr;
  if (db && hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return 1;
  if (all_db && hs_alloc_scratch(all_db, &scratch) != HS_SUCCESS) return 1;
  auto scan_all = [&](const hs_database_t* d, uint64_t& matches) {
    matches = 0;
    auto start = Clock::now();
    if (d) {
      for (const auto& [data, len] : payloads) hs_scan(d, data, len, 0, scratch, on_match, &matches);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  auto prefetch = [](const std::vector<uint8_t>& bytes) {
    constexpr size_t kPrefetchBytes = 2048, kLine = 64;
    for (size_t at = 0; at < std::min(bytes.size(), kPrefetchBytes); at += kLine) __builtin_prefetch(bytes.data() + at);
  };
  double best_engine = 1e30, best_raw = 1e30, best_prefilter = 1e30;
  double flow_state_mb = 0, streams_held_mb = 0;
  uint64_t flows_created = 0, fragments = 0, datagrams = 0;
  uint64_t drops = 0, alerts = 0, raw_matches = 0, prefilter_matches = 0;
  for (int r = 0; r < rounds; ++r) {
    // A fresh engine each round: flows start empty, as on the capture's first pass.
    EngineSetup fresh = set_up_engine(files, config);
    Verdict v;
    const double rss_before = rss_mb("VmRSS:");
    auto start = Clock::now();
    // As picketd does, the ended flows' records are taken after every batch of packets.
    for (size_t i = 0; i < packets.size(); ++i) {
      // The next frame's bytes are fetched while this one is judged, as picketd inline fetches
      // a burst's (daemon/inline.cc): else each frame's first touch, the checksum, waits on
      // memory, which a capture of this size never has in cache.
      if (i + 1 < packets.size()) prefetch(packets[i + 1].bytes);
      fresh.engine->process(packets[i], v);
      if (i % kBatch == kBatch - 1) fresh.engine->take_ended_flows();
    }
    best_engine = std::min(best_engine, std::chrono::duration<double>(Clock::now() - start).count());
    if (r == 0) {
      // The first round's engine grows on a heap that holds only the capture and the rules:
      // what it grew by is its flows, streams and fragments.
      flow_state_mb = rss_mb("VmRSS:") - rss_before;
      flows_created = fresh.engine->flows().counters().created;
      streams_held_mb = double(fresh.engine->streams().held_bytes()) / 1e6;
      fragments = fresh.engine->defrag().counters().fragments;
      datagrams = fresh.engine->defrag().counters().reassembled;
    }
    drops = fresh.engine->counters().dropped_packets[static_cast<size_t>(DropReason::kSignature)];
    alerts = fresh.engine->counters().alerts;

    if (engine_only) continue;
    best_raw = std::min(best_raw, scan_all(all_db, raw_matches));
    best_prefilter = std::min(best_prefilter, scan_all(db, prefilter_matches));
  }
  hs_free_scratch(scratch);
  hs_free_database(all_db);

  auto gbps = [&](double s) { return double(frame_bytes) * 8 / s / 1e9; };
  auto mpps = [&](double s) { return double(packets.size()) / s / 1e6; };
  std::printf("%-10s %10s %12s %10s\n", "", "Gbit/s", "Mpackets/s", "seconds");
  std::printf("%-10s %10.2f %12.3f %10.3f   (%llu alerts, %llu signature drops)\n", "engine", gbps(best_engine),
              mpps(best_engine), best_engine, static_cast<unsigned long long>(alerts), static_cast<unsigned long long>(drops));
  if (engine_only) {
    std::printf("engine only, best of %d rounds, one core; peak resident memory %.0f MB\n", rounds, rss_mb("VmHWM:"));
    return 0;
  }
  std::printf("%-10s %10.2f %12.3f %10.3f   (%llu fast-pattern matches)\n", "raw scan", gbps(best_raw), mpps(best_raw),
              best_raw, static_cast<unsigned long long>(raw_matches));
  std::printf("%-10s %10.2f %12.3f %10.3f   (%llu fast-pattern matches)\n", "prefilter", gbps(best_prefilter),
              mpps(best_prefilter), best_prefilter, static_cast<unsigned long long>(prefilter_matches));
  std::printf("engine / raw scan: %.0f %%; engine / prefilter: %.0f %%   (best of %d rounds each, one core; "
              "peak resident memory %.0f MB)\n",
              100.0 * best_raw / best_engine, 100.0 * best_prefilter / best_engine, rounds, rss_mb("VmHWM:"));
  std::printf("flow state: %.1f MB grown over %llu flows (%.0f MB per million flows; streams hold %.1f MB at the "
              "end); %llu IP fragments, %llu datagrams reassembled\n",
              flow_state_mb, static_cast<unsigned long long>(flows_created),
              flows_created ? flow_state_mb * 1e6 / double(flows_created) : 0.0, streams_held_mb,
              static_cast<unsigned long long>(fragments), static_cast<unsigned long long>(datagrams));
  return 0;
}
