// The answer a reject rule sends back to a dropped packet's sender, built from the offending
// frame itself so that it reaches the sender on the link the frame came in on:
//
//   link header   Ethernet: the frame's own, source and destination MACs swapped, its VLAN
//                 tags (TPID and TCI) kept; Linux cooked: its own, packet type "outgoing";
//                 BSD loopback: its own; raw IP: none. The answer is in the frame's link type.
//   IP            a fresh IPv4 (20 bytes) or IPv6 (40 bytes) header, addresses swapped, TTL 64
//   transport     TCP: a RST (RFC 9293 3.10.7.1: the sequence number the sender expects next,
//                 or RST+ACK of the segment when it carried no ACK);
//                 anything else: ICMP port unreachable (type 3 code 3; ICMPv6 type 1 code 4)
//                 quoting the offending IP header and the first 8 bytes after it
//
// Checksums are filled in. A packet with no IP (or a malformed one) gets no answer: empty.
#pragma once

#include <cstdint>
#include <vector>

#include "packet/decoder.h"
#include "packet/packet.h"

namespace picket {

std::vector<uint8_t> build_reject(const PacketView& packet, const DecodedPacket& d);

}  // namespace picket
