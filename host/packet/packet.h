// A packet as it arrives from a capture or a port: its bytes, where it came from and when.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace picket {

// Link-layer framing of a packet's first byte, numbered as libpcap's LINKTYPE_* values.
enum class LinkType : uint16_t {
  kNull = 0,         // BSD loopback: 4-byte host-order address family
  kEthernet = 1,
  kRaw = 101,        // raw IPv4 or IPv6, version from the first nibble
  kLinuxSll = 113,   // Linux "cooked" capture, 16-byte header
  kIpv4 = 228,
  kIpv6 = 229,
};

struct Packet {
  std::vector<uint8_t> bytes;  // the captured bytes (may be fewer than wire_length)
  uint32_t wire_length = 0;    // length on the wire
  int64_t timestamp_ns = 0;    // since the Unix epoch
  uint64_t index = 0;          // 1-based position in its capture (suricata's pcap_cnt)
  LinkType link_type = LinkType::kEthernet;
};

// A packet read where its bytes lie: in a Packet, or in a buffer a port owns (an mbuf), so the
// inline datapath judges frames without copying them. The decoder, the engine and the records
// take this; a Packet is one implicitly.
struct PacketView {
  std::span<const uint8_t> bytes;
  uint32_t wire_length = 0;
  int64_t timestamp_ns = 0;
  uint64_t index = 0;
  LinkType link_type = LinkType::kEthernet;

  PacketView() = default;
  PacketView(const Packet& p)  // NOLINT(google-explicit-constructor): read in place
      : bytes(p.bytes), wire_length(p.wire_length), timestamp_ns(p.timestamp_ns), index(p.index),
        link_type(p.link_type) {}
};

}  // namespace picket
