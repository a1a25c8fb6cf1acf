// Flows a drop blocked, kept apart from the flow table, so that a blocked flow stays blocked
// however the table fares: evicted by a flood of new flows, expired while idle, or closed by
// a spoofed RST and then expired, the next packet of its 5-tuple finds its block here and the
// new flow starts blocked.
//
// Each block lives `timeout_ns` from the last packet it dropped. The list holds at most
// `max_entries`; a new block when it is full ends the block that dropped nothing for longest,
// counted as overflowed.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>

#include "flow/flow_table.h"

namespace picket {

struct BlockListConfig {
  size_t max_entries = 65536;
  int64_t timeout_ns = 3'600'000'000'000;  // an hour
};

struct BlockListCounters {
  uint64_t blocked = 0;     // blocks made
  uint64_t revived = 0;     // new flows that found their block here
  uint64_t expired = 0;     // blocks that timed out
  uint64_t overflowed = 0;  // blocks ended early to make room
};

class BlockList {
 public:
  explicit BlockList(BlockListConfig config = {}) : config_(config) {}

  // Blocks `key` under `rule` (an index into the rule set, or Verdict::kNoRule) from `now_ns`.
  void block(const FlowKey& key, uint32_t rule, int64_t now_ns);
  // The rule `key` is blocked by, its timeout restarted at `now_ns`; nullopt when it is not.
  std::optional<uint32_t> refresh(const FlowKey& key, int64_t now_ns);
  // Calls `change(uint32_t& rule)` on every block; a block for which it returns false ends
  // (the rules changed: engine adopt()).
  template <typename Change>
  void rewrite(Change change) {
    for (auto it = order_.begin(); it != order_.end();) {
      if (change(it->rule)) {
        ++it;
      } else {
        index_.erase(it->key);
        it = order_.erase(it);
      }
    }
  }

  bool empty() const { return index_.empty(); }
  size_t size() const { return index_.size(); }
  const BlockListCounters& counters() const { return counters_; }
  // Counted when the flow table hands an old flow's block back to a new flow.
  void count_revived() { ++counters_.revived; }

 private:
  struct Entry {
    FlowKey key;
    uint32_t rule;
    int64_t last_ns;
  };
  void expire(int64_t now_ns);

  BlockListConfig config_;
  std::list<Entry> order_;  // least recently refreshed first
  std::unordered_map<FlowKey, std::list<Entry>::iterator, FlowKeyHash> index_;
  BlockListCounters counters_;
};

}  // namespace picket
