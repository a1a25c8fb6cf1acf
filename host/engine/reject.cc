#include "engine/reject.h"

#include <algorithm>

#include "packet/packet_builder.h"

namespace picket {

std::vector<uint8_t> build_reject(const PacketView& packet, const DecodedPacket& d) {
  PacketBuilder b;
  for (int i = 0; i < d.vlan_count; ++i) b.vlan(d.vlan_ids[i]);
  bool v6 = d.l3 == L3::kIpv6;
  if (v6) b.ipv6(d.dst, d.src);
  else b.ipv4(d.dst, d.src);
  if (d.is_tcp()) {
    // RFC 9293 3.10.7.1: answer with the sequence number the sender expects next.
    bool ack = d.tcp_flags & tcp_flag::kAck;
    uint32_t seq = ack ? d.tcp_ack : 0;
    uint32_t seg = d.payload_length + ((d.tcp_flags & tcp_flag::kSyn) ? 1 : 0) + ((d.tcp_flags & tcp_flag::kFin) ? 1 : 0);
    b.tcp(d.dst_port, d.src_port, static_cast<uint8_t>(tcp_flag::kRst | (ack ? 0 : tcp_flag::kAck)), seq,
          ack ? 0 : d.tcp_seq + seg, 0);
    return b.build();
  }
  b.icmp(v6 ? 1 : 3, v6 ? 4 : 3);  // destination (port) unreachable
  size_t from = d.l3_offset;
  size_t to = std::min<size_t>(packet.bytes.size(), d.l4_offset + 8u);
  std::vector<uint8_t> quoted(packet.bytes.begin() + static_cast<long>(from), packet.bytes.begin() + static_cast<long>(to));
  b.payload(quoted);
  return b.build();
}

}  // namespace picket
