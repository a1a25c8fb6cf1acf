#include "base/text.h"
#include "detect/keywords/keyword.h"
#include "rules/header_values.h"
#include "rules/option_values.h"

namespace picket {

void RuleOption::fail(size_t at, std::string message) const { throw ParseError(at, std::move(message)); }

void RuleOption::unsupported(size_t at, std::string message, std::string reason) const {
  throw rules::UnsupportedRule(at, std::move(message), std::move(reason));
}

void RuleOption::need_value() const {
  if (!has_value || trim(value).empty()) fail(keyword_offset, quote(keyword) + " needs a value");
}

void RuleOption::no_value() const {
  if (has_value && !trim(value).empty()) fail(value_offset, quote(keyword) + " takes no value");
}

int64_t RuleOption::integer(int64_t min, int64_t max) const {
  need_value();
  return rules::parse_integer(value, value_offset, min, max, keyword);
}

}  // namespace picket
