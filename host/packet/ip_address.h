// An IPv4 or IPv6 address in one 16-byte form, so every table and rule handles both families
// with one code path. IPv4 addresses are stored IPv4-mapped (RFC 4291 2.5.5.2):
//
//   bytes:  0 .................... 9  10   11   12  13  14  15
//           00 00 00 00 00 00 00 00 00 00  ff   ff   a   b   c   d     (a.b.c.d)
//
// value() reads the bytes as one big-endian 128-bit number, which orders addresses the way
// CIDR ranges need.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

__extension__ typedef unsigned __int128 uint128;  // GCC and clang both have it

struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  static IpAddress from_v4(uint32_t host_order);
  static IpAddress from_v6(const uint8_t* network_order);
  static IpAddress from_value(uint128 value);
  // Dotted quad or RFC 5952 text; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const;
  uint32_t v4() const;  // host order; only meaningful when is_v4()
  uint128 value() const;
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
};

// The prefix length of an IPv4 prefix in the 128-bit space: /n over IPv4 is /(96+n).
constexpr int kV4MappedPrefixBits = 96;

}  // namespace picket
