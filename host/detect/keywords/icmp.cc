// itype, icode: the ICMP or ICMPv6 header's type and code, as numeric tests.
//
//   itype:8;  itype:>30;  icode:0<>3;   (N, !N, <N, >N, <=N, >=N, N<>M with exclusive bounds)
//
// A packet that is not ICMP (for the rule's family) has neither, and meets neither test.
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kTypeNames[] = {"itype"};
constexpr std::string_view kCodeNames[] = {"icode"};

void parse_type(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  r.icmp_type = rules::parse_numeric_test(o.value, o.value_offset, 255, "itype");
}
void parse_code(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  r.icmp_code = rules::parse_numeric_test(o.value, o.value_offset, 255, "icode");
}

bool type_used(const rules::Rule& r) { return r.icmp_type.has_value(); }
bool code_used(const rules::Rule& r) { return r.icmp_code.has_value(); }

bool type_matches(const CompiledRule& cr, const DetectionInput& in) {
  return in.packet->is_icmp() && cr.rule.icmp_type->test(in.packet->icmp_type);
}
bool code_matches(const CompiledRule& cr, const DetectionInput& in) {
  return in.packet->is_icmp() && cr.rule.icmp_code->test(in.packet->icmp_code);
}

}  // namespace

const Keyword kIcmpTypeKeyword{kTypeNames, parse_type, type_used, type_matches, nullptr};
const Keyword kIcmpCodeKeyword{kCodeNames, parse_code, code_used, code_matches, nullptr};

}  // namespace picket
