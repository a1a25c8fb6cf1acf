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

}  // namespace
}  // namespace picket
