// dsize: the payload's length.   dsize:N; !N; <N; >N; <=N; >=N; N<>M (exclusive bounds)
#include "base/text.h"
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"dsize"};

void parse(const RuleOption& o, rules::Rule& r) {
  using rules::NumericTest;
  o.need_value();
  std::string_view v = trim(o.value);
  size_t at = o.value_offset + static_cast<size_t>(v.data() - o.value.data());
  NumericTest t;
  auto num = [&](std::string_view s, size_t off) {
    return static_cast<uint32_t>(rules::parse_integer(s, off, 0, 65535, "dsize"));
  };
  if (size_t between = v.find("<>"); between != std::string_view::npos) {
    t.op = NumericTest::Op::kBetween;
    t.a = num(v.substr(0, between), at);
    t.b = num(v.substr(between + 2), at + between + 2);
    if (t.b <= t.a) o.fail(at, "dsize range MIN<>MAX needs MIN below MAX");
  } else if (v.starts_with("<=")) {
    t.op = NumericTest::Op::kLe, t.a = num(v.substr(2), at + 2);
  } else if (v.starts_with(">=")) {
    t.op = NumericTest::Op::kGe, t.a = num(v.substr(2), at + 2);
  } else if (v.starts_with("<")) {
    t.op = NumericTest::Op::kLt, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with(">")) {
    t.op = NumericTest::Op::kGt, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with("!")) {
    t.op = NumericTest::Op::kNe, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with("=")) {
    t.a = num(v.substr(1), at + 1);
  } else {
    t.a = num(v, at);
  }
  r.dsize = t;
}

bool used(const rules::Rule& r) { return r.dsize.has_value(); }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  return cr.rule.dsize->test(in.packet->payload_length);
}

}  // namespace

const Keyword kDsizeKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
