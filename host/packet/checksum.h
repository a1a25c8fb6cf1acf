// The Internet checksum (RFC 1071) of IPv4 headers and of TCP, UDP and ICMPv6 segments over
// their pseudo-header (RFC 9293 3.1, RFC 768, RFC 8200 8.1). One implementation for whatever
// writes packets: the traffic generator, the tests' builders, reject answers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/ip_address.h"

namespace picket {

// The ones'-complement sum of `n` bytes, big-endian 16-bit words, continued from `sum`
// (unfolded: add further parts before finishing it).
uint32_t checksum_add(const uint8_t* bytes, size_t n, uint32_t sum = 0);
// The checksum field's value for a running sum: folded to 16 bits and complemented.
uint16_t checksum_finish(uint32_t sum);

// The checksum field of a transport segment of `length` bytes at `segment` (its own checksum
// field zero), carried in IPv4 or IPv6 between `src` and `dst` with protocol `proto`.
// ICMP over IPv4 has no pseudo-header: `with_pseudo_header` false. UDP's 0 is sent as 0xffff.
uint16_t transport_checksum(const IpAddress& src, const IpAddress& dst, bool ipv6, uint8_t proto,
                            const uint8_t* segment, size_t length, bool with_pseudo_header = true);

struct DecodedPacket;

// Whether the checksums of a decoded IP packet hold, as its receiver checks them: the IPv4
// header's, and the TCP or UDP segment's (not for fragments; a UDP checksum of 0 over IPv4 is
// none). A packet the capture cut short, so its segment is not all there, passes.
bool checksums_hold(const uint8_t* frame, uint32_t captured, const DecodedPacket& p);

}  // namespace picket
