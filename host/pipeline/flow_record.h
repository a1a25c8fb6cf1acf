// What a flow leaves behind when it ends: who talked to whom, under which policy decision,
// what the IPS did, how much went each way, and under which generations (zero-trust guidance
// asks that responders can rebuild it). The engine makes one when the flow table lets a flow
// go (timed out, evicted, or live at the end of the run); the decision log writes it as an EVE
// "flow" record (log/eve_record.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "flow/flow_table.h"
#include "identity/identity_table.h"
#include "policy/policy.h"

namespace picket {

// What the engine learns of a flow for its record, from its packets.
struct FlowFacts {
  IdentityId client_id = kUnknownIdentity;
  IdentityId server_id = kUnknownIdentity;
  bool policy_checked = false;
  PolicyDecision policy;  // the last packet's
  uint32_t first_generation = 0;
  uint32_t last_generation = 0;
  int64_t last_store_revision = 0;  // the last generation's, in a fleet
  uint64_t alerts = 0;
  uint64_t dropped = 0;   // packets dropped
};

// The same, kept on the flow (a flow/flow_data.h slot).
struct FlowRecordState : FlowData {
  FlowFacts facts;
};

struct EndedFlow {
  uint64_t id = 0;
  FlowKey key;
  IpAddress client_addr, server_addr;
  uint16_t client_port = 0, server_port = 0;
  int64_t first_seen_ns = 0, last_seen_ns = 0;
  uint64_t packets[2] = {};  // by Direction
  uint64_t bytes[2] = {};
  TcpState tcp_state = TcpState::kNone;
  bool established = false;
  FlowEnd reason = FlowEnd::kTimeout;
  FlowFacts facts;
  enum class Action : uint8_t { kForwarded, kBlocked, kPassed } action = Action::kForwarded;
  uint32_t blocking_rule = UINT32_MAX;  // index into the rule set, when a rule blocked it
  std::string_view app_proto;           // "http", or empty
  bool bypassed = false;                // passed by the midstream policy's bypass
};

}  // namespace picket
