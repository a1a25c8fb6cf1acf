// Reject answers are built from the offending frame: they must reach its sender on the link
// it came in on, so the bytes are checked, not only what a decoder makes of them.
#include <gtest/gtest.h>

#include <algorithm>

#include "packet/checksum.h"
#include "testing/packet_builder.h"
#include "pipeline/reject.h"

namespace picket {
namespace {

const std::vector<uint8_t> kClientMac = {0x3c, 0xfd, 0xfe, 0x11, 0x22, 0x33};
const std::vector<uint8_t> kServerMac = {0xb8, 0x27, 0xeb, 0x44, 0x55, 0x66};

// A frame from the client's MAC to the server's.
std::vector<uint8_t> from_client(PacketBuilder b) {
  std::vector<uint8_t> f = b.build();
  std::copy(kServerMac.begin(), kServerMac.end(), f.begin());
  std::copy(kClientMac.begin(), kClientMac.end(), f.begin() + 6);
  return f;
}

Packet packet_of(std::vector<uint8_t> bytes, LinkType link = LinkType::kEthernet) {
  Packet p;
  p.wire_length = static_cast<uint32_t>(bytes.size());
  p.bytes = std::move(bytes);
  p.link_type = link;
  return p;
}

std::vector<uint8_t> answer_to(const Packet& p) { return build_reject(p, decode(p)); }

DecodedPacket decoded(const std::vector<uint8_t>& bytes, LinkType link = LinkType::kEthernet) {
  return decode(bytes.data(), static_cast<uint32_t>(bytes.size()), static_cast<uint32_t>(bytes.size()), link);
}

// Whether the answer's IPv4 header and transport checksums verify: the sums over the
// checksummed bytes, checksum fields included, come to zero.
bool checksums_verify(const std::vector<uint8_t>& bytes, const DecodedPacket& d) {
  const uint8_t* l4 = bytes.data() + d.l4_offset;
  const size_t length = d.ip_end - d.l4_offset;
  const bool v6 = d.l3 == L3::kIpv6;
  if (!v6 && checksum_finish(checksum_add(bytes.data() + d.l3_offset, 20)) != 0) return false;
  return transport_checksum(d.src, d.dst, v6, d.ip_proto, l4, length, d.ip_proto != ip_proto::kIcmp) == 0;
}

TEST(Reject, TcpRstGoesBackToTheSendersMacWithItsVlanTags) {
  Packet p = packet_of(from_client(PacketBuilder()
                                       .vlan(100, 0x88a8)
                                       .vlan(7)
                                       .ipv4("10.0.0.1", "10.0.0.2")
                                       .tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 1000, 5000)
                                       .payload("GET /evil HTTP/1.1\r\n\r\n")));
  std::vector<uint8_t> a = answer_to(p);
  ASSERT_GE(a.size(), 22u);
  EXPECT_TRUE(std::equal(kClientMac.begin(), kClientMac.end(), a.begin())) << "to the sender's MAC";
  EXPECT_TRUE(std::equal(kServerMac.begin(), kServerMac.end(), a.begin() + 6)) << "from the MAC it was sent to";
  // Both tags, TPIDs and TCIs, and the EtherType, as the frame had them.
  EXPECT_TRUE(std::equal(p.bytes.begin() + 12, p.bytes.begin() + 22, a.begin() + 12));

  DecodedPacket r = decoded(a);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.is_tcp());
  EXPECT_EQ(r.vlan_count, 2);
  EXPECT_EQ(r.vlan_ids[0], 100);
  EXPECT_EQ(r.vlan_ids[1], 7);
  EXPECT_EQ(r.src.to_string(), "10.0.0.2");
  EXPECT_EQ(r.dst.to_string(), "10.0.0.1");
  EXPECT_EQ(r.src_port, 80);
  EXPECT_EQ(r.dst_port, 40000);
  EXPECT_EQ(r.tcp_flags, tcp_flag::kRst);
  EXPECT_EQ(r.tcp_seq, 5000u) << "the sequence number the sender expects next";
  EXPECT_EQ(r.payload_length, 0u);
  EXPECT_TRUE(checksums_verify(a, r));
}

