#include "device/device.h"

#include "device/table_bits.h"

namespace picket {

DeviceResult DeviceResult::decode(std::span<const uint32_t, hw::result::kWords> w) {
  namespace r = hw::result;
  DeviceResult d;
  d.verdict = static_cast<hw::Verdict>(hw::get_field(w, r::kVerdict));
  d.reason = static_cast<hw::Reason>(hw::get_field(w, r::kReason));
  d.malformed = static_cast<uint8_t>(hw::get_field(w, r::kMalformed));
  d.host_decode = hw::get_field(w, r::kHostDecode);
  d.ip = hw::get_field(w, r::kIp);
  d.bank = static_cast<uint8_t>(hw::get_field(w, r::kBank));
  d.src_id = static_cast<uint16_t>(hw::get_field(w, r::kSrcId));
  d.dst_id = static_cast<uint16_t>(hw::get_field(w, r::kDstId));
  d.fwd_allow = hw::get_field(w, r::kFwdAllow);
  d.fwd_statement = static_cast<uint16_t>(hw::get_field(w, r::kFwdStatement));
  d.rev_allow = hw::get_field(w, r::kRevAllow);
  d.rev_statement = static_cast<uint16_t>(hw::get_field(w, r::kRevStatement));
  d.punt_policy = hw::get_field(w, r::kPuntPolicy);
  d.punt_rules = hw::get_field(w, r::kPuntRules);
  d.hit_overflow = hw::get_field(w, r::kHitOverflow);
  d.rule_valid = hw::get_field(w, r::kRuleValid);
  d.rule = static_cast<uint16_t>(hw::get_field(w, r::kRule));
  d.flow_state = static_cast<hw::FlowState>(hw::get_field(w, r::kFlowState));
  d.to_server = hw::get_field(w, r::kToServer);
  d.client_proven = hw::get_field(w, r::kClientProven);
  d.no_http = hw::get_field(w, r::kNoHttp);
  d.punt_http = hw::get_field(w, r::kPuntHttp);
  d.anchored = hw::get_field(w, r::kAnchored);
  d.short_literal = hw::get_field(w, r::kShortLiteral);
  uint64_t valid = hw::get_field(w, r::kHitValid), final = hw::get_field(w, r::kHitFinal);
  for (unsigned i = 0; i < hw::kFrameHits; ++i) {
    d.hits[i].valid = (valid >> i) & 1;
    d.hits[i].final = (final >> i) & 1;
    d.hits[i].literal = static_cast<uint16_t>(hw::get_field(w, {r::kHitLiteral.lsb + 16 * i, 16}));
  }
  return d;
}

}  // namespace picket
