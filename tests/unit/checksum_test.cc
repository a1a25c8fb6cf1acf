// The Internet checksum (packet/checksum.h) that validates every packet and writes every
// generated one: RFC 1071's worked example, and random buffers of every length from 0 to 80
// bytes at every alignment against a sum of big-endian words done byte by byte, split into
// parts as the pseudo-header sums are, and long buffers up to 65,535 bytes.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "packet/checksum.h"

namespace picket {
namespace {

uint16_t reference(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) sum += uint32_t{b[i]} << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(Checksum, GivesRfc1071sExample) {
  const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_finish(checksum_add(bytes, sizeof bytes)), 0x220d);  // the sum is 0xddf2
}

TEST(Checksum, AgreesWithAWordByWordSumAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> storage(100);
  for (size_t length = 0; length <= 80; ++length) {
    for (size_t align = 0; align < 8; ++align) {
      for (auto& b : storage) b = static_cast<uint8_t>(rng() % 4 == 0 ? 0xff : rng());
      const std::vector<uint8_t> bytes(storage.begin() + align, storage.begin() + align + length);
      const uint8_t* at = storage.data() + align;
      EXPECT_EQ(checksum_finish(checksum_add(at, length)), reference(bytes)) << length << " bytes at +" << align;
      const size_t split = (length / 2) & ~size_t{1};  // parts start on a word, as callers add them
      EXPECT_EQ(checksum_finish(checksum_add(at + split, length - split, checksum_add(at, split))), reference(bytes));
    }
  }
}

// Frame-sized and jumbo buffers, all ones (every add carries) and random.
TEST(Checksum, AgreesOnLongBuffersWhereEveryAddCarries) {
  std::mt19937 rng(11);
  for (size_t length : {1499u, 1500u, 4096u, 9001u, 65535u}) {
    for (bool ones : {true, false}) {
      std::vector<uint8_t> bytes(length);
      for (auto& b : bytes) b = ones ? 0xff : static_cast<uint8_t>(rng());
      EXPECT_EQ(checksum_finish(checksum_add(bytes.data(), length)), reference(bytes)) << length << (ones ? " ones" : "");
    }
  }
  // Three little-endian 64-bit words summing to 2^65 - 1: a sum folded from wider words
  // must carry out once more.
  std::vector<uint8_t> carry(16, 0xff);
  for (uint8_t b : {1, 0, 0, 0, 0, 0, 0, 0}) carry.push_back(b);
  EXPECT_EQ(checksum_finish(checksum_add(carry.data(), carry.size())), reference(carry));
}

}  // namespace
}  // namespace picket
