#include "pipeline/software_engine.h"

#include <algorithm>
#include <unordered_map>

namespace picket {

std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kPolicy: return "policy";
    case DropReason::kSignature: return "signature";
  }
  return "?";
}

namespace {

// Detection's state on a flow: the drop or reject rule that blocked the rest of it.
struct BlockedFlow : FlowData {
  uint32_t rule = Verdict::kNoRule;
};

FlowSlot blocked_flow_slot() {
  static const FlowSlot slot = register_flow_slot("detect.blocked");
  return slot;
}

}  // namespace

SoftwareEngine::SoftwareEngine(EngineConfig config, std::shared_ptr<const Generation> generation)
    : config_(config),
      generation_(std::move(generation)),
      flows_(config.flows),
      scratch_(std::make_unique<SignatureScratch>(*generation_->signatures)),
      blocked_slot_(blocked_flow_slot()),
      http_slot_(http_flow_slot()) {
  for (size_t i = 0; i < config_.action_order.size(); ++i) {
    rank_[static_cast<size_t>(config_.action_order[i])] = static_cast<uint8_t>(i);
  }
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
      if (!blocked) return;
      const rules::Rule& r = old[blocked->rule].rule;
      auto it = by_sid.find(uint64_t{r.gid} << 32 | r.sid);
      if (it == by_sid.end()) {
        f.data.erase(slot);  // the operator removed the rule: the flow is let go
      } else {
        blocked->rule = it->second;
      }
    });
    scratch_ = std::make_unique<SignatureScratch>(*next->signatures);
  }
  generation_ = std::move(next);
}

void SoftwareEngine::process(const PacketView& packet, Verdict& v, const HardwareView* hw) {
  v.clear();
  PacketContext ctx(packet, v, hw);
  if (decode_stage(ctx)) {
    flow_stage(ctx);
    identity_stage(ctx);
    if (policy_stage(ctx)) detection_stage(ctx);
  }
  count(v, packet.wire_length);
}

// Malformed packets are dropped (or forwarded, as configured) and frames that are not IP (ARP
// and the like) forwarded: neither has anything more to judge.
bool SoftwareEngine::decode_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  const PacketView& p = ctx.packet;
  decode_into(p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_length, p.link_type, v.decoded);
  if (!v.decoded.ok()) {
    v.malformed = v.decoded.malformed;
    if (config_.drop_malformed) {
      v.drop = true;
      v.reason = DropReason::kMalformed;
    }
    return false;
  }
  v.ip = v.decoded.is_ip();
  return v.ip;
}

void SoftwareEngine::flow_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  std::optional<FlowRef> flow = flows_.track(v.decoded, ctx.packet.wire_length, ctx.now());
  if (!flow) return;
  ctx.flow = flow->flow;
  v.has_flow = true;
  v.flow_id = flow->flow->id;
  v.direction = flow->direction;
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
  if (v.policy.allowed) return true;
  if (policy->mode == PolicyMode::kAudit) {
    v.audit_would_drop = true;
    return true;
  }
  v.drop = true;
  v.reason = DropReason::kPolicy;
  return false;
}

// A flow an earlier drop blocked stays dropped; otherwise the buffers are filled and the
// signatures applied in action order: pass ends inspection for the packet; alert records; drop
// and reject drop the packet and block the rest of the flow in both directions.
void SoftwareEngine::detection_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  Flow* f = ctx.flow;
  const FlowSlot blocked_slot = blocked_slot_;
  if (const BlockedFlow* blocked = f ? f->data.find<BlockedFlow>(blocked_slot) : nullptr) {
    v.drop = true;
    v.reason = DropReason::kSignature;
    v.blocking_rule = blocked->rule;
    v.flow_was_blocked = true;
    return;
  }
  const DecodedPacket& p = v.decoded;
  DetectionInput& in = ctx.detection;
  in.packet = &p;
  in.src = p.src.value();
  in.dst = p.dst.value();
  in.payload = std::string_view(reinterpret_cast<const char*>(ctx.packet.bytes.data()) + p.payload_offset,
                                p.payload_length);
  if (p.is_tcp() && http_.parse(in.payload) > 0) {
    in.http = &http_;
    if (f) f->data.emplace<HttpFlow>(http_slot_).seen = true;
  }
  const HttpFlow* http_flow = f ? f->data.find<HttpFlow>(http_slot_) : nullptr;
  in.app_http = in.http || (http_flow && http_flow->seen);
  in.has_flow = f != nullptr;
  in.direction = v.direction;
  in.established = f && f->established;
  in.src_id = v.src_id;
  in.dst_id = v.dst_id;
  generation_->signatures->match(in, *scratch_, hits_, ctx.device ? &ctx.device->signatures : nullptr);

  const auto& rules = generation_->signatures->rules();
  std::stable_sort(hits_.begin(), hits_.end(), [&](uint32_t a, uint32_t b) {
    return rank_[static_cast<size_t>(rules[a].rule.action)] < rank_[static_cast<size_t>(rules[b].rule.action)];
  });
  for (uint32_t h : hits_) {
    rules::Action a = rules[h].rule.action;
    if (a == rules::Action::kPass) {  // as in Suricata, for this packet only
      v.passed = true;
      break;
    }
    v.alerts.push_back(h);
    if (a == rules::Action::kAlert) continue;
    v.drop = true;
    v.reason = DropReason::kSignature;
    v.blocking_rule = h;
    v.reject = a == rules::Action::kReject;
    if (f) f->data.emplace<BlockedFlow>(blocked_slot).rule = h;
    break;
  }
}

void SoftwareEngine::count(const Verdict& v, uint32_t wire_length) {
  EngineCounters& c = counters_;
  ++c.packets;
  c.bytes += wire_length;
  if (v.malformed != Malformed::kNone) ++c.malformed[static_cast<size_t>(v.malformed)];
  if (!v.ip && v.malformed == Malformed::kNone) ++c.not_ip;
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
