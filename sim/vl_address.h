// A 128-bit address port of the RTL (the address's 16 bytes, the first in bits 127..120, as
// the parser writes and the identity and flow stages read it) in Verilator's 32-bit words.
#pragma once

#include <cstdint>

#include "packet/ip_address.h"
#include "verilated.h"

namespace picket {

inline void set_address(VlWide<4>& w, const IpAddress& a) {
  for (int j = 0; j < 4; ++j) w[j] = 0;
  for (int j = 0; j < 16; ++j) w[j / 4] |= uint32_t{a.bytes[15 - j]} << (8 * (j % 4));
}

inline IpAddress address(const VlWide<4>& w) {
  IpAddress a;
  for (int j = 0; j < 16; ++j) a.bytes[15 - j] = static_cast<uint8_t>(w[j / 4] >> (8 * (j % 4)));
  return a;
}

}  // namespace picket
