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
uint32_t h3(const std::array<std::array<uint64_t, Words>, Bits>& columns, const std::array<uint64_t, Words>& in) {
  uint32_t h = 0;
  for (size_t j = 0; j < Bits; ++j) {
    uint64_t x = 0;
    for (size_t w = 0; w < Words; ++w) x ^= in[w] & columns[j][w];
    h |= static_cast<uint32_t>(__builtin_parityll(x)) << j;
  }
  return h;
}

inline uint32_t identity_a_hash(uint128 address) {
  return h3(kIdentityAHashColumns, {static_cast<uint64_t>(address), static_cast<uint64_t>(address >> 64)});
}
inline uint32_t identity_b_hash(uint128 address) {
  return h3(kIdentityBHashColumns, {static_cast<uint64_t>(address), static_cast<uint64_t>(address >> 64)});
}
// The address pair slot of hw/flow_table.sv: the lower address in the low 128 input bits.
inline uint32_t flow_pair_hash(uint128 a, uint128 b) {
  const uint128 lo = a < b ? a : b, hi = a < b ? b : a;
  return h3(kFlowPairHashColumns, {static_cast<uint64_t>(lo), static_cast<uint64_t>(lo >> 64),
                                   static_cast<uint64_t>(hi), static_cast<uint64_t>(hi >> 64)});
}
// Over case-folded bytes, the first byte in bits 7..0.
inline uint32_t literal_4_hash(uint32_t folded) { return h3(kLiteral4HashColumns, {folded}); }
inline uint32_t literal_8_hash(uint64_t folded) { return h3(kLiteral8HashColumns, {folded}); }

}  // namespace picket::hw
