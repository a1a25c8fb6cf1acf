// The reference engine: the whole pipeline of DESIGN.md in software, packet by packet, as
// stages over one PacketContext (pipeline/packet_context.h):
//
//   decode -> malformed? -> IP fragments reassembled (defrag/ip_defrag.h) -> flow -> identities (src, dst at the packet's time)
//          -> policy (client identity -> server identity, server port), every packet
//          -> a blocked or passed flow -> TCP stream (stream/tcp_stream.h)
//          -> detection: the buffers, signatures in action order
//
// Verdict order: malformed (drop, or forward when configured), policy deny (drop; in audit
// mode forwarded and recorded; a TCP flow whose client no SYN proved is judged both ways:
// as the flow says, and with the packet's sender as the client), a flow blocked by an earlier drop (drop) or passed (forward),
// a segment the stream refuses (drop, or as the exception policy says), then the
// signatures: pass ends inspection for the packet; alert records; drop and
// reject drop the packet and block the rest of the flow in both directions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "plan/generation.h"
#include "applayer/http/http_message.h"
#include "detect/signature_set.h"
#include "pipeline/flow_record.h"
#include "pipeline/packet_context.h"
#include "pipeline/verdict.h"
#include "defrag/ip_defrag.h"
#include "flow/block_list.h"
#include "flow/flow_table.h"
#include "stream/tcp_stream.h"
#include "identity/identity_table.h"
#include "packet/packet.h"
#include "policy/policy.h"

namespace picket {

// What a packet whose checksum does not hold gets: its receiver discards it, so it changes no
// flow or stream state and is not inspected; it is forwarded, or dropped. kNone: not checked
// (Suricata's -k none).
enum class ChecksumMode : uint8_t { kValidate, kDrop, kNone };

// What to do with a TCP flow picked up without its handshake while --midstream is off, as
// Suricata's stream.midstream-policy names it.
enum class MidstreamPolicy : uint8_t {
  kIgnore,    // inspect its packets one by one, with no stream (the default)
  kDropFlow,  // drop it and block the rest of it (drop.reason "stream midstream")
  kPassFlow,  // forward the rest of it uninspected
  kBypass,    // the same, recorded as bypassed
};
std::string_view midstream_policy_name(MidstreamPolicy p);

struct EngineConfig {
  FlowConfig flows;
  DefragConfig defrag;
  ChecksumMode checksums = ChecksumMode::kValidate;
  BlockListConfig blocks;
  StreamConfig stream;
  MidstreamPolicy midstream_policy = MidstreamPolicy::kIgnore;
  bool drop_malformed = true;
  // Rules recorded per packet at most, in action order (Suricata's packet-alert-max); the
  // drop or reject that decides is recorded even past it.
  uint32_t packet_alert_max = 15;
  // A record of every flow as it ends (pipeline/flow_record.h), for the decision log.
  bool flow_records = true;
  // An "anomaly" record for each stream event a packet raises (Suricata's EVE anomaly
  // types.stream: off there by default too).
  bool stream_anomalies = false;
  // Suricata's default; suricata.yaml's action-order may change it.
  std::array<rules::Action, 4> action_order = {rules::Action::kPass, rules::Action::kDrop, rules::Action::kReject,
                                               rules::Action::kAlert};
};

struct EngineCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;           // on the wire: each packet's original length
  uint64_t captured_bytes = 0;  // as captured (a snap length cuts them)
  uint64_t forwarded_packets = 0;
  uint64_t forwarded_bytes = 0;
  std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> dropped_packets{};  // by DropReason
  std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> dropped_bytes{};
  uint64_t alerts = 0;
  uint64_t alerts_discarded = 0;  // matches past packet_alert_max, not recorded
  uint64_t audit_would_drop = 0;
  uint64_t not_ip = 0;
  uint64_t bad_checksum = 0;  // IP packets whose checksums do not hold
  // HTTP parsing given up in a direction: a message outgrew --stream-hold, or the stream
  // skipped a gap in it.
  uint64_t http_given_up = 0;
  std::array<uint64_t, static_cast<size_t>(Malformed::kCount)> malformed{};
};

