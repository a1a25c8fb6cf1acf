// The choice of each rule's fast pattern: the one literal an engine's prefilter searches for,
// so that a rule is evaluated only where its literal occurs. The choice is made once, when the
// rule is parsed, and every engine uses the same one: Hyperscan searches for all of it, the
// card's literal tables for its hardware window.
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

// The hardware window: the window of 4 or 8 bytes (all of a shorter literal) that the card
// files the rule by. Its candidates are the fast pattern's windows and, when the fast pattern is
// in the packet's payload, those of the rule's other payload contents of 4 bytes or more (not
// negated): the payload of any packet the rule matches alone carries them all. The choice
// prefers, in turn: a window that is not repetitive (|00 00 00 00| hits nearly everywhere, and
// too many hits in a beat send the frame to the host); the rarest in real traffic, by the
// rarest of its 4-byte parts (rules/common_grams.h), then by all its parts' surprise summed
// (of two windows whose rarest parts are alike, the one with more rare parts: "Server: Ocelot"
// before "HTTP/1.1 2"); the longer; the fast pattern's own; the
// earliest. When every window is repetitive one is taken all the same: measured on the zeek and
// nDPI captures under ET Open, its hits punt fewer packets than leaving the rule on the host,
// which punts every packet on its ports.
//
// Whether the card can file `window` (hw/literal_prefilter.sv): any of 4 or 8 bytes, and one
// of 5 to 7 whose last 5 bytes are not one value, case-folded (a case-sensitive window may
// share its slot with a nocase one), since the card looks for none where such 5 bytes end
// inside a run.
bool card_can_file(std::string_view window);

// Whether `literal` (compared case-insensitively when `nocase`) is weak, as above.
bool is_weak_literal(std::string_view literal, bool nocase);

}  // namespace picket::rules
