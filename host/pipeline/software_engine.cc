#include "pipeline/software_engine.h"

#include <algorithm>
#include <unordered_map>

#include "packet/checksum.h"
#include "pipeline/flow_marks.h"

namespace picket {

std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kPolicy: return "policy";
    case DropReason::kSignature: return "signature";
    case DropReason::kStream: return "stream";
    case DropReason::kChecksum: return "checksum";
    case DropReason::kFragment: return "fragment";
    case DropReason::kMidstream: return "stream midstream";
    case DropReason::kCount: break;
  }
  return "?";
}

std::string_view midstream_policy_name(MidstreamPolicy p) {
  switch (p) {
    case MidstreamPolicy::kIgnore: return "ignore";
    case MidstreamPolicy::kDropFlow: return "drop-flow";
    case MidstreamPolicy::kPassFlow: return "pass-flow";
    case MidstreamPolicy::kBypass: return "bypass";
  }
  return "?";
}

FlowSlot blocked_flow_slot() {
  static const FlowSlot slot = register_flow_slot("detect.blocked");
  return slot;
}

FlowSlot passed_flow_slot() {
  static const FlowSlot slot = register_flow_slot("detect.passed");
  return slot;
}

namespace {

FlowSlot flow_record_slot() {
  static const FlowSlot slot = register_flow_slot("record");
  return slot;
}

}  // namespace

SoftwareEngine::SoftwareEngine(EngineConfig config, std::shared_ptr<const Generation> generation)
    : config_(config),
      generation_(std::move(generation)),
      streams_(config.stream),
      flows_(config.flows),
      blocks_(config.blocks),
      defrag_(config.defrag),
      scratch_(std::make_unique<SignatureScratch>(*generation_->signatures)),
      blocked_slot_(blocked_flow_slot()),
      passed_slot_(passed_flow_slot()),
      http_slot_(http_flow_slot()),
      stream_literals_slot_(stream_literals_slot()),
      record_slot_(flow_record_slot()) {
  if (config_.flow_records) flows_.on_end([this](const Flow& f, FlowEnd why) { flow_ended(f, why); });
  for (size_t i = 0; i < config_.action_order.size(); ++i) {
    rank_[static_cast<size_t>(config_.action_order[i])] = static_cast<uint8_t>(i);
  }
  http_.inflate_bodies(generation_->signatures->reads_response_bodies());
}

void SoftwareEngine::adopt(std::shared_ptr<const Generation> next) {
  if (next->signatures != generation_->signatures) {
    std::unordered_map<uint64_t, uint32_t> by_sid;
    const auto& fresh = next->signatures->rules();
    for (uint32_t i = 0; i < fresh.size(); ++i) by_sid.emplace(uint64_t{fresh[i].rule.gid} << 32 | fresh[i].rule.sid, i);
    const auto& old = generation_->signatures->rules();
    const FlowSlot slot = blocked_slot_;
    flows_.for_each_flow([&](Flow& f) {
      BlockedFlow* blocked = f.data.find<BlockedFlow>(slot);
      if (!blocked || blocked->rule == Verdict::kNoRule) return;
      const rules::Rule& r = old[blocked->rule].rule;
      auto it = by_sid.find(uint64_t{r.gid} << 32 | r.sid);
      if (it == by_sid.end()) {
        f.data.erase(slot);  // the operator removed the rule: the flow is let go
      } else {
        blocked->rule = it->second;
      }
    });
    blocks_.rewrite([&](uint32_t& rule) {
      if (rule == Verdict::kNoRule) return true;
      const rules::Rule& r = old[rule].rule;
      auto it = by_sid.find(uint64_t{r.gid} << 32 | r.sid);
      if (it == by_sid.end()) return false;
      rule = it->second;
      return true;
    });
    scratch_ = std::make_unique<SignatureScratch>(*next->signatures);
    http_.inflate_bodies(next->signatures->reads_response_bodies());
  }
  generation_ = std::move(next);
}

void SoftwareEngine::process(const PacketView& packet, Verdict& v, const HardwareView* hw) {
  v.clear();
  PacketContext ctx(packet, v, hw);
  if (decode_stage(ctx) && defrag_stage(ctx)) {
    flow_stage(ctx);
    identity_stage(ctx);
    if (policy_stage(ctx) && flow_verdict_stage(ctx) && stream_stage(ctx)) detection_stage(ctx);
  }
  if (config_.stream_anomalies) v.stream_anomalies = ctx.detection.stream_events;
  if (ctx.fragment_refused && !v.drop) {
    v.drop = true;
    v.reason = DropReason::kFragment;
  }
  if (ctx.flow && config_.flow_records) note_flow(ctx);
  counters_.captured_bytes += packet.bytes.size();
  count(v, packet.wire_length);
}

