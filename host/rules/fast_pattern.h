// The choice of each rule's fast pattern: the one literal an engine's prefilter searches for,
// so that a rule is evaluated only where its literal occurs. The choice is made once, by the
// rule compiler, and every engine (software and hardware) uses the same one.
//
// Candidates are the rule's non-negated contents. The author's `fast_pattern` wins. Otherwise
// the longest literal that is not weak wins, more distinct bytes breaking ties, then the
// earliest. A literal is weak when it is shorter than 3 bytes or one byte value fills more
// than half of it ("|00 00 00 00|", "aaaa"): such literals occur in most traffic and would
// make nearly every packet a candidate.
#pragma once

#include <optional>
#include <string_view>

#include "rules/rule.h"

namespace picket::rules {

std::optional<FastPattern> choose_fast_pattern(const Rule& rule);

// Whether `literal` (compared case-insensitively when `nocase`) is weak, as above.
bool is_weak_literal(std::string_view literal, bool nocase);

}  // namespace picket::rules
