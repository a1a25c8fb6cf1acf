// The transports rules and policy statements name: `tcp`, `udp`, `icmp` (ICMP and ICMPv6), or
// any IP protocol (`ip` in rules, `any` in policy). One set for both, and one test of which
// packets each covers.
#pragma once

#include <cstdint>
#include <string_view>

#include "packet/decoder.h"

namespace picket {

enum class Transport : uint8_t { kAny, kTcp, kUdp, kIcmp };

// Whether a packet of IP protocol `ip_proto` is of transport `t`.
constexpr bool transport_matches(Transport t, uint8_t ip_proto) {
  switch (t) {
    case Transport::kAny: return true;
    case Transport::kTcp: return ip_proto == ip_proto::kTcp;
    case Transport::kUdp: return ip_proto == ip_proto::kUdp;
    case Transport::kIcmp: return ip_proto == ip_proto::kIcmp || ip_proto == ip_proto::kIcmpv6;
  }
  return false;
}

// "ip" (any), "tcp", "udp", "icmp": as rules write them.
std::string_view transport_name(Transport t);

}  // namespace picket
