// What the engine decided for one packet, and why: the same for every engine (software,
// Verilator model, card), so that the daemon, the decision log and the differential tests
// do not care which engine they have.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flow/flow_table.h"
#include "identity/identity_table.h"
#include "packet/decoder.h"
#include "policy/policy.h"
#include "stream/tcp_stream.h"

namespace picket {

// kStream: the TCP stream could not take the segment (an overlap conflict, or an exception
// policy of stream/tcp_stream.h).
// kChecksum: a checksum does not hold (--checksums drop).
// kFragment: the defragmenter refused the fragment (defrag/ip_defrag.h: an overlap with other
// bytes, an invalid length, a full memory cap).
// kMidstream: a TCP flow picked up without its handshake, under --midstream-policy drop-flow.
enum class DropReason : uint8_t { kNone, kMalformed, kPolicy, kSignature, kStream, kChecksum, kFragment, kMidstream, kCount };
std::string_view drop_reason_name(DropReason r);

// The HTTP message an alert was raised on, for its record's "http" object (Suricata's names).
struct HttpRecord {
  bool present = false;
  bool request = false;
  std::string hostname, url, method, user_agent, protocol, status, content_type;
};

struct Verdict {
  static constexpr uint32_t kNoRule = UINT32_MAX;

  // The decode the verdict was made from: the records and a reject's answer read it, so no
  // one decodes the packet again.
  DecodedPacket decoded;
  // When the packet completed a datagram (decoded.reassembled): the datagram that was judged,
  // the frame `decoded` describes.
  std::vector<uint8_t> datagram;

  bool drop = false;
  DropReason reason = DropReason::kNone;
  Malformed malformed = Malformed::kNone;

  bool ip = false;  // an IP packet, well formed: identities and policy apply
  bool bad_checksum = false;  // its IPv4 or TCP/UDP checksum does not hold: judged no further
  IdentityId src_id = kUnknownIdentity;
  IdentityId dst_id = kUnknownIdentity;

  bool has_flow = false;
  uint64_t flow_id = 0;
  Direction direction = Direction::kToServer;
  bool client_proven = false;  // a SYN proved which side of the flow is its client

  bool policy_checked = false;
  PolicyDecision policy;
  bool audit_would_drop = false;  // audit mode forwarded a packet policy denies

  // Signatures to record, in action order (up to EngineConfig::packet_alert_max): alert rules
  // ("allowed") and the drop or reject rule that blocked the packet ("blocked"), which is the
  // first of them that drops. Indices into the rule set.
  std::vector<uint32_t> alerts;
  uint32_t blocking_rule = kNoRule;        // the drop/reject rule behind a signature drop
  bool flow_was_blocked = false;           // dropped because an earlier packet blocked the flow
  bool reject = false;                     // answer the sender with a TCP RST or ICMP unreachable
  bool passed = false;                     // a pass rule matched: no alert for this packet
  bool flow_passed = false;                // forwarded uninspected: the flow was passed
  bool stream_matched = false;             // a rule matched across segments of the stream
  StreamEvent stream_event = StreamEvent::kNone;  // what the stream made of the segment
  uint32_t stream_anomalies = 0;           // StreamEvent bits to record as anomalies (EngineConfig::stream_anomalies)
  bool app_http = false;                   // HTTP was seen on the packet's flow (app_proto)
  HttpRecord http;                         // with alerts on an HTTP message: that message

  // Whether the decision log has a record of this packet (log/eve_record.h).
  bool recorded() const {
    return !alerts.empty() || flow_was_blocked || malformed != Malformed::kNone || reason == DropReason::kPolicy ||
           reason == DropReason::kStream || reason == DropReason::kChecksum || reason == DropReason::kFragment ||
           reason == DropReason::kMidstream || stream_anomalies != 0 ||
           audit_would_drop;
  }

  // Ready for the next packet: every field reset but `decoded`, which the decode stage always
  // writes whole, and the alert list's storage, which is kept. A field added above is reset here.
  void clear() {
    drop = false;
    reason = DropReason::kNone;
    malformed = Malformed::kNone;
    ip = false;
    bad_checksum = false;
    src_id = dst_id = kUnknownIdentity;
    has_flow = false;
    flow_id = 0;
    direction = Direction::kToServer;
    client_proven = false;
    policy_checked = false;
    policy = PolicyDecision{};
    audit_would_drop = false;
    alerts.clear();
    blocking_rule = kNoRule;
    flow_was_blocked = false;
    reject = false;
    passed = false;
    flow_passed = false;
    stream_matched = false;
    stream_event = StreamEvent::kNone;
    stream_anomalies = 0;
    datagram.clear();
    app_http = false;
    http.present = false;
  }
};

}  // namespace picket