// What the packet adds to its flow's record: the identities by role, the policy's latest
// word, the generation, alerts and drops.
void SoftwareEngine::note_flow(const PacketContext& ctx) {
  const Verdict& v = ctx.verdict;
  FlowFacts& f = ctx.flow->data.emplace<FlowRecordState>(record_slot_).facts;
  const bool to_server = v.direction == Direction::kToServer;
  f.client_id = to_server ? v.src_id : v.dst_id;
  f.server_id = to_server ? v.dst_id : v.src_id;
  if (v.policy_checked) {
    f.policy_checked = true;
    f.policy = v.policy;
  }
  if (f.first_generation == 0) f.first_generation = generation_->number;
  f.last_generation = generation_->number;
  f.last_store_revision = generation_->store_revision;
  f.alerts += v.alerts.size();
  f.dropped += v.drop;
}

void SoftwareEngine::flow_ended(const Flow& f, FlowEnd why) {
  EndedFlow& e = ended_.emplace_back();
  e.id = f.id;
  e.key = f.key;
  e.client_addr = f.client_addr;
  e.client_port = f.client_port;
  const bool client_is_lo = f.key.lo_addr == f.client_addr && f.key.lo_port == f.client_port;
  e.server_addr = client_is_lo ? f.key.hi_addr : f.key.lo_addr;
  e.server_port = client_is_lo ? f.key.hi_port : f.key.lo_port;
  e.first_seen_ns = f.first_seen_ns;
  e.last_seen_ns = f.last_seen_ns;
  for (int d = 0; d < 2; ++d) {
    e.packets[d] = f.packets[d];
    e.bytes[d] = f.bytes[d];
  }
  e.tcp_state = f.tcp_state;
  e.established = f.established;
  e.reason = why;
  if (const FlowRecordState* r = f.data.find<FlowRecordState>(record_slot_)) e.facts = r->facts;
  if (const BlockedFlow* b = f.data.find<BlockedFlow>(blocked_slot_)) {
    e.action = EndedFlow::Action::kBlocked;
    e.blocking_rule = b->rule;
  } else if (const PassedFlow* pass = f.data.find<PassedFlow>(passed_slot_)) {
    e.action = EndedFlow::Action::kPassed;
    e.bypassed = pass->bypassed;
  }
  const HttpFlow* http = f.data.find<HttpFlow>(http_slot_);
  if (http && http->seen) e.app_proto = "http";
}

// Malformed packets are dropped (or forwarded, as configured) and frames that are not IP (ARP
// and the like) forwarded: neither has anything more to judge; nor has a packet whose checksum
// does not hold (forwarded, or dropped, as configured): its receiver discards it.
bool SoftwareEngine::decode_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  const PacketView& p = ctx.packet;
  decode_into(p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_length, p.link_type, v.decoded);
  return admit_decoded(ctx);
}

// What the decode of ctx.packet (a packet, or the datagram it completed) lets through: not a
// malformed frame, an IP packet, one whose checksums hold.
bool SoftwareEngine::admit_decoded(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  const PacketView& p = ctx.packet;
  if (!v.decoded.ok()) {
    v.malformed = v.decoded.malformed;
    if (config_.drop_malformed) {
      v.drop = true;
      v.reason = DropReason::kMalformed;
    }
    if (v.decoded.events) anomaly_stage(ctx);
    return false;
  }
  v.ip = v.decoded.is_ip();
  if (v.ip && config_.checksums != ChecksumMode::kNone &&
      !checksums_hold(p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), v.decoded)) {
    v.bad_checksum = true;
    if (config_.checksums == ChecksumMode::kDrop) {
      v.drop = true;
      v.reason = DropReason::kChecksum;
    }
    return false;
  }
  return v.ip;
}

// A malformed packet that raised decode events, or a segment the stream refused with a stream
// event, meets the rules that name them (decode-event, stream-event), and only those: they are
// recorded; the packet stays as malformed or the stream made it.
void SoftwareEngine::anomaly_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  DetectionInput& in = ctx.detection;
  in.packet = &v.decoded;
  in.src = v.decoded.src.value();
  in.dst = v.decoded.dst.value();
  in.anomalies_only = true;
  if (ctx.flow) {
    in.has_flow = true;
    in.direction = v.direction;
    in.established = ctx.flow->established;
    in.src_id = v.src_id;
    in.dst_id = v.dst_id;
  }
  generation_->signatures->match(in, *scratch_, hits_, nullptr, nullptr);
  for (uint32_t h : hits_) v.alerts.push_back(h);
}

