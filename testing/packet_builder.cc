#include "testing/packet_builder.h"

#include <stdexcept>
#include <string>

#include "packet/byte_order.h"
#include "packet/checksum.h"
#include "packet/decoder.h"

namespace picket {
namespace {

IpAddress parse_or_throw(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a) throw std::invalid_argument("PacketBuilder: not an IP address: " + std::string(text));
  return *a;
}

void pad4(std::vector<uint8_t>& options) {
  while (options.size() % 4) options.push_back(0);
}

}  // namespace

PacketBuilder& PacketBuilder::vlan(uint16_t id, uint16_t tpid) {
  vlans_.push_back({tpid, id});
  return *this;
}

PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst, uint8_t ttl) {
  return ipv4(parse_or_throw(src), parse_or_throw(dst), ttl);
}

PacketBuilder& PacketBuilder::ipv4(const IpAddress& src, const IpAddress& dst, uint8_t ttl) {
  has_ip_ = true;
  v6_ = false;
  src_ = src;
  dst_ = dst;
  ttl_ = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_options(std::vector<uint8_t> options) {
  ip_options_ = std::move(options);
  pad4(ip_options_);
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_fragment(uint16_t offset_bytes, bool more, uint16_t id) {
  frag_offset_ = offset_bytes;
  more_fragments_ = more;
  ip_id_ = id;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst, uint8_t hop) {
  return ipv6(parse_or_throw(src), parse_or_throw(dst), hop);
}

PacketBuilder& PacketBuilder::ipv6(const IpAddress& src, const IpAddress& dst, uint8_t hop) {
  has_ip_ = true;
  v6_ = true;
  src_ = src;
  dst_ = dst;
  ttl_ = hop;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_extension(uint8_t type, uint16_t length) {
  extensions_.push_back({type, length, 0, false, 0});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_fragment(uint16_t offset_bytes, bool more, uint32_t id) {
  extensions_.push_back({44, 8, offset_bytes, more, id});
  return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq,
                                  uint32_t ack, uint16_t window) {
  l4_ = L4::kTcp;
  src_port_ = sp;
  dst_port_ = dp;
  tcp_flags_ = flags;
  seq_ = seq;
  ack_ = ack;
  window_ = window;
  return *this;
}

PacketBuilder& PacketBuilder::tcp_urgent(uint16_t pointer) {
  urgent_ = pointer;
  return *this;
}

PacketBuilder& PacketBuilder::tcp_options(std::vector<uint8_t> options) {
  tcp_options_ = std::move(options);
  pad4(tcp_options_);
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t sp, uint16_t dp) {
  l4_ = L4::kUdp;
  src_port_ = sp;
  dst_port_ = dp;
  return *this;
}

PacketBuilder& PacketBuilder::icmp_echo(bool request, uint16_t id, uint16_t seq) {
  icmp(v6_ ? (request ? 128 : 129) : (request ? 8 : 0), 0);
  icmp_id_ = id;
  icmp_seq_ = seq;
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code) {
  l4_ = L4::kIcmp;
  icmp_type_ = type;
  icmp_code_ = code;
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::string_view bytes) {
  payload_.assign(bytes.begin(), bytes.end());
  return *this;
}

PacketBuilder& PacketBuilder::payload(const std::vector<uint8_t>& bytes) {
  payload_ = bytes;
  return *this;
}

std::vector<uint8_t> PacketBuilder::build() const {
  // Transport header and payload first: the IP header needs their length.
  std::vector<uint8_t> l4;
  uint8_t proto = 59;  // IPv6 "no next header"; IPv4 uses it as an unassigned protocol
  if (l4_ == L4::kTcp) {
    proto = ip_proto::kTcp;
    put16(l4, src_port_);
    put16(l4, dst_port_);
    put32(l4, seq_);
    put32(l4, ack_);
    l4.push_back(static_cast<uint8_t>((20 + tcp_options_.size()) / 4 << 4));
    l4.push_back(tcp_flags_);
    put16(l4, window_);
    put16(l4, 0);  // checksum
    put16(l4, urgent_);
    l4.insert(l4.end(), tcp_options_.begin(), tcp_options_.end());
  } else if (l4_ == L4::kUdp) {
    proto = ip_proto::kUdp;
    put16(l4, src_port_);
    put16(l4, dst_port_);
    put16(l4, static_cast<uint16_t>(8 + payload_.size()));
    put16(l4, 0);
  } else if (l4_ == L4::kIcmp) {
    proto = v6_ ? ip_proto::kIcmpv6 : ip_proto::kIcmp;
    l4.push_back(icmp_type_);
    l4.push_back(icmp_code_);
    put16(l4, 0);
    put16(l4, icmp_id_);
    put16(l4, icmp_seq_);
  }
  l4.insert(l4.end(), payload_.begin(), payload_.end());

  // Transport checksum over the pseudo-header (ICMPv4 has none).
  if (has_ip_ && l4_ != L4::kNone) {
    uint16_t c = transport_checksum(src_, dst_, v6_, proto, l4.data(), l4.size(), l4_ != L4::kIcmp || v6_);
    size_t at = l4_ == L4::kTcp ? 16 : l4_ == L4::kUdp ? 6 : 2;
    set16(l4, at, c);
  }

  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};  // dst, src MAC
  for (const Vlan& v : vlans_) {
    put16(f, v.tpid);
    put16(f, v.id);
  }
  if (!has_ip_) {
    put16(f, 0x0806);  // an ARP-typed frame carrying the payload
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
  }
  if (!v6_) {
    put16(f, 0x0800);
    size_t ip = f.size();
    size_t ihl = 20 + ip_options_.size();
    f.push_back(static_cast<uint8_t>(0x40 | ihl / 4));
    f.push_back(0);
    put16(f, static_cast<uint16_t>(ihl + l4.size()));
    put16(f, ip_id_);
    put16(f, static_cast<uint16_t>((more_fragments_ ? 0x2000 : 0) | (frag_offset_ / 8)));
    f.push_back(ttl_);
    f.push_back(proto);
    put16(f, 0);
    f.insert(f.end(), src_.bytes.begin() + 12, src_.bytes.end());
    f.insert(f.end(), dst_.bytes.begin() + 12, dst_.bytes.end());
    f.insert(f.end(), ip_options_.begin(), ip_options_.end());
    set16(f, ip + 10, checksum_finish(checksum_add(f.data() + ip, ihl)));
  } else {
    put16(f, 0x86dd);
    size_t ext_bytes = 0;
    for (const Extension& e : extensions_) ext_bytes += e.length;
    put32(f, 0x60000000);
    put16(f, static_cast<uint16_t>(ext_bytes + l4.size()));
    f.push_back(extensions_.empty() ? proto : extensions_.front().type);
    f.push_back(ttl_);
    f.insert(f.end(), src_.bytes.begin(), src_.bytes.end());
    f.insert(f.end(), dst_.bytes.begin(), dst_.bytes.end());
    for (size_t i = 0; i < extensions_.size(); ++i) {
      const Extension& e = extensions_[i];
      uint8_t next = i + 1 < extensions_.size() ? extensions_[i + 1].type : proto;
      f.push_back(next);
      if (e.type == 44) {
        f.push_back(0);
        put16(f, static_cast<uint16_t>((e.fragment_offset & 0xfff8) | (e.more ? 1 : 0)));
        put32(f, e.id);
      } else {
        f.push_back(static_cast<uint8_t>(e.length / 8 - 1));
        f.push_back(1);  // PadN option covering the rest
        f.push_back(static_cast<uint8_t>(e.length - 4));
        f.insert(f.end(), e.length - 4, 0);
      }
    }
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

}  // namespace picket
