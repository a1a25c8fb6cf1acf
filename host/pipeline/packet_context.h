// The per-packet context: what the pipeline's stages learn of one packet, in one fixed order,
// each stage reading what the earlier ones filled in:
//
//   decode ─► flow ─► identity ─► policy ─► stream ─► detection ─► actions (pipeline/verdict_sink.h)
//   frame     flow,     src, dst    decision,  window   buffers,      records, reject answer,
//   decoded   direction identities  statement  of bytes rules, verdict forward or drop
//
// The verdict (pipeline/verdict.h) is the part that outlives the stages: the log and the
// actions read it, with the decode it was made from. A device that judged the packet first
// (host/device/device_engine.h) hands its answers in as `device`, which the stages take in
// place of their own.
#pragma once

#include <cstdint>

#include "detect/signature_set.h"
#include "flow/flow_table.h"
#include "identity/identity_table.h"
#include "packet/packet.h"
#include "pipeline/verdict.h"
#include "policy/policy.h"

namespace picket {

// What a data plane decided of one packet.
struct HardwareView {
  bool decoded = false;  // an IP packet the hardware parsed: the ids are its
  IdentityId src_id = kUnknownIdentity;
  IdentityId dst_id = kUnknownIdentity;
  bool policy_known = false;  // both-way policy decisions, for the host to pick by direction
  PolicyDecision to_server, to_client;
  HardwareMatches signatures;
};

struct PacketContext {
  PacketContext(const PacketView& p, Verdict& v, const HardwareView* hw) : packet(p), verdict(v), device(hw) {}

  PacketView packet;                      // the frame judged: the packet, or the datagram it completed
  Verdict& verdict;                       // decode, identities, flow, policy, rules, verdict
  const HardwareView* device = nullptr;   // what a card decided first, when one judged
  Flow* flow = nullptr;                   // the flow stage's, valid until the next packet
  bool flow_created = false;              // this packet started its flow
  TcpCheck tcp_check = TcpCheck::kOk;     // the flow table's: what the receiver makes of its sequence numbers
  bool fragment_refused = false;          // the defragmenter would not take it: dropped
  StreamUpdate stream;                    // the stream stage's: the segment's window
  DetectionInput detection;               // the buffers and state rules are checked against

  int64_t now() const { return packet.timestamp_ns; }
  bool from_device() const { return device && device->decoded; }
};

}  // namespace picket
