// Per-feature state that hangs off a flow, as Snort's FlowData and Suricata's flow storage do:
// the flow table stays generic, and each feature (detection's block, the HTTP parser's state
// and, next, the stream reassembler) registers a slot once and keeps its state there.
//
//   struct HttpFlow : FlowData { bool seen = false; };
//   const FlowSlot kHttpSlot = register_flow_slot("http");   // once, at start
//   flow.emplace_data<HttpFlow>(kHttpSlot).seen = true;      // created on first use
//   if (const HttpFlow* h = flow.data<HttpFlow>(kHttpSlot)) ...
//
// A flow holds only the slots used on it, in a short list (one pointer when it has none), and
// frees them with itself. A bit per slot says which it holds, so asking for one it does not
// hold (most flows are never blocked or passed) reads no list node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace picket {

using FlowSlot = uint8_t;

// The slot named `name`: a new one the first time a name is asked for, the same one after.
// Thread-safe; slots live for the whole process.
FlowSlot register_flow_slot(std::string_view name);
// The name a slot was registered with, for counters and diagnostics.
const std::string& flow_slot_name(FlowSlot slot);

class FlowData {
 public:
  virtual ~FlowData() = default;

 private:
  friend class FlowDataList;
  FlowSlot slot_ = 0;
  std::unique_ptr<FlowData> next_;
};

// The slots one flow uses.
class FlowDataList {
 public:
  // The slot's state, or null when the flow has none.
  template <typename T>
  T* find(FlowSlot slot) const {
    return static_cast<T*>(lookup(slot));
  }
  // The slot's state, made (value-initialized) when the flow has none yet.
  template <typename T>
  T& emplace(FlowSlot slot) {
    if (FlowData* d = lookup(slot)) return *static_cast<T*>(d);
    auto d = std::make_unique<T>();
    T& out = *d;
    insert(slot, std::move(d));
    return out;
  }
  void erase(FlowSlot slot);

 private:
  FlowData* lookup(FlowSlot slot) const {
    if (slot < 64 && !(held_ >> slot & 1)) return nullptr;
    return walk(slot);
  }
  FlowData* walk(FlowSlot slot) const;
  void insert(FlowSlot slot, std::unique_ptr<FlowData> data);

  std::unique_ptr<FlowData> head_;
  uint64_t held_ = 0;  // bit s: slot s (below 64) is in the list
};

}  // namespace picket