class SoftwareEngine {
 public:
  // Judges under `generation` (built by plan/build.h); its flows, scratch and counters are
  // this engine's own.
  SoftwareEngine(EngineConfig config, std::shared_ptr<const Generation> generation);

  // Judges under `next` from the next packet on. Flows and their state stay. When the rules
  // change, a flow an earlier drop or reject blocked stays blocked if the new rules still have
  // that rule (the same gid:sid), and is let go if the operator removed it.
  void adopt(std::shared_ptr<const Generation> next);

  void process(const PacketView& packet, Verdict& out) { process(packet, out, nullptr); }
  // With `hw`, identities, policy and the hardware's rules come from the data plane; flows,
  // HTTP and the rest of each candidate rule are checked here.
  void process(const PacketView& packet, Verdict& out, const HardwareView* hw);

  const std::shared_ptr<const Generation>& generation() const { return generation_; }
  const SignatureSet& signatures() const { return *generation_->signatures; }
  const IdentityTable& identities() const { return *generation_->identities; }
  const Policy* policy() const { return generation_->policy.get(); }
  const FlowTable& flows() const { return flows_; }
  const StreamReassembler& streams() const { return streams_; }
  const BlockList& blocks() const { return blocks_; }
  const Defragmenter& defrag() const { return defrag_; }
  const EngineCounters& counters() const { return counters_; }
  const EngineConfig& config() const { return config_; }

  // The flows that ended since the last call (timed out, evicted; with flow_records on).
  std::vector<EndedFlow> take_ended_flows() { return std::exchange(ended_, {}); }
  // Ends every live flow for the record (at the end of a run): take_ended_flows() has them.
  void end_all_flows() { flows_.end_all(); }

 private:
  // The stages, in order; each returns false when the packet's verdict is decided.
  bool decode_stage(PacketContext& ctx);
  bool admit_decoded(PacketContext& ctx);
  bool defrag_stage(PacketContext& ctx);
  void anomaly_stage(PacketContext& ctx);
  void flow_stage(PacketContext& ctx);
  void identity_stage(PacketContext& ctx);
  bool policy_stage(PacketContext& ctx);
  bool flow_verdict_stage(PacketContext& ctx);
  bool stream_stage(PacketContext& ctx);
  void detection_stage(PacketContext& ctx);
  HttpDirection* parse_http(PacketContext& ctx);
  void http_parsed(PacketContext& ctx, HttpDirection& d);
  void block_flow(PacketContext& ctx, uint32_t rule);
  void count(const Verdict& v, uint32_t wire_length);
  void note_flow(const PacketContext& ctx);
  void record_http(Verdict& v);
  void flow_ended(const Flow& f, FlowEnd why);

  EngineConfig config_;
  std::shared_ptr<const Generation> generation_;
  StreamReassembler streams_;  // before flows_: the flows' streams give their bytes back to it
  InflaterBudget inflaters_;   // before flows_ too: HTTP's inflaters on them count themselves in it
  FlowTable flows_;
  BlockList blocks_;
  Defragmenter defrag_;
  std::unique_ptr<SignatureScratch> scratch_;
  std::array<uint8_t, 4> rank_{};  // by rules::Action: its place in the action order
  HttpMessages http_;
  FlowSlot blocked_slot_;  // detection's block, on the flows it blocked
  FlowSlot passed_slot_;   // on flows passed uninspected
  FlowSlot http_slot_;     // HTTP's state (applayer/http)
  FlowSlot stream_literals_slot_;  // the literals a stream's searches found (detect/stream_literals.h)
  FlowSlot record_slot_;   // what the flow's record will say (pipeline/flow_record.h)
  std::vector<EndedFlow> ended_;
  std::vector<uint32_t> hits_;
  SignatureSet::Notes notes_;
  EngineCounters counters_;
};

}  // namespace picket
