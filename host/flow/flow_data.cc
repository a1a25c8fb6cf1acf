#include "flow/flow_data.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace picket {
namespace {

// Slot ids are bytes: far more than the features a flow will have.
constexpr size_t kMaxSlots = 256;

struct Registry {
  std::mutex mutex;
  std::deque<std::string> names;  // a deque: names handed out stay where they are
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

FlowSlot register_flow_slot(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (size_t i = 0; i < r.names.size(); ++i) {
    if (r.names[i] == name) return static_cast<FlowSlot>(i);
  }
  if (r.names.size() == kMaxSlots) {
    std::fprintf(stderr, "picket: more than %zu flow slots registered\n", kMaxSlots);
    std::abort();  // a programming error, found at start
  }
  r.names.emplace_back(name);
  return static_cast<FlowSlot>(r.names.size() - 1);
}

const std::string& flow_slot_name(FlowSlot slot) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.names.at(slot);
}

FlowData* FlowDataList::walk(FlowSlot slot) const {
  for (FlowData* d = head_.get(); d; d = d->next_.get()) {
    if (d->slot_ == slot) return d;
  }
  return nullptr;
}

void FlowDataList::insert(FlowSlot slot, std::unique_ptr<FlowData> data) {
  data->slot_ = slot;
  if (slot < 64) held_ |= uint64_t{1} << slot;
  data->next_ = std::move(head_);
  head_ = std::move(data);
}

void FlowDataList::erase(FlowSlot slot) {
  for (std::unique_ptr<FlowData>* at = &head_; *at; at = &(*at)->next_) {
    if ((*at)->slot_ == slot) {
      if (slot < 64) held_ &= ~(uint64_t{1} << slot);
      *at = std::move((*at)->next_);
      return;
    }
  }
}

}  // namespace picket
