// Target-based policies: how a receiver's IP or TCP stack resolves bytes two packets give for
// the same place depends on its operating system, so the defragmenter and the stream
// reassembler ask, per destination, which policy to follow (Suricata's host-os-policy). The
// longest configured prefix that holds the destination wins; none: the default.
//
//   --defrag-target 10.1.0.0/16=windows   --stream-target 2001:db8::/32=linux
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packet/ip_address.h"

namespace picket {

// An address prefix; `bits` count in the 128-bit space (IPv4 is IPv4-mapped: /24 is 120).
struct AddressPrefix {
  IpAddress base;
  int bits = 0;
  bool holds(const IpAddress& a) const {
    const uint128 mask = bits == 0 ? 0 : ~uint128{0} << (128 - bits);
    return (a.value() & mask) == base.value();
  }
};

// "10.0.0.0/8", "2001:db8::/32" or one address; nullopt and `error` when it is not.
std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string& error);

// The policy `name` names, its place in `names` (listed in the enumeration's order).
template <class Policy, size_t N>
std::optional<Policy> policy_named(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Policy>(i);
  }
  return std::nullopt;
}

template <class Policy>
struct PolicyTarget {
  AddressPrefix prefix;
  Policy policy{};
};

template <class Policy>
Policy policy_for(const IpAddress& dst, Policy fallback, const std::vector<PolicyTarget<Policy>>& targets) {
  int best = -1;
  for (const PolicyTarget<Policy>& t : targets) {
    if (t.prefix.bits > best && t.prefix.holds(dst)) {
      best = t.prefix.bits;
      fallback = t.policy;
    }
  }
  return fallback;
}

// "PREFIX=NAME", NAME read by `parse_policy` (a function of std::string_view giving an
// optional policy); `names` lists the policies for the error.
template <class Policy, class Parse>
std::optional<PolicyTarget<Policy>> parse_policy_target(std::string_view text, Parse parse_policy,
                                                        std::string_view names, std::string& error) {
  const size_t eq = text.rfind('=');
  if (eq == std::string_view::npos) {
    error = "expected PREFIX=POLICY, e.g. 10.0.0.0/8=linux";
    return std::nullopt;
  }
  std::optional<Policy> policy = parse_policy(text.substr(eq + 1));
  if (!policy) {
    error = "unknown overlap policy (" + std::string(names) + ")";
    return std::nullopt;
  }
  std::optional<AddressPrefix> prefix = parse_address_prefix(text.substr(0, eq), error);
  if (!prefix) return std::nullopt;
  return PolicyTarget<Policy>{*prefix, *policy};
}

}  // namespace picket
