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

SoftwareEngine::SoftwareEngine(EngineConfig config, std::shared_ptr<const Generation> generation)
    : config_(config),
      generation_(std::move(generation)),
      flows_(config.flows),
      scratch_(std::make_unique<SignatureScratch>(*generation_->signatures)) {
  for (size_t i = 0; i < config_.action_order.size(); ++i) {
    rank_[static_cast<size_t>(config_.action_order[i])] = static_cast<uint8_t>(i);
  }
}

SoftwareEngine::SoftwareEngine(EngineConfig config, std::unique_ptr<SignatureSet> signatures,
                               IdentityTable identities, std::optional<Policy> policy)
    : SoftwareEngine(config, Generation::make(1, std::move(signatures), std::move(identities),
                                              policy ? std::make_shared<Policy>(std::move(*policy)) : nullptr)) {}

void SoftwareEngine::adopt(std::shared_ptr<const Generation> next) {
  if (next->signatures != generation_->signatures) {
    std::unordered_map<uint64_t, uint32_t> by_sid;
    const auto& fresh = next->signatures->rules();
    for (uint32_t i = 0; i < fresh.size(); ++i) by_sid.emplace(uint64_t{fresh[i].rule.gid} << 32 | fresh[i].rule.sid, i);
    const auto& old = generation_->signatures->rules();
    flows_.for_each_flow([&](Flow& f) {
      if (f.blocked_rule == Flow::kNoRule) return;
      const rules::Rule& r = old[f.blocked_rule].rule;
      auto it = by_sid.find(uint64_t{r.gid} << 32 | r.sid);
      f.blocked_rule = it == by_sid.end() ? Flow::kNoRule : it->second;
    });
    scratch_ = std::make_unique<SignatureScratch>(*next->signatures);
  }
  generation_ = std::move(next);
}

void SoftwareEngine::process(const PacketView& packet, Verdict& v, const HardwareView* hw) {
  v.clear();
  const DecodedPacket p = decode(packet);
  if (!p.ok()) {
    v.malformed = p.malformed;
    if (config_.drop_malformed) {
      v.drop = true;
      v.reason = DropReason::kMalformed;
    }
    count(v, packet.wire_length);
    return;
  }
  if (!p.is_ip()) {  // ARP and the like: nothing to judge
    count(v, packet.wire_length);
    return;
  }
  const int64_t now = packet.timestamp_ns;
  v.ip = true;
  const bool from_hw = hw && hw->decoded;
  v.src_id = from_hw ? hw->src_id : generation_->identities->lookup(p.src, now);
  v.dst_id = from_hw ? hw->dst_id : generation_->identities->lookup(p.dst, now);

  std::optional<FlowRef> flow = flows_.track(p, packet.wire_length, now);
  Flow* f = flow ? flow->flow : nullptr;
  if (f) {
    v.has_flow = true;
    v.flow_id = f->id;
    v.direction = flow->direction;
  }

  // Policy: client identity -> server identity on the server's port, for every packet.
  const Policy* policy = generation_->policy.get();
  if (policy) {
    bool to_server = !f || flow->direction == Direction::kToServer;
    IdentityId client = to_server ? v.src_id : v.dst_id;
    IdentityId server = to_server ? v.dst_id : v.src_id;
    std::optional<uint16_t> port;
    if (p.is_tcp() || p.is_udp()) port = to_server ? p.dst_port : p.src_port;
    v.policy_checked = true;
    if (from_hw && hw->policy_known) {
      v.policy = to_server ? hw->to_server : hw->to_client;
    } else {
      v.policy = policy->judge(client, server, p.ip_proto, port, now);
    }
    if (!v.policy.allowed) {
      if (policy->mode == PolicyMode::kEnforce) {
        v.drop = true;
        v.reason = DropReason::kPolicy;
        count(v, packet.wire_length);
        return;
      }
      v.audit_would_drop = true;
    }
  }

  if (f && f->blocked_rule != Flow::kNoRule) {
    v.drop = true;
    v.reason = DropReason::kSignature;
    v.blocking_rule = f->blocked_rule;
    v.flow_was_blocked = true;
    count(v, packet.wire_length);
    return;
  }
  PacketContext ctx;
  ctx.packet = &p;
  ctx.src = p.src.value();
  ctx.dst = p.dst.value();
  ctx.payload = std::string_view(reinterpret_cast<const char*>(packet.bytes.data()) + p.payload_offset,
                                 p.payload_length);
  if (p.is_tcp() && http_.parse(ctx.payload) > 0) {
    ctx.http = &http_;
    if (f) f->app_http = true;
  }
  ctx.app_http = ctx.http || (f && f->app_http);
  ctx.has_flow = f != nullptr;
  ctx.direction = v.direction;
  ctx.established = f && f->established;
  ctx.src_id = v.src_id;
  ctx.dst_id = v.dst_id;
  generation_->signatures->match(ctx, *scratch_, hits_, hw ? &hw->signatures : nullptr);

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
    if (f) f->blocked_rule = h;
    break;
  }
  count(v, packet.wire_length);
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
