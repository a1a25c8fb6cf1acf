#include "detect/stream_literals.h"

#include <algorithm>

namespace picket {

void StreamLiteralMemory::expire(uint64_t window_start, uint32_t stream_restarts) {
  if (stream_restarts != restarts) {
    found.clear();
    lost = false;
    restarts = stream_restarts;
  }
  std::erase_if(found, [&](const StreamLiteral& l) { return l.end <= window_start; });
}

void StreamLiteralMemory::remember(const std::vector<StreamLiteral>& now, bool whole_window) {
  if (whole_window) {
    found.clear();
    lost = false;
  }
  for (const StreamLiteral& l : now) {
    auto it = std::find_if(found.begin(), found.end(), [&](const StreamLiteral& f) { return f.rule == l.rule; });
    if (it == found.end()) {
      found.push_back(l);
    } else {
      it->end = std::max(it->end, l.end);
    }
  }
  if (found.size() > kMaxStreamLiterals) {
    // The latest occurrences stay longest in the window: keep those, search whole next time.
    std::sort(found.begin(), found.end(), [](const StreamLiteral& a, const StreamLiteral& b) { return a.end > b.end; });
    found.resize(kMaxStreamLiterals);
    lost = true;
  }
}

FlowSlot stream_literals_slot() {
  static const FlowSlot slot = register_flow_slot("detect.stream_literals");
  return slot;
}

}  // namespace picket
