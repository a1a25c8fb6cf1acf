// dsize: the payload's length.   dsize:N; !N; <N; >N; <=N; >=N; N<>M (exclusive bounds)
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"dsize"};

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  r.dsize = rules::parse_numeric_test(o.value, o.value_offset, 65535, "dsize");
}

bool used(const rules::Rule& r) { return r.dsize.has_value(); }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  return cr.rule.dsize->test(in.packet->payload_length);
}

}  // namespace

const Keyword kDsizeKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
