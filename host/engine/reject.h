// The answer a reject rule sends back to a dropped packet's sender: a TCP RST for TCP, an
// ICMP (or ICMPv6) port unreachable carrying the offending packet's IP header and first 8
// payload bytes for everything else, with VLAN tags kept.
#pragma once

#include <cstdint>
#include <vector>

#include "packet/decoder.h"
#include "packet/packet.h"

namespace picket {

std::vector<uint8_t> build_reject(const PacketView& packet, const DecodedPacket& d);

}  // namespace picket