// A fragment goes to the defragmenter. The one that completes its datagram is judged as the
// whole datagram (with its ports, by the host: a card saw only the fragment); the others are
// judged as they are, without ports. A fragment the defragmenter refuses (other bytes for bytes
// it gave, an invalid length, the memory cap) is still inspected, so its events are recorded,
// and then dropped: its receiver would build another datagram than the one inspected, or none.
bool SoftwareEngine::defrag_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  for (int depth = 0; v.decoded.fragment && depth < 2; ++depth) {  // a fragment in a fragment, once
    const Defragmenter::Result r = defrag_.add(ctx.packet.bytes, v.decoded, ctx.now());
    v.decoded.events |= r.events;
    if (r.outcome == Defragmenter::Outcome::kRefused) ctx.fragment_refused = true;
    if (r.outcome != Defragmenter::Outcome::kReassembled) return true;
    const uint32_t events = v.decoded.events;
    v.datagram.assign(defrag_.datagram().begin(), defrag_.datagram().end());
    ctx.packet.bytes = v.datagram;
    ctx.packet.wire_length = static_cast<uint32_t>(v.datagram.size());
    ctx.device = nullptr;
    decode_into(v.datagram.data(), static_cast<uint32_t>(v.datagram.size()), ctx.packet.wire_length,
                ctx.packet.link_type, v.decoded);
    v.decoded.reassembled = true;
    v.decoded.events |= events;
    if (!admit_decoded(ctx)) return false;
  }
  return true;
}

void SoftwareEngine::flow_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  std::optional<FlowRef> flow = flows_.track(v.decoded, ctx.packet.wire_length, ctx.now());
  if (!flow) return;
  ctx.flow = flow->flow;
  ctx.flow_created = flow->created;
  ctx.tcp_check = flow->tcp_check;
  v.has_flow = true;
  v.flow_id = flow->flow->id;
  v.direction = flow->direction;
  v.client_proven = flow->flow->client_proven;
}

void SoftwareEngine::identity_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  if (ctx.from_device()) {
    v.src_id = ctx.device->src_id;
    v.dst_id = ctx.device->dst_id;
    return;
  }
  v.src_id = generation_->identities->lookup(v.decoded.src, ctx.now());
  v.dst_id = generation_->identities->lookup(v.decoded.dst, ctx.now());
}

// Client identity -> server identity on the server's port, for every packet.
bool SoftwareEngine::policy_stage(PacketContext& ctx) {
  const Policy* policy = generation_->policy.get();
  if (!policy) return true;
  Verdict& v = ctx.verdict;
  const DecodedPacket& p = v.decoded;
  const bool to_server = !ctx.flow || v.direction == Direction::kToServer;
  v.policy_checked = true;
  if (ctx.from_device() && ctx.device->policy_known) {
    v.policy = to_server ? ctx.device->to_server : ctx.device->to_client;
  } else {
    IdentityId client = to_server ? v.src_id : v.dst_id;
    IdentityId server = to_server ? v.dst_id : v.src_id;
    std::optional<uint16_t> port;
    if (p.is_tcp() || p.is_udp()) port = to_server ? p.dst_port : p.src_port;
    v.policy = policy->judge(client, server, p.ip_proto, port, ctx.now());
  }
  // No SYN proved which side is the client (the flow began at a SYN/ACK, or mid-stream): the
  // packet must also be allowed with its sender as the client, so that no order of packets
  // turns a denied pair into an allowed one.
  if (v.policy.allowed && !to_server && p.is_tcp() && !ctx.flow->client_proven) {
    PolicyDecision own;
    if (ctx.from_device() && ctx.device->policy_known) {
      own = ctx.device->to_server;
    } else {
      own = policy->judge(v.src_id, v.dst_id, p.ip_proto, p.dst_port, ctx.now());
    }
    if (!own.allowed) v.policy = own;
  }
  if (v.policy.allowed) return true;
  if (policy->mode == PolicyMode::kAudit) {
    v.audit_would_drop = true;
    return true;
  }
  v.drop = true;
  v.reason = DropReason::kPolicy;
  return false;
}

// A flow an earlier drop blocked stays dropped; a passed flow is forwarded uninspected.
bool SoftwareEngine::flow_verdict_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  Flow* f = ctx.flow;
  if (!f) return true;
  BlockedFlow* blocked = f->data.find<BlockedFlow>(blocked_slot_);
  if (blocked) {
    blocks_.refresh(f->key, ctx.now());
  } else if (ctx.flow_created && !blocks_.empty()) {
    // A flow the table lost (evicted, expired) comes back blocked.
    if (std::optional<uint32_t> rule = blocks_.refresh(f->key, ctx.now())) {
      blocked = &f->data.emplace<BlockedFlow>(blocked_slot_);
      blocked->rule = *rule;
      blocks_.count_revived();
    }
  }
  if (blocked) {
    v.drop = true;
    v.reason = blocked->rule == Verdict::kNoRule ? DropReason::kStream : DropReason::kSignature;
    v.blocking_rule = blocked->rule;
    v.flow_was_blocked = true;
    return false;
  }
  if (f->data.find<PassedFlow>(passed_slot_)) {
    v.flow_passed = true;
    return false;
  }
  // A TCP flow picked up without its handshake, with --midstream off: no stream will see it.
  const bool picked_up_midstream = ctx.flow_created && v.decoded.is_tcp() && f->tcp_state == TcpState::kNone;
  if (picked_up_midstream && config_.midstream_policy != MidstreamPolicy::kIgnore) {
    if (config_.midstream_policy == MidstreamPolicy::kDropFlow) {
      block_flow(ctx, Verdict::kNoRule);
      v.drop = true;
      v.reason = DropReason::kMidstream;
      return false;
    }
    f->data.emplace<PassedFlow>(passed_slot_).bypassed = config_.midstream_policy == MidstreamPolicy::kBypass;
    v.flow_passed = true;
    return false;
  }
  return true;
}