TEST(Reject, SegmentWithoutAckGetsRstAckOfItsLength) {
  Packet p = packet_of(from_client(PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(1234, 443, tcp_flag::kSyn, 77)));
  std::vector<uint8_t> a = answer_to(p);
  DecodedPacket r = decoded(a);
  ASSERT_TRUE(r.is_tcp());
  EXPECT_TRUE(std::equal(kClientMac.begin(), kClientMac.end(), a.begin()));
  EXPECT_EQ(r.tcp_flags, tcp_flag::kRst | tcp_flag::kAck);
  EXPECT_EQ(r.tcp_seq, 0u);
  EXPECT_EQ(r.tcp_ack, 78u) << "a SYN counts one";
  EXPECT_EQ(r.src.to_string(), "2001:db8::2");
  EXPECT_TRUE(checksums_verify(a, r));
}

TEST(Reject, UdpGetsPortUnreachableQuotingTheDatagram) {
  Packet p = packet_of(from_client(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(5555, 53).payload("query bytes")));
  DecodedPacket d = decode(p);
  std::vector<uint8_t> a = answer_to(p);
  DecodedPacket r = decoded(a);
  ASSERT_TRUE(r.is_icmp());
  EXPECT_TRUE(std::equal(kClientMac.begin(), kClientMac.end(), a.begin()));
  EXPECT_EQ(r.icmp_type, 3);
  EXPECT_EQ(r.icmp_code, 3);
  // After the 8-byte ICMP header: the offending IP header and the first 8 bytes after it.
  ASSERT_EQ(r.ip_end - r.l4_offset, 8u + 20u + 8u);
  EXPECT_TRUE(std::equal(p.bytes.begin() + d.l3_offset, p.bytes.begin() + d.l4_offset + 8, a.begin() + r.l4_offset + 8));
  EXPECT_TRUE(checksums_verify(a, r));

  Packet p6 = packet_of(from_client(PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(5555, 53).payload("q")));
  std::vector<uint8_t> a6 = answer_to(p6);
  DecodedPacket r6 = decoded(a6);
  ASSERT_TRUE(r6.is_icmp());
  EXPECT_EQ(r6.ip_proto, ip_proto::kIcmpv6);
  EXPECT_EQ(r6.icmp_type, 1);
  EXPECT_EQ(r6.icmp_code, 4);
  EXPECT_TRUE(checksums_verify(a6, r6));
}

TEST(Reject, LinuxCookedCaptureAnswersInItsOwnFraming) {
  // The Ethernet header replaced by a cooked one: packet type 0 (to us), ARPHRD_ETHER, the
  // sender's 6-byte address, protocol IPv4.
  std::vector<uint8_t> eth = from_client(
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kAck, 1, 2).payload("evil"));
  std::vector<uint8_t> sll = {0, 0, 0, 1, 0, 6};
  sll.insert(sll.end(), kClientMac.begin(), kClientMac.end());
  sll.insert(sll.end(), {0, 0, 0x08, 0x00});
  sll.insert(sll.end(), eth.begin() + 14, eth.end());
  Packet p = packet_of(sll, LinkType::kLinuxSll);
  std::vector<uint8_t> a = answer_to(p);
  ASSERT_GE(a.size(), 16u);
  EXPECT_EQ(a[0], 0);
  EXPECT_EQ(a[1], 4) << "packet type: sent by this host";
  EXPECT_TRUE(std::equal(sll.begin() + 2, sll.begin() + 16, a.begin() + 2));
  DecodedPacket r = decoded(a, LinkType::kLinuxSll);
  ASSERT_TRUE(r.is_tcp());
  EXPECT_EQ(r.dst.to_string(), "10.0.0.1");
  EXPECT_TRUE(r.tcp_flags & tcp_flag::kRst);
  EXPECT_TRUE(checksums_verify(a, r));
}

TEST(Reject, RawIpCaptureAnswersWithNoLinkHeader) {
  std::vector<uint8_t> eth = from_client(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(5555, 53).payload("q"));
  Packet p = packet_of(std::vector<uint8_t>(eth.begin() + 14, eth.end()), LinkType::kRaw);
  std::vector<uint8_t> a = answer_to(p);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0], 0x45) << "the IP header comes first";
  DecodedPacket r = decoded(a, LinkType::kRaw);
  ASSERT_TRUE(r.is_icmp());
  EXPECT_EQ(r.dst.to_string(), "10.0.0.1");
  EXPECT_TRUE(checksums_verify(a, r));
}

TEST(Reject, NoAnswerToWhatIsNotIp) {
  Packet arp = packet_of(PacketBuilder().payload("who-has").build());
  EXPECT_TRUE(answer_to(arp).empty());
}

}  // namespace
}  // namespace picket
