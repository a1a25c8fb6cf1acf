#include "flow/block_list.h"

namespace picket {

void BlockList::expire(int64_t now_ns) {
  while (!order_.empty() && now_ns - order_.front().last_ns > config_.timeout_ns) {
    index_.erase(order_.front().key);
    order_.pop_front();
    ++counters_.expired;
  }
}

void BlockList::block(const FlowKey& key, uint32_t rule, int64_t now_ns) {
  expire(now_ns);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->rule = rule;
    it->second->last_ns = now_ns;
    order_.splice(order_.end(), order_, it->second);
    return;
  }
  if (index_.size() >= config_.max_entries && !order_.empty()) {
    index_.erase(order_.front().key);
    order_.pop_front();
    ++counters_.overflowed;
  }
  order_.push_back({key, rule, now_ns});
  index_.emplace(key, std::prev(order_.end()));
  ++counters_.blocked;
}

std::optional<uint32_t> BlockList::refresh(const FlowKey& key, int64_t now_ns) {
  expire(now_ns);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  it->second->last_ns = std::max(it->second->last_ns, now_ns);
  order_.splice(order_.end(), order_, it->second);
  return it->second->rule;
}

}  // namespace picket
