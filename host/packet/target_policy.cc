#include "packet/target_policy.h"

#include <algorithm>

namespace picket {

std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string& error) {
  const size_t slash = text.find('/');
  std::optional<IpAddress> ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) {
    error = "not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  const int family_bits = ip->is_v4() ? 32 : 128;
  int bits = family_bits;
  if (slash != std::string_view::npos) {
    std::string_view n = text.substr(slash + 1);
    if (n.empty() || n.size() > 3 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(n)) > family_bits) {
      error = "a prefix length of 0 to " + std::to_string(family_bits);
      return std::nullopt;
    }
    bits = std::stoi(std::string(n));
  }
  AddressPrefix p;
  p.bits = ip->is_v4() ? kV4MappedPrefixBits + bits : bits;
  const uint128 mask = p.bits == 0 ? 0 : ~uint128{0} << (128 - p.bits);
  p.base = IpAddress::from_value(ip->value() & mask);
  return p;
}

}  // namespace picket
