// Decoding of the values rule options carry: quoted strings, content strings with their
// |hex| runs and escapes, pcre's /expression/flags, numbers. Each throws ParseError with the
// offset (in the rule text) of the byte that is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/text.h"
#include "rules/rule.h"

namespace picket::rules {

struct QuotedValue {
  bool negated = false;      // a '!' before the opening quote
  std::string_view inner;    // between the quotes, escapes not yet decoded
  size_t inner_offset = 0;   // of inner's first byte
  std::string_view rest;     // after the closing quote (Snort 3: ",nocase,depth 4")
  size_t rest_offset = 0;
};

// `value` stands at `offset` in the rule text. With `allow_negation`, a leading '!' is taken.
// The value runs from the first '"' to the last.
QuotedValue split_quoted(std::string_view value, size_t offset, bool allow_negation);

// A content string: "abc|0d 0a|\"x" -> the bytes it means.
std::string decode_content(std::string_view inner, size_t offset);

// A quoted string with \" \\ \; \: escapes (msg, src_identity, ...). Unquoted text is taken as is.
std::string decode_text(std::string_view value, size_t offset);

// pcre:"/expression/flags": fills the pcre fields of `m` (and m.buffer for HTTP flags),
// and checks the expression compiles with PCRE2.
void decode_pcre(std::string_view inner, size_t offset, Match& m);

// The PCRE2 compile options a pcre match's flags ask for; the parser's check and the
// engine's compile both use them.
uint32_t pcre2_compile_options(const Match& m);

int64_t parse_integer(std::string_view text, size_t offset, int64_t min, int64_t max,
                      std::string_view what);

// A numeric test of dsize, itype, icode: N, =N, !N, <N, >N, <=N, >=N, N<>M (exclusive bounds),
// each number from 0 to `max`.
NumericTest parse_numeric_test(std::string_view text, size_t offset, uint32_t max, std::string_view what);

}  // namespace picket::rules
