// One frame per malformed reason: a valid packet, damaged in one place. The decoder tests and
// the RTL parser tests both run every case, so both give each reason for the same bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "packet/decoder.h"
#include "testing/packet_builder.h"

namespace picket::testing_support {

using Bytes = std::vector<uint8_t>;

struct MalformedCase {
  const char* name;
  Malformed want;
  Bytes (*make)();
};

namespace malformed_detail {
constexpr size_t kEth = 14;
constexpr size_t kIp4 = kEth;
constexpr size_t kTcp4 = kIp4 + 20;
inline Bytes tcp4(std::string_view payload = "hello") {
  return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 7, 9)
      .payload(payload).build();
}
inline Bytes with(Bytes b, size_t at, uint8_t v) {
  b.at(at) = v;
  return b;
}

inline const MalformedCase kMalformedCases[] = {
    {"short ethernet", Malformed::kLinkTruncated, [] { return Bytes(10, 0); }},
    {"vlan cut", Malformed::kVlanTruncated, [] { Bytes b(14, 0); b[12] = 0x81; b[13] = 0x00; b.push_back(0); return b; }},
    {"three vlan tags", Malformed::kVlanTooMany,
     [] { return PacketBuilder().vlan(1).vlan(2).vlan(3).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(); }},
    {"ipv4 short", Malformed::kIpv4Truncated, [] { Bytes b = tcp4(); b.resize(kIp4 + 12); return b; }},
    {"ipv4 version", Malformed::kIpv4BadVersion, [] { return with(tcp4(), kIp4, 0x55); }},
    {"ipv4 ihl", Malformed::kIpv4BadIhl, [] { return with(tcp4(), kIp4, 0x44); }},
    {"ipv4 total below header", Malformed::kIpv4BadTotalLength, [] { return with(with(tcp4(), kIp4 + 2, 0), kIp4 + 3, 10); }},
    {"ipv4 total past frame", Malformed::kIpv4BadTotalLength, [] { return with(tcp4(), kIp4 + 2, 0x10); }},
    {"ipv4 option overrun", Malformed::kIpv4BadOption,
     [] { Bytes b = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").ipv4_options({7, 9, 0, 0}).udp(1, 2).build(); return b; }},
    {"ipv6 short", Malformed::kIpv6Truncated, [] { Bytes b = PacketBuilder().ipv6("::1", "::2").udp(1, 2).build(); b.resize(kEth + 30); return b; }},
    {"ipv6 version", Malformed::kIpv6BadVersion, [] { return with(PacketBuilder().ipv6("::1", "::2").udp(1, 2).build(), kEth, 0x45); }},
    {"ipv6 payload length", Malformed::kIpv6BadPayloadLength, [] { return with(PacketBuilder().ipv6("::1", "::2").udp(1, 2).build(), kEth + 4, 0x10); }},
    {"ipv6 extension overrun", Malformed::kIpv6ExtensionTruncated,
     [] { return with(PacketBuilder().ipv6("::1", "::2").ipv6_extension(60).udp(1, 2).build(), kEth + 41, 5); }},
    {"ipv6 too many extensions", Malformed::kIpv6TooManyExtensions,
     [] { PacketBuilder b; b.ipv6("::1", "::2"); for (int i = 0; i < 9; ++i) b.ipv6_extension(60); return b.udp(1, 2).build(); }},
    {"tcp short", Malformed::kTcpTruncated,
     [] { Bytes b = tcp4(""); b.resize(kTcp4 + 10); b[kIp4 + 3] = 30; return b; }},
    {"tcp offset below 5", Malformed::kTcpBadOffset, [] { return with(tcp4(), kTcp4 + 12, 0x40); }},
    {"tcp offset past segment", Malformed::kTcpBadOffset, [] { return with(tcp4(""), kTcp4 + 12, 0xf0); }},
    {"tcp option overrun", Malformed::kTcpBadOption,
     [] { return PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2, 0).tcp_options({2, 9, 0, 0}).build(); }},
    {"udp short", Malformed::kUdpTruncated,
     [] { Bytes b = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(); b.resize(kTcp4 + 4); b[kIp4 + 3] = 24; return b; }},
    {"udp length below 8", Malformed::kUdpBadLength, [] { return with(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), kTcp4 + 5, 4); }},
    {"udp length past ip", Malformed::kUdpBadLength, [] { return with(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), kTcp4 + 5, 40); }},
    {"icmp short", Malformed::kIcmpTruncated,
     [] { Bytes b = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").icmp(3, 1).build(); b.resize(kTcp4 + 6); b[kIp4 + 3] = 26; return b; }},
};


}  // namespace malformed_detail

using malformed_detail::kMalformedCases;

}  // namespace picket::testing_support
