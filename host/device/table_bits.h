// Bit fields of table entries and result records (hw/register_map.json), and the hardware's
// hashes, on the host. An entry is a run of 32-bit words; word 0 holds bits 31..0.
#pragma once

#include <cstdint>
#include <span>

#include "packet/ip_address.h"
#include "register_map.h"

namespace picket::hw {

inline void set_field(std::span<uint32_t> words, Field f, uint64_t value) {
  for (unsigned i = 0; i < f.width; ++i) {
    unsigned bit = f.lsb + i;
    uint32_t mask = 1u << (bit % 32);
    if ((value >> i) & 1) {
      words[bit / 32] |= mask;
    } else {
      words[bit / 32] &= ~mask;
    }
  }
}

// A field of up to 128 bits (addresses).
inline void set_field128(std::span<uint32_t> words, Field f, uint128 value) {
  set_field(words, {f.lsb, 64}, static_cast<uint64_t>(value));
  set_field(words, {f.lsb + 64, f.width - 64}, static_cast<uint64_t>(value >> 64));
}

inline uint64_t get_field(std::span<const uint32_t> words, Field f) {
  uint64_t v = 0;
  for (unsigned i = 0; i < f.width && i < 64; ++i) {
    unsigned bit = f.lsb + i;
    v |= static_cast<uint64_t>((words[bit / 32] >> (bit % 32)) & 1) << i;
  }
  return v;
}

// H3: output bit j is the parity of (input AND column j).
template <size_t Words, size_t Bits>
uint64_t h3(const std::array<std::array<uint64_t, Words>, Bits>& columns, const std::array<uint64_t, Words>& in) {
  static_assert(Bits <= 64);
  uint64_t h = 0;
  for (size_t j = 0; j < Bits; ++j) {
    uint64_t x = 0;
    for (size_t w = 0; w < Words; ++w) x ^= in[w] & columns[j][w];
    h |= static_cast<uint64_t>(__builtin_parityll(x)) << j;
  }
  return h;
}

inline uint32_t identity_a_hash(uint128 address) {
  return static_cast<uint32_t>(
      h3(kIdentityAHashColumns, {static_cast<uint64_t>(address), static_cast<uint64_t>(address >> 64)}));
}
inline uint32_t identity_b_hash(uint128 address) {
  return static_cast<uint32_t>(
      h3(kIdentityBHashColumns, {static_cast<uint64_t>(address), static_cast<uint64_t>(address >> 64)}));
}
// The address pair slot of hw/flow_table.sv: the lower address in the low 128 input bits.
inline uint32_t flow_pair_hash(uint128 a, uint128 b) {
  const uint128 lo = a < b ? a : b, hi = a < b ? b : a;
  return static_cast<uint32_t>(h3(kFlowPairHashColumns, {static_cast<uint64_t>(lo), static_cast<uint64_t>(lo >> 64),
                                                         static_cast<uint64_t>(hi), static_cast<uint64_t>(hi >> 64)}));
}
// Over case-folded bytes, the first byte in bits 7..0: a literal's slot in its table, and
// the bits of its bucket's filter, bitmap i's at literal_filter_bit(filter hash, i).
inline uint32_t literal_4_hash(uint32_t folded) { return static_cast<uint32_t>(h3(kLiteral4HashColumns, {folded})); }
inline uint32_t literal_8_hash(uint64_t folded) { return static_cast<uint32_t>(h3(kLiteral8HashColumns, {folded})); }
inline uint64_t literal_4_filter_hash(uint32_t folded) { return h3(kLiteral4FilterHashColumns, {folded}); }
inline uint64_t literal_8_filter_hash(uint64_t folded) { return h3(kLiteral8FilterHashColumns, {folded}); }
// Bit number of bitmap i's bit in the LITERAL_BITMAP_4/8 table (words of 32 bits, bitmap i
// from word i * 2^(bits - 5)).
inline uint32_t literal_filter_bit(uint64_t filter_hash, unsigned i) {
  const uint32_t in_bitmap = static_cast<uint32_t>(filter_hash >> (i * kLiteralFilterBits)) & ((1u << kLiteralFilterBits) - 1);
  return (i << kLiteralFilterBits) | in_bitmap;
}

}  // namespace picket::hw
