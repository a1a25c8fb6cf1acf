// picketd's offline mode: a capture in, the engine over every packet, then the decision log,
// a capture of what was forwarded (and any reject answers), and a summary.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "daemon/judge.h"
#include "log/redis_output.h"
#include "rules/classification.h"

namespace picket {

struct OfflineOptions {
  std::string capture;
  std::string eve_path;      // empty: no decision log
  std::string forward_path;  // empty: no capture of forwarded packets
  std::optional<RedisConfig> redis;  // decision records to Redis too
  bool progress = true;
};

struct OfflineSummary {
  std::string read_error;    // why reading stopped early, if it did
  bool read_truncated = false;  // only because the last record or block was cut short
  std::string device_error;  // why the device stopped judging, if it did
  double seconds = 0;
  struct Pair {
    uint64_t forwarded = 0;
    uint64_t dropped = 0;
  };
  std::map<std::pair<IdentityId, IdentityId>, Pair> pairs;  // (src, dst) identity
  std::map<uint32_t, uint64_t> rule_hits;                    // rule index -> records
  uint64_t records = 0;
  uint64_t rejects_sent = 0;
  bool redis = false;  // records went to Redis: how many arrived, how many were lost, why
  uint64_t redis_sent = 0, redis_dropped = 0;
  std::string redis_error;
};

// Judges the capture with `judge`, in batches. Throws PcapError when the capture cannot be read
// or an output cannot be written.
OfflineSummary run_offline(const OfflineOptions& options, Judge& judge, const rules::Classifications* classifications);

// The summary, with the device's figures when a device judged.
void print_summary(const OfflineSummary& s, Judge& judge, std::FILE* out);

}  // namespace picket
