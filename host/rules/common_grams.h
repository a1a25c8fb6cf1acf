// How common a 4-byte string is in real traffic, for choosing the hardware literal of a rule
// (rules/fast_pattern.h): a window of a pattern occurs at most as often as the rarest of its
// 4-byte parts, so the window whose rarest part is rarest hands the fewest frames to the host.
//
// The rates were measured on the corpus captures (the zeek and nDPI pcaps, 60 million byte
// positions of Ethernet frames, case folded) with `picket-pipeline-bench --common-grams 4096`,
// which prints host/rules/common_grams.cc: the 4,096 commonest strings, each with its share of
// all positions as a surprise (-log2 of the share, in quarter bits). A string not listed is
// rarer than the rarest listed (16.5 bits: once in about 90,000 positions).
#pragma once

#include <cstdint>
#include <string_view>

namespace picket::rules {

// The surprise of the case-folded 4 bytes at `gram`, in quarter bits: 19 for four zero bytes
// (one position in 27), kRareGram for a string not among the commonest.
unsigned gram_surprise(std::string_view gram);

constexpr unsigned kRareGram = 68;

// Whether `literal` (4 bytes or more) is rare in real traffic though it may be repetitive, as
// 32 slashes are and runs of zeros or of "A" are not: some 4-byte part of it is rarer than one
// position in 4,096. A prefilter can search for it without hitting nearly everywhere.
bool rare_in_traffic(std::string_view literal);

}  // namespace picket::rules
