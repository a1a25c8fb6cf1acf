#include "rules/fast_pattern.h"

#include <array>
#include <tuple>

#include "base/text.h"

namespace picket::rules {
namespace {

uint8_t fold(uint8_t c, bool nocase) { return nocase ? ascii_lower(c) : c; }

int distinct_bytes(std::string_view s, bool nocase) {
  std::array<bool, 256> seen{};
  int n = 0;
  for (char c : s) {
    uint8_t b = fold(static_cast<uint8_t>(c), nocase);
    if (!seen[b]) ++n;
    seen[b] = true;
  }
  return n;
}

std::string_view chopped(const Match& m) {
  std::string_view s = m.bytes;
  if (m.fast_pattern_chop_length) return s.substr(m.fast_pattern_chop_offset.value_or(0), *m.fast_pattern_chop_length);
  return s;
}

}  // namespace

namespace {

// The hardware window, as fast_pattern.h says.
void choose_window(FastPattern& fp) {
  const std::string_view bytes = fp.bytes;
  auto take = [&](size_t at, size_t width) {
    fp.window_offset = static_cast<uint16_t>(at);
    fp.window_length = static_cast<uint16_t>(std::min(width, bytes.size() - at));
  };
  take(0, 8);
  if (!is_weak_literal(bytes.substr(0, 8), fp.nocase)) return;
  for (size_t width : {size_t{8}, size_t{4}}) {
    for (size_t at = 0; at + width <= bytes.size(); ++at) {
      if (!is_weak_literal(bytes.substr(at, width), fp.nocase)) return take(at, width);
    }
  }
}

}  // namespace

bool is_weak_literal(std::string_view literal, bool nocase) {
  if (literal.size() < 3) return true;
  std::array<size_t, 256> count{};
  size_t most = 0;
  for (char c : literal) most = std::max(most, ++count[fold(static_cast<uint8_t>(c), nocase)]);
  return most * 2 > literal.size();
}

std::optional<FastPattern> choose_fast_pattern(const Rule& rule) {
  int best = -1;
  std::tuple<bool, bool, size_t, int> best_key{};
  for (size_t i = 0; i < rule.matches.size(); ++i) {
    const Match& m = rule.matches[i];
    if (m.kind != Match::Kind::kContent || m.negated) continue;
    std::string_view lit = chopped(m);
    std::tuple<bool, bool, size_t, int> key{m.fast_pattern, !is_weak_literal(lit, m.nocase), lit.size(),
                                            distinct_bytes(lit, m.nocase)};
    if (best < 0 || key > best_key) {  // strict: the earliest wins a tie
      best = static_cast<int>(i);
      best_key = key;
    }
  }
  if (best < 0) return std::nullopt;
  const Match& m = rule.matches[best];
  FastPattern fp;
  fp.match = best;
  fp.bytes = std::string(chopped(m));
  fp.nocase = m.nocase;
  fp.only = m.fast_pattern_only;
  fp.weak = is_weak_literal(fp.bytes, m.nocase);
  choose_window(fp);
  return fp;
}

}  // namespace picket::rules
