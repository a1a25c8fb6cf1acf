// The fast patterns a TCP stream's searches found, remembered per direction while they are in
// the inspection window.
//
// A segment's prefilter searches only the bytes it delivered (and as far before them as a
// literal reaches): a rule whose fast pattern came in an earlier segment, and whose other
// contents this segment completes, would not be a candidate of its own. So each direction keeps
// (rule, stream offset where its literal ended) for the literals found, and hands those still
// inside the window to the next segment's match (DetectionInput::stream_literals).
//
// The list is bounded (kMaxStreamLiterals, one entry per rule, the latest occurrence): when it
// overflows, the next segment searches its whole window instead, which finds them all again.
#pragma once

#include <cstdint>
#include <vector>

#include "flow/flow_data.h"

namespace picket {

struct StreamLiteral {
  uint32_t rule = 0;
  uint64_t end = 0;  // stream offset just past the literal
};

constexpr size_t kMaxStreamLiterals = 64;

struct StreamLiteralMemory {
  std::vector<StreamLiteral> found;
  bool lost = false;      // entries were dropped: search the whole window next time
  uint32_t restarts = 0;  // the stream's restarts (StreamSide::restarts) the offsets belong to

  // Forgets what ended at or before `window_start`, and everything of a stream that started
  // again.
  void expire(uint64_t window_start, uint32_t stream_restarts);
  // Takes what a segment's search found: after a whole-window search, in place of the rest.
  void remember(const std::vector<StreamLiteral>& now, bool whole_window);
};

// On a flow (flow/flow_data.h): one memory per direction of the sender.
struct StreamLiterals : FlowData {
  StreamLiteralMemory directions[2];
};
FlowSlot stream_literals_slot();

}  // namespace picket
