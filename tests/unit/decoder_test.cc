#include "packet/decoder.h"

#include <gtest/gtest.h>

#include <set>

#include "malformed_cases.h"
#include "testing/packet_builder.h"

namespace picket {
namespace {

using Bytes = std::vector<uint8_t>;
using testing_support::kMalformedCases;
using testing_support::MalformedCase;

DecodedPacket run(const Bytes& b, LinkType link = LinkType::kEthernet) {
  return decode(b.data(), static_cast<uint32_t>(b.size()), static_cast<uint32_t>(b.size()), link);
}

using testing_support::malformed_detail::kEth;
using testing_support::malformed_detail::kIp4;
using testing_support::malformed_detail::kTcp4;
using testing_support::malformed_detail::tcp4;

TEST(Decoder, Ipv4Tcp) {
  Bytes b = tcp4("hello");
  DecodedPacket p = run(b);
  ASSERT_TRUE(p.ok()) << malformed_name(p.malformed);
  EXPECT_EQ(p.l3, L3::kIpv4);
  EXPECT_EQ(p.src.to_string(), "10.0.0.1");
  EXPECT_EQ(p.dst.to_string(), "10.0.0.2");
  EXPECT_TRUE(p.is_tcp());
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.tcp_flags, tcp_flag::kAck | tcp_flag::kPsh);
  EXPECT_EQ(p.tcp_seq, 7u);
  EXPECT_EQ(p.tcp_ack, 9u);
  EXPECT_EQ(p.ttl, 64);
  EXPECT_EQ(p.payload_offset, kTcp4 + 20);
  EXPECT_EQ(p.payload_length, 5u);
  EXPECT_EQ(std::string(b.begin() + p.payload_offset, b.begin() + p.payload_offset + p.payload_length), "hello");
}

TEST(Decoder, EthernetPaddingIsNotPayload) {
  Bytes b = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("ab").build();
  b.resize(60, 0xee);  // minimum Ethernet frame, padded
  DecodedPacket p = run(b);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.payload_length, 2u);
}

// Bytes past the datagram beyond padding and an FCS are forwarded with the frame, unread by
// any rule: an event says so (a 200 KB frame around a 3 KB datagram was once invisible).
TEST(Decoder, BytesPastTheDatagramAreAnEvent) {
  Bytes padded = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("ab").build();
  padded.resize(64, 0xee);  // padding and an FCS
  EXPECT_EQ(run(padded).events & event_bit(DecodeEvent::kIpTrailingBytes), 0u);
  Bytes hidden = tcp4(std::string(3000, 'a'));
  hidden.resize(200'000, 'x');
  DecodedPacket p = run(hidden);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.payload_length, 3000u);
  EXPECT_NE(p.events & event_bit(DecodeEvent::kIpTrailingBytes), 0u);
  EXPECT_EQ(parse_decode_event("ip.trailing_bytes"), DecodeEvent::kIpTrailingBytes);
}

TEST(Decoder, VlanAndQinQ) {
  DecodedPacket one = run(PacketBuilder().vlan(100).ipv4("1.1.1.1", "2.2.2.2").udp(53, 5353).build());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.vlan_count, 1);
  EXPECT_EQ(one.vlan_ids[0], 100);
  EXPECT_TRUE(one.is_udp());

  DecodedPacket two = run(PacketBuilder().vlan(10, 0x88a8).vlan(20).ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build());
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two.vlan_count, 2);
  EXPECT_EQ(two.vlan_ids[0], 10);
  EXPECT_EQ(two.vlan_ids[1], 20);
  EXPECT_EQ(two.l3, L3::kIpv6);
}

TEST(Decoder, NonIpFrameIsNotMalformed) {
  DecodedPacket p = run(PacketBuilder().payload("arp-ish").build());
  EXPECT_TRUE(p.ok());
  EXPECT_FALSE(p.is_ip());
  EXPECT_EQ(p.ethertype, 0x0806);
}

