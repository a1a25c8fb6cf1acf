// Builds well-formed Ethernet frames layer by layer, with lengths and checksums filled in:
// the traffic generator writes the demo capture with it, and tests make their packets with it.
//
//   auto frame = PacketBuilder().vlan(10).ipv4("10.0.0.1", "10.0.0.2")
//                    .tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 1, 1)
//                    .payload("GET / HTTP/1.1\r\n\r\n").build();
//
// Methods are called outermost layer first; an unparsable address throws std::invalid_argument
// (builders take the program's own constants, never outside input).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "packet/ip_address.h"

namespace picket {

class PacketBuilder {
 public:
  PacketBuilder& vlan(uint16_t id, uint16_t tpid = 0x8100);
  PacketBuilder& ipv4(std::string_view src, std::string_view dst, uint8_t ttl = 64);
  PacketBuilder& ipv4(const IpAddress& src, const IpAddress& dst, uint8_t ttl = 64);
  PacketBuilder& ipv4_options(std::vector<uint8_t> options);  // padded to 4 bytes with EOL
  PacketBuilder& ipv4_fragment(uint16_t offset_bytes, bool more_fragments, uint16_t id = 1);
  PacketBuilder& ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit = 64);
  PacketBuilder& ipv6(const IpAddress& src, const IpAddress& dst, uint8_t hop_limit = 64);
  // An extension header (0 hop-by-hop, 43 routing, 60 destination options) of `length` bytes,
  // a multiple of 8, filled with padding options.
  PacketBuilder& ipv6_extension(uint8_t type, uint16_t length = 8);
  PacketBuilder& ipv6_fragment(uint16_t offset_bytes, bool more_fragments, uint32_t id = 1);
  PacketBuilder& tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags, uint32_t seq = 0,
                     uint32_t ack = 0, uint16_t window = 65535);
  PacketBuilder& tcp_options(std::vector<uint8_t> options);  // padded to 4 bytes with EOL
  PacketBuilder& tcp_urgent(uint16_t pointer);  // the urgent pointer; set tcp_flag::kUrg too
  PacketBuilder& udp(uint16_t src_port, uint16_t dst_port);
  // ICMP (IPv4) or ICMPv6 (IPv6) echo request or reply.
  PacketBuilder& icmp_echo(bool request, uint16_t id, uint16_t seq);
  PacketBuilder& icmp(uint8_t type, uint8_t code);
  PacketBuilder& payload(std::string_view bytes);
  PacketBuilder& payload(const std::vector<uint8_t>& bytes);

  std::vector<uint8_t> build() const;

 private:
  enum class L4 { kNone, kTcp, kUdp, kIcmp };
  struct Vlan {
    uint16_t tpid;
    uint16_t id;
  };
  struct Extension {
    uint8_t type;
    uint16_t length;
    uint16_t fragment_offset;
    bool more;
    uint32_t id;
  };

  std::vector<Vlan> vlans_;
  bool v6_ = false;
  bool has_ip_ = false;
  IpAddress src_, dst_;
  uint8_t ttl_ = 64;
  std::vector<uint8_t> ip_options_;
  uint16_t frag_offset_ = 0;
  bool more_fragments_ = false;
  uint16_t ip_id_ = 1;
  std::vector<Extension> extensions_;
  L4 l4_ = L4::kNone;
  uint16_t src_port_ = 0, dst_port_ = 0;
  uint8_t tcp_flags_ = 0;
  uint32_t seq_ = 0, ack_ = 0;
  uint16_t window_ = 0;
  uint16_t urgent_ = 0;
  std::vector<uint8_t> tcp_options_;
  uint8_t icmp_type_ = 0, icmp_code_ = 0;
  uint16_t icmp_id_ = 0, icmp_seq_ = 0;
  std::vector<uint8_t> payload_;
};

}  // namespace picket
