// libFuzzer target: the rule parser, the rule-file loader and the variables parser on
// arbitrary text. Every input must end as a rule set or as diagnostics, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/rule_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 20000) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const picket::rules::Variables kDefaults = picket::rules::Variables::defaults();

  picket::rules::RuleLoader loader(kDefaults);
  loader.add_text(text, "fuzz.rules");
  picket::rules::RuleSet set = loader.finish();
  const auto& r = set.report;
  if (r.accepted + r.skipped + r.errors != r.rules_read) __builtin_trap();  // every rule accounted for
  if (r.accepted != set.rules.size()) __builtin_trap();
  for (const auto& rule : set.rules) {
    if (rule.sid == 0) __builtin_trap();
    if (rule.fast_pattern && (rule.fast_pattern->match < 0 ||
                              static_cast<size_t>(rule.fast_pattern->match) >= rule.matches.size())) {
      __builtin_trap();
    }
  }

  picket::rules::Variables vars;
  std::vector<picket::Diagnostic> errors;
  vars.parse(text, "fuzz.vars", errors);
  return 0;
}
