// What detection leaves on a flow for the packets after (flow/flow_data.h): the block a drop
// or reject rule put on it, or the pass that forwards its rest uninspected.
#pragma once

#include "flow/flow_data.h"
#include "pipeline/verdict.h"

namespace picket {

// The drop or reject rule that blocked the rest of the flow (kNoRule: the stream's exception
// policy did).
struct BlockedFlow : FlowData {
  uint32_t rule = Verdict::kNoRule;
};
FlowSlot blocked_flow_slot();

// A flow whose rest is forwarded uninspected (a pass rule, the stream's pass-flow exception,
// the midstream policy's pass-flow or bypass).
struct PassedFlow : FlowData {
  bool bypassed = false;
};
FlowSlot passed_flow_slot();

}  // namespace picket
