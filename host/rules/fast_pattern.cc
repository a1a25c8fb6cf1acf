#include "rules/fast_pattern.h"

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>

#include "base/text.h"
#include "rules/buffers.h"
#include "rules/common_grams.h"

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
void choose_window(const Rule& rule, FastPattern& fp) {
  // strong; the surprise of the rarest 4-byte part, then the parts' summed (a window with
  // more rare parts is rarer still); width; own
  using Key = std::tuple<bool, unsigned, unsigned, size_t, bool>;
  std::optional<Key> best;
  // A literal's windows of 8 bytes (all of a shorter one: the whole can be final on the card),
  // and of 4 only when every one of those is repetitive.
  auto consider = [&](std::string_view bytes, int match, bool nocase, bool own) {
    bool strong = false;
    auto windows = [&](size_t width) {
      for (size_t at = 0; at + width <= bytes.size(); ++at) {
        const std::string_view w = bytes.substr(at, width);
        if (!card_can_file(w)) continue;
        unsigned surprise = 0, summed = 0;  // a window under 4 bytes is not looked up: it is all common
        for (size_t g = 0; g + 4 <= w.size(); ++g) {
          const unsigned part = gram_surprise(w.substr(g, 4));
          surprise = std::max(surprise, part);
          summed += part;
        }
        const Key key{!is_weak_literal(w, nocase), surprise, summed, width, own};
        strong = strong || std::get<0>(key);
        if (!best || key > *best) {  // strict: the earliest wins a tie
          best = key;
          fp.window_bytes = std::string(w);
          fp.window_match = match;
          fp.window_nocase = nocase;
        }
      }
    };
    const size_t wide = std::min<size_t>(8, bytes.size());
    windows(wide);
    if (!strong && wide > 4) windows(4);
  };
  consider(fp.bytes, fp.match, fp.nocase, true);
  if (rule.matches[fp.match].buffer != kPacketBuffer || fp.only) return;
  for (size_t i = 0; i < rule.matches.size(); ++i) {
    const Match& m = rule.matches[i];
    if (static_cast<int>(i) == fp.match || m.kind != Match::Kind::kContent || m.negated ||
        m.buffer != kPacketBuffer || m.bytes.size() < 4) {
      continue;
    }
    consider(m.bytes, static_cast<int>(i), m.nocase, false);
  }
}

}  // namespace

bool card_can_file(std::string_view window) {
  if (window.size() < 5 || window.size() > 7) return true;
  const std::string_view last = window.substr(window.size() - 5);
  return !std::all_of(last.begin(), last.end(), [&](char c) { return ascii_lower(c) == ascii_lower(last[0]); });
}

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
  choose_window(rule, fp);
  return fp;
}

}  // namespace picket::rules
