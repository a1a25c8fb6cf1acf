// IP fragments cut from a whole frame, as an attacker or a small-MTU path sends them: each
// piece is the fragment's data at its offset into the IP payload (from the transport header
// on), and may say other bytes than the whole, to build overlaps that disagree.
//
//   auto whole = PacketBuilder().ipv4(...).tcp(...).payload("GET /etc/passwd").build();
//   Frame a = ipv4_fragment_of(whole, {0, ip_payload(whole).substr(0, 24), true}, 7);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace picket::testing_support {

struct FragmentPiece {
  uint32_t offset = 0;  // bytes into the IP payload; a multiple of 8
  std::string bytes;
  bool more = true;     // more fragments follow (M)
};

// The whole frame's IP payload: its transport header and data.
std::string ip_payload(const std::vector<uint8_t>& whole);

// The whole frame's link and IPv4 header, with `piece` as its data: offset, M, total length
// and header checksum set.
std::vector<uint8_t> ipv4_fragment_of(const std::vector<uint8_t>& whole, const FragmentPiece& piece, uint16_t id);

// The whole frame's link and IPv6 base header (no extensions), a fragment header, and `piece`.
std::vector<uint8_t> ipv6_fragment_of(const std::vector<uint8_t>& whole, const FragmentPiece& piece, uint32_t id);

// The whole frame cut in pieces of `size` bytes (a multiple of 8), in order.
std::vector<std::vector<uint8_t>> fragments_of(const std::vector<uint8_t>& whole, uint32_t size, uint32_t id);

}  // namespace picket::testing_support
