#include "pipeline/reject.h"

#include <algorithm>

#include "packet/byte_order.h"
#include "packet/checksum.h"

namespace picket {
namespace {

constexpr uint8_t kAnswerTtl = 64;
constexpr uint16_t kSllOutgoing = 4;  // Linux cooked capture's packet type: sent by this host

// The offending frame's link header, turned round: [0, l3_offset) of the frame.
std::vector<uint8_t> link_header(const PacketView& packet, const DecodedPacket& d) {
  std::vector<uint8_t> out(packet.bytes.begin(), packet.bytes.begin() + d.l3_offset);
  switch (packet.link_type) {
    case LinkType::kEthernet:
      std::swap_ranges(out.begin(), out.begin() + 6, out.begin() + 6);
      break;
    case LinkType::kLinuxSll:
      set16(out, 0, kSllOutgoing);
      break;
    case LinkType::kNull:
    case LinkType::kRaw:
    case LinkType::kIpv4:
    case LinkType::kIpv6:
      break;
  }
  return out;
}

// The TCP RST, or the ICMP unreachable with its quote: the transport segment, checksummed.
std::vector<uint8_t> transport(const PacketView& packet, const DecodedPacket& d, uint8_t& proto) {
  const bool v6 = d.l3 == L3::kIpv6;
  std::vector<uint8_t> l4;
  if (d.is_tcp()) {
    proto = ip_proto::kTcp;
    const bool ack = d.tcp_flags & tcp_flag::kAck;
    const uint32_t length = d.payload_length + ((d.tcp_flags & tcp_flag::kSyn) ? 1 : 0) +
                            ((d.tcp_flags & tcp_flag::kFin) ? 1 : 0);
    put16(l4, d.dst_port);
    put16(l4, d.src_port);
    put32(l4, ack ? d.tcp_ack : 0);
    put32(l4, ack ? 0 : d.tcp_seq + length);
    l4.push_back(5 << 4);  // data offset: no options
    l4.push_back(static_cast<uint8_t>(tcp_flag::kRst | (ack ? 0 : tcp_flag::kAck)));
    put16(l4, 0);  // window
    put32(l4, 0);  // checksum, urgent pointer
  } else {
    proto = v6 ? ip_proto::kIcmpv6 : ip_proto::kIcmp;
    l4.push_back(v6 ? 1 : 3);  // destination unreachable
    l4.push_back(v6 ? 4 : 3);  // port unreachable
    put16(l4, 0);              // checksum
    put32(l4, 0);              // unused
    const size_t end = std::min<size_t>({packet.bytes.size(), d.ip_end, size_t{d.l4_offset} + 8});
    if (end > d.l3_offset) l4.insert(l4.end(), packet.bytes.begin() + d.l3_offset, packet.bytes.begin() + end);
  }
  // Swapped: the answer goes from the packet's destination to its source.
  uint16_t c = transport_checksum(d.dst, d.src, v6, proto, l4.data(), l4.size(), proto != ip_proto::kIcmp);
  set16(l4, proto == ip_proto::kTcp ? 16 : 2, c);
  return l4;
}

}  // namespace

std::vector<uint8_t> build_reject(const PacketView& packet, const DecodedPacket& d) {
  if (!d.ok() || !d.is_ip() || d.l3_offset > packet.bytes.size()) return {};
  uint8_t proto = 0;
  const std::vector<uint8_t> l4 = transport(packet, d, proto);
  std::vector<uint8_t> f = link_header(packet, d);
  const size_t ip = f.size();
  if (d.l3 == L3::kIpv4) {
    f.push_back(0x45);  // version 4, 20-byte header
    f.push_back(0);
    put16(f, static_cast<uint16_t>(20 + l4.size()));
    put32(f, 0);  // identification, flags, fragment offset
    f.push_back(kAnswerTtl);
    f.push_back(proto);
    put16(f, 0);  // header checksum, below
    f.insert(f.end(), d.dst.bytes.begin() + 12, d.dst.bytes.end());
    f.insert(f.end(), d.src.bytes.begin() + 12, d.src.bytes.end());
    set16(f, ip + 10, checksum_finish(checksum_add(f.data() + ip, 20)));
  } else {
    put32(f, 0x60000000);  // version 6, no traffic class or flow label
    put16(f, static_cast<uint16_t>(l4.size()));
    f.push_back(proto);
    f.push_back(kAnswerTtl);
    f.insert(f.end(), d.dst.bytes.begin(), d.dst.bytes.end());
    f.insert(f.end(), d.src.bytes.begin(), d.src.bytes.end());
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

}  // namespace picket