void SoftwareEngine::block_flow(PacketContext& ctx, uint32_t rule) {
  ctx.flow->data.emplace<BlockedFlow>(blocked_slot_).rule = rule;
  blocks_.block(ctx.flow->key, rule, ctx.now());
}

// A TCP segment goes into its direction's stream. A segment the stream refuses is dropped
// (an overlap conflict, urgent data under --stream-urgent drop), or handled as the exception policy says (a full queue or memory).
bool SoftwareEngine::stream_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  const DecodedPacket& p = v.decoded;
  if (!ctx.flow || !p.is_tcp()) return true;
  if (ctx.tcp_check != TcpCheck::kOk) {
    // Its receiver refuses it (flow/flow_table.h): it is no part of the stream and is judged
    // alone, as Suricata does; inline it is dropped, and a drop rule it matches is recorded
    // without blocking the flow (the drop is decided already).
    v.stream_event = ctx.tcp_check == TcpCheck::kOutOfWindow ? StreamEvent::kOutOfWindow : StreamEvent::kInvalidRst;
    streams_.count(v.stream_event);
    ctx.detection.stream_events = stream_event_bit(v.stream_event);
    if (config_.stream.drop_invalid) {
      v.drop = true;
      v.reason = DropReason::kStream;
    }
    return true;
  }
  const std::string_view payload(reinterpret_cast<const char*>(ctx.packet.bytes.data()) + p.payload_offset,
                                 p.payload_length);
  ctx.stream = streams_.place(*ctx.flow, v.direction, p, payload);
  const StreamEvent e = ctx.stream.event;
  if (ctx.stream.depth_reached) ctx.detection.stream_events |= stream_event_bit(StreamEvent::kDepthReached);
  if (ctx.stream.overlap_accepted) ctx.detection.stream_events |= stream_event_bit(StreamEvent::kOverlapConflict);
  if (e == StreamEvent::kNone) return true;
  v.stream_event = e;
  ctx.detection.stream_events |= stream_event_bit(e);
  // A conflict or urgent data the stream does not take drops the packet; the exceptions
  // (a full queue, the memory cap) are the exception policy's.
  const bool refused = e == StreamEvent::kOverlapConflict || e == StreamEvent::kUrgentData;
  StreamException what = refused ? StreamException::kDropPacket : config_.stream.on_exception;
  switch (what) {
    case StreamException::kDropFlow:
      block_flow(ctx, Verdict::kNoRule);
      [[fallthrough]];
    case StreamException::kDropPacket:
      v.drop = true;
      v.reason = DropReason::kStream;
      anomaly_stage(ctx);
      return false;
    case StreamException::kPassFlow:
      streams_.abandon(*ctx.flow);
      ctx.flow->data.emplace<PassedFlow>(passed_slot_);
      v.flow_passed = true;
      anomaly_stage(ctx);
      return false;
    case StreamException::kIgnore:
      // Reassembly of the flow ends; its packets are inspected one by one from here on.
      streams_.abandon(*ctx.flow);
      ctx.stream = StreamUpdate{};
      return true;
  }
  return true;
}

void SoftwareEngine::count(const Verdict& v, uint32_t wire_length) {
  EngineCounters& c = counters_;
  ++c.packets;
  c.bytes += wire_length;
  if (v.malformed != Malformed::kNone) ++c.malformed[static_cast<size_t>(v.malformed)];
  if (!v.ip && v.malformed == Malformed::kNone) ++c.not_ip;
  if (v.bad_checksum) ++c.bad_checksum;
  if (v.drop) {
    ++c.dropped_packets[static_cast<size_t>(v.reason)];
    c.dropped_bytes[static_cast<size_t>(v.reason)] += wire_length;
  } else {
    ++c.forwarded_packets;
    c.forwarded_bytes += wire_length;
  }
  c.alerts += v.alerts.size();
  if (v.audit_would_drop) ++c.audit_would_drop;
}

}  // namespace picket
