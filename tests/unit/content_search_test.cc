// The content search every candidate rule runs (detect/payload_inspection.cc): sixteen start
// positions at a time, then one by one at the window's end, with letters folded for nocase.
// Checked against a plain byte-by-byte search on random payloads over an alphabet of the
// bytes that folding could confuse ('@' and '`', '[' and '{', 'Z' and 'z', 0x00 and 0xff), at
// every length from 1 to 90 bytes, so a match at any place of either path is tried.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine_fixture.h"
#include "testing/packet_builder.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool contains(const std::string& hay, const std::string& needle, bool nocase) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && (nocase ? fold(hay[i + k]) == fold(needle[k]) : hay[i + k] == needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out = "|";
  for (unsigned char c : bytes) out += std::string{digits[c >> 4], digits[c & 15], ' '};
  out.back() = '|';
  return out;
}

TEST(ContentSearch, FindsWhatAPlainSearchFindsAtEveryPlace) {
  const std::string alphabet = std::string("aAzZ@`[{") + '\0' + '\xff';
  std::mt19937 rng(3);
  auto random_text = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  int matched = 0, checked = 0;
  for (int round = 0; round < 24; ++round) {
    const bool nocase = round % 2;
    const std::string needle = random_text(1 + rng() % 4);
    // The anchor is the rule's fast pattern; the needle is then searched after it.
    EngineUnderTest e("alert udp any any -> any any (content:\"KEYKEYKEY\"; content:\"" + hex(needle) +
                      "\"; distance:0; " + (nocase ? "nocase; " : "") + "sid:1;)\n");
    for (size_t length = 1; length <= 90; ++length) {
      const std::string hay = random_text(length);
      const auto frame = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                             .udp(static_cast<uint16_t>(1000 + length), 53).payload("KEYKEYKEY" + hay).build();
      const bool want = contains(hay, needle, nocase);
      EXPECT_EQ(e.sids(e.run(frame)).size(), want ? 1u : 0u)
          << (nocase ? "nocase " : "") << "needle " << hex(needle) << " in " << hex(hay);
      matched += want;
      ++checked;
    }
  }
  EXPECT_GT(matched, checked / 10);  // both outcomes were tried often
  EXPECT_LT(matched, checked * 9 / 10);
}

// Backtracking (detect/payload_inspection.h) answers a relative content's or a pcre's search
// again from its last one where that covers it. Checked against every placement of a chain
// of three contents, the second and third relative to the one before, with and without a
// within, and a pcre after them that is not relative (asked again for each placement).
TEST(ContentSearch, BacktrackingFindsEveryChainAPlainSearchFinds) {
  std::mt19937 rng(5);
  auto random_text = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "abc"[rng() % 3];
    return s;
  };
  auto occurs_at = [](const std::string& hay, const std::string& needle, size_t at) {
    return at + needle.size() <= hay.size() && hay.compare(at, needle.size(), needle) == 0;
  };
  int matched = 0, checked = 0;
  for (int round = 0; round < 12; ++round) {
    const std::string a = random_text(2), b = random_text(2), c = random_text(1 + round % 2);
    const size_t within = round % 3 == 0 ? 0 : 3 + rng() % 6;  // 0: none
    const std::string w = within ? " within:" + std::to_string(within) + ";" : "";
    EngineUnderTest e("alert udp any any -> any any (content:\"" + a + "\"; content:\"" + b + "\"; distance:0;" + w +
                      " content:\"" + c + "\"; distance:1;" + w + " pcre:\"/" + c + "/\"; sid:1;)\n");
    for (int n = 0; n < 60; ++n) {
      const std::string hay = random_text(8 + rng() % 40);
      bool want = false;
      for (size_t pa = 0; pa < hay.size() && !want; ++pa) {
        if (!occurs_at(hay, a, pa)) continue;
        for (size_t pb = pa + a.size(); pb < hay.size() && !want; ++pb) {
          if (!occurs_at(hay, b, pb) || (within && pb + b.size() > pa + a.size() + within)) continue;
          for (size_t pc = pb + b.size() + 1; pc < hay.size() && !want; ++pc) {
            want = occurs_at(hay, c, pc) && !(within && pc + c.size() > pb + b.size() + 1 + within);
          }
        }
      }
      const auto frame = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                             .udp(static_cast<uint16_t>(1000 + n), 53).payload(hay).build();
      EXPECT_EQ(e.sids(e.run(frame)).size(), want ? 1u : 0u) << a << " " << b << " " << c << w << " in " << hay;
      matched += want;
      ++checked;
    }
  }
  EXPECT_GT(matched, checked / 10);
  EXPECT_LT(matched, checked * 9 / 10);
}

}  // namespace
}  // namespace picket