TEST(Decoder, Ipv4OptionsAndUdp) {
  Bytes b = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_options({1, 1, 7, 3, 4}).udp(1000, 53).payload("q").build();
  DecodedPacket p = run(b);
  ASSERT_TRUE(p.ok()) << malformed_name(p.malformed);
  EXPECT_EQ(p.l4_offset, kIp4 + 28);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.payload_length, 1u);
}

TEST(Decoder, Ipv4FragmentsAreFlaggedAndNotDecodedFurther) {
  Bytes first = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_fragment(0, true, 77).udp(1, 2).payload("abcdefgh").build();
  DecodedPacket p = run(first);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.fragment);
  EXPECT_EQ(p.fragment_id, 77u);
  EXPECT_FALSE(p.has_l4);
  EXPECT_EQ(p.src_port, 0);
  EXPECT_EQ(p.payload_length, 16u);  // UDP header + 8 bytes, as IP payload

  Bytes later = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_fragment(1480, false).udp(1, 2).build();
  DecodedPacket q = run(later);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q.fragment);
  EXPECT_EQ(q.fragment_offset, 1480);
}

TEST(Decoder, Ipv6ExtensionHeadersAreWalked) {
  Bytes b = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0).ipv6_extension(43, 16)
      .ipv6_extension(60).tcp(1234, 443, tcp_flag::kSyn).tcp_options({2, 4, 0x05, 0xb4, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2})
      .build();
  DecodedPacket p = run(b);
  ASSERT_TRUE(p.ok()) << malformed_name(p.malformed);
  EXPECT_EQ(p.ipv6_extensions, 3);
  EXPECT_EQ(p.ip_proto, ip_proto::kTcp);
  EXPECT_EQ(p.dst_port, 443);
  EXPECT_EQ(p.tcp_options.mss, 1460);
  EXPECT_EQ(p.tcp_options.window_scale, 7);
  EXPECT_TRUE(p.tcp_options.sack_permitted);
  EXPECT_TRUE(p.tcp_options.has_timestamp);
  EXPECT_EQ(p.tcp_options.timestamp, 1u);
  EXPECT_EQ(p.tcp_options.timestamp_echo, 2u);
}

TEST(Decoder, Ipv6Fragment) {
  Bytes b = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").ipv6_fragment(0, true, 0xabcdef).udp(1, 2).build();
  DecodedPacket p = run(b);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.fragment);
  EXPECT_EQ(p.fragment_id, 0xabcdefu);
  EXPECT_EQ(p.ip_proto, ip_proto::kUdp);
  EXPECT_FALSE(p.has_l4);
}

TEST(Decoder, IcmpEchoAndIcmpv6Echo) {
  DecodedPacket v4 = run(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp_echo(true, 0x1234, 5).payload("ping").build());
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4.is_icmp());
  EXPECT_EQ(v4.icmp_type, 8);
  EXPECT_EQ(v4.icmp_id, 0x1234);
  EXPECT_EQ(v4.icmp_seq, 5);
  EXPECT_EQ(v4.payload_length, 4u);

  DecodedPacket v6 = run(PacketBuilder().ipv6("::1", "::2").icmp_echo(false, 9, 1).build());
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.ip_proto, ip_proto::kIcmpv6);
  EXPECT_EQ(v6.icmp_type, 129);
  EXPECT_EQ(v6.icmp_id, 9);
}

TEST(Decoder, OtherLinkTypes) {
  Bytes eth = tcp4();
  Bytes ip(eth.begin() + kEth, eth.end());
  EXPECT_TRUE(run(ip, LinkType::kRaw).is_tcp());
  EXPECT_TRUE(run(ip, LinkType::kIpv4).is_tcp());

  Bytes sll(16, 0);
  sll[14] = 0x08;
  sll.insert(sll.end(), ip.begin(), ip.end());
  EXPECT_TRUE(run(sll, LinkType::kLinuxSll).is_tcp());

  Bytes null_le = {2, 0, 0, 0};
  null_le.insert(null_le.end(), ip.begin(), ip.end());
  EXPECT_TRUE(run(null_le, LinkType::kNull).is_tcp());
  Bytes null_be = {0, 0, 0, 2};
  null_be.insert(null_be.end(), ip.begin(), ip.end());
  EXPECT_TRUE(run(null_be, LinkType::kNull).is_tcp());
}

class MalformedTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTest, GetsItsReason) {
  DecodedPacket p = run(GetParam().make());
  EXPECT_EQ(malformed_name(p.malformed), malformed_name(GetParam().want));
  EXPECT_FALSE(p.ok());
}

INSTANTIATE_TEST_SUITE_P(EveryReason, MalformedTest, testing::ValuesIn(kMalformedCases),
                         [](const auto& p) {
                           std::string n = p.param.name;
                           for (char& c : n) if (c == ' ') c = '_';
                           return n;
                         });

TEST(Decoder, EveryReasonHasACase) {
  std::set<Malformed> covered;
  for (const MalformedCase& c : kMalformedCases) covered.insert(c.want);
  for (int r = 1; r < static_cast<int>(Malformed::kCount); ++r) {
    EXPECT_TRUE(covered.count(static_cast<Malformed>(r))) << malformed_name(static_cast<Malformed>(r));
  }
}

TEST(Decoder, SnaplenCutIsTruncationNotALie) {
  Bytes b = tcp4(std::string(200, 'x'));
  uint32_t wire = static_cast<uint32_t>(b.size());
  DecodedPacket cut = decode(b.data(), 100, wire);
  EXPECT_EQ(cut.malformed, Malformed::kIpv4Truncated);
  DecodedPacket lie = decode(b.data(), 100, 100);
  EXPECT_EQ(lie.malformed, Malformed::kIpv4BadTotalLength);
}

// A TCP or ICMPv6 header cut short after an IPv6 atomic fragment header: malformed, and as in
// Suricata the fragment header's datagram is cut short too (ipv6.trunc_exthdr); without the
// fragment header, only malformed.
TEST(Decoder, AnUpperHeaderCutShortAfterAnAtomicFragmentHeader) {
  for (const bool atomic : {true, false}) {
    PacketBuilder b;
    b.ipv6("2001:db8::1", "2001:db8::2");
    if (atomic) b.ipv6_fragment(0, false);
    Bytes f = b.tcp(1, 2, tcp_flag::kAck).build();
    const size_t keep = f.size() - 10;  // half the TCP header
    f.resize(keep);
    const auto payload_length = static_cast<uint16_t>(keep - kEth - 40);
    f[kEth + 4] = static_cast<uint8_t>(payload_length >> 8);
    f[kEth + 5] = static_cast<uint8_t>(payload_length);
    const DecodedPacket p = decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()));
    EXPECT_EQ(p.malformed, Malformed::kTcpTruncated);
    EXPECT_EQ((p.events & event_bit(DecodeEvent::kIpv6TruncatedExtension)) != 0, atomic) << atomic;
    EXPECT_EQ((p.events & event_bit(DecodeEvent::kIpv6UselessFragmentHeader)) != 0, atomic) << atomic;
  }
}

// Every prefix of valid packets decodes without reading past it (ASan checks the reads) and
// is either valid or has a reason.
TEST(Decoder, EveryPrefixIsSafe) {
  std::vector<Bytes> frames = {
      tcp4("payload"),
      PacketBuilder().vlan(5).ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0).ipv6_fragment(0, false)
          .tcp(1, 2, tcp_flag::kSyn).tcp_options({2, 4, 5, 0xb4}).payload("x").build(),
      PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").ipv4_options({7, 3, 4}).icmp_echo(true, 1, 1).build(),
  };
  for (const Bytes& f : frames) {
    for (size_t n = 0; n <= f.size(); ++n) {
      Bytes prefix(f.begin(), f.begin() + static_cast<long>(n));
      DecodedPacket p = decode(prefix.data(), static_cast<uint32_t>(n), static_cast<uint32_t>(f.size()));
      if (n < f.size() && n >= kEth) {
        EXPECT_FALSE(p.ok()) << "prefix " << n;
      }
      EXPECT_LE(p.payload_offset + p.payload_length, n);
    }
  }
}

}  // namespace
}  // namespace picket
