#include "packet/decoder.h"

#include <algorithm>
#include <array>

#include "packet/byte_order.h"

namespace picket {
namespace {

constexpr uint16_t kEthertypeIpv4 = 0x0800;
constexpr uint16_t kEthertypeIpv6 = 0x86dd;

bool is_vlan_ethertype(uint16_t t) {
  return t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200;
}

// One packet's decoding; every step returns false once `out.malformed` is set.
class Decoder {
 public:
  // Writes into `out`, which starts empty.
  Decoder(const uint8_t* data, uint32_t captured, uint32_t wire, DecodedPacket& out)
      : d_(data), cap_(captured), wire_(std::max(wire, captured)), out_(out) {
    out_ = DecodedPacket{};
  }

  void run(LinkType link) {
    switch (link) {
      case LinkType::kEthernet: ethernet(); break;
      case LinkType::kRaw: raw(0); break;
      case LinkType::kIpv4: ipv4(0); break;
      case LinkType::kIpv6: ipv6(0); break;
      case LinkType::kLinuxSll: linux_sll(); break;
      case LinkType::kNull: null_loopback(); break;
    }
  }

 private:
  bool fail(Malformed reason) {
    out_.malformed = reason;
    return false;
  }
  // A length field claims more bytes than were captured: the capture was cut short by its
  // snap length, or the field lies about a frame that is all here.
  bool cut_by_snaplen(uint64_t claimed_end) const { return cap_ < wire_ && claimed_end <= wire_; }

  bool ethernet() {
    if (cap_ < 14) return fail(Malformed::kLinkTruncated);
    uint32_t off = 12;
    uint16_t type = read16(d_ + off);
    off += 2;
    while (is_vlan_ethertype(type)) {
      if (out_.vlan_count == kMaxVlanTags) return fail(Malformed::kVlanTooMany);
      if (cap_ < off + 4) return fail(Malformed::kVlanTruncated);
      out_.vlan_ids[out_.vlan_count++] = read16(d_ + off) & 0x0fff;
      type = read16(d_ + off + 2);
      off += 4;
    }
    return ethertype(type, off);
  }

  bool ethertype(uint16_t type, uint32_t off) {
    out_.ethertype = type;
    if (type == kEthertypeIpv4) return ipv4(off);
    if (type == kEthertypeIpv6) return ipv6(off);
    return true;  // not IP: nothing more to decode
  }

  bool raw(uint32_t off) {
    if (cap_ <= off) return fail(Malformed::kLinkTruncated);
    return (d_[off] >> 4) == 6 ? ipv6(off) : ipv4(off);
  }

  // Linux cooked capture: packet type, ARPHRD type, address length, 8 address bytes, protocol.
  bool linux_sll() {
    if (cap_ < 16) return fail(Malformed::kLinkTruncated);
    return ethertype(read16(d_ + 14), 16);
  }

  // BSD loopback: the address family in the capturing host's byte order.
  bool null_loopback() {
    if (cap_ < 4) return fail(Malformed::kLinkTruncated);
    uint32_t le = uint32_t{d_[0]} | uint32_t{d_[1]} << 8 | uint32_t{d_[2]} << 16 |
                  uint32_t{d_[3]} << 24;
    uint32_t family = le > 0xffff ? read32(d_) : le;
    if (family == 2) return ipv4(4);
    if (family == 10 || family == 24 || family == 28 || family == 30) return ipv6(4);
    return true;
  }

  //  0               1               2               3
  //  |ver| IHL |  TOS  |        total length           |
  //  |       identification        |flg| fragment offset |
  //  |  TTL  | proto |      header checksum              |
  //  |                source address                     |
  //  |              destination address                  |
  //  |          options (IHL > 5) ...                    |
  bool ipv4(uint32_t off) {
    out_.l3_offset = static_cast<uint16_t>(off);
    uint32_t avail = cap_ - std::min(cap_, off);
    if (avail < 1) return fail(Malformed::kIpv4Truncated);
    if ((d_[off] >> 4) != 4) return fail(Malformed::kIpv4BadVersion);
    if (avail < 20) return fail(Malformed::kIpv4Truncated);
    const uint8_t* h = d_ + off;
    uint32_t ihl = (h[0] & 0x0fu) * 4;
    if (ihl < 20) return fail(Malformed::kIpv4BadIhl);
    if (avail < ihl) return fail(Malformed::kIpv4Truncated);
    uint32_t total = read16(h + 2);
    if (total < ihl) return fail(Malformed::kIpv4BadTotalLength);
    if (total > avail) {
      return fail(cut_by_snaplen(uint64_t{off} + total) ? Malformed::kIpv4Truncated
                                                        : Malformed::kIpv4BadTotalLength);
    }
    for (uint32_t i = 20; i < ihl;) {
      uint8_t kind = h[i];
      if (kind == 0) break;  // end of option list
      if (kind == 1) {       // no-operation
        ++i;
        continue;
      }
      if (i + 1 >= ihl || h[i + 1] < 2 || i + h[i + 1] > ihl) return fail(Malformed::kIpv4BadOption);
      i += h[i + 1];
    }
    out_.l3 = L3::kIpv4;
    out_.fragment_id = read16(h + 4);
    uint16_t flags_offset = read16(h + 6);
    out_.fragment_offset = static_cast<uint16_t>((flags_offset & 0x1fff) * 8);
    out_.more_fragments = (flags_offset & 0x2000) != 0;
    out_.fragment = out_.more_fragments || out_.fragment_offset != 0;
    out_.ttl = h[8];
    out_.ip_proto = h[9];
    out_.src = IpAddress::from_v4(read32(h + 12));
    out_.dst = IpAddress::from_v4(read32(h + 16));
    return transport(off + ihl, off + total);
  }

  //  |ver| traffic class |           flow label              |
  //  |        payload length       |  next hdr  | hop limit  |
  //  |              source address (16 bytes)                |
  //  |            destination address (16 bytes)             |
  //  extension headers: | next hdr | hdr ext len | ... |, length (len + 1) * 8
  //  (AH: (len + 2) * 4); fragment: | next | res | offset(13) res(2) M | identification |
  bool ipv6(uint32_t off) {
    out_.l3_offset = static_cast<uint16_t>(off);
    uint32_t avail = cap_ - std::min(cap_, off);
    if (avail < 1) return fail(Malformed::kIpv6Truncated);
    if ((d_[off] >> 4) != 6) return fail(Malformed::kIpv6BadVersion);
    if (avail < 40) return fail(Malformed::kIpv6Truncated);
    const uint8_t* h = d_ + off;
    uint32_t end = off + 40 + read16(h + 4);
    if (end > cap_) {
      return fail(cut_by_snaplen(end) ? Malformed::kIpv6Truncated
                                      : Malformed::kIpv6BadPayloadLength);
    }
    out_.l3 = L3::kIpv6;
    out_.ttl = h[7];
    out_.src = IpAddress::from_v6(h + 8);
    out_.dst = IpAddress::from_v6(h + 24);
    uint8_t next = h[6];
    uint32_t next_at = off + 6;  // the byte that says what `next` is
    uint32_t pos = off + 40;
    bool fragment_header_seen = false;
    int capped = 0;  // extension headers other than fragment headers
    for (;;) {
      bool extension = next == 0 || next == 43 || next == 44 || next == 51 || next == 60;
      if (!extension) break;
      // Fragment headers are 8 bytes each, so the payload length bounds them; the cap is on
      // the others.
      out_.ipv6_extensions = static_cast<uint8_t>(std::min(out_.ipv6_extensions + 1, 255));
      if (next != 44 && ++capped > kMaxIpv6Extensions) return fail(Malformed::kIpv6TooManyExtensions);
      if (pos + 2 > end) return ext_truncated();
      uint32_t len = next == 44   ? 8
                     : next == 51 ? (d_[pos + 1] + 2u) * 4
                                  : (d_[pos + 1] + 1u) * 8;
      if (pos + len > end) return ext_truncated();
      uint8_t following = d_[pos];
      if (next == 60) destination_options(pos + 2, pos + len);
      if (next == 44) {
        if (fragment_header_seen) out_.events |= event_bit(DecodeEvent::kIpv6DuplicateFragmentHeader);
        fragment_header_seen = true;
        uint16_t offset_m = read16(d_ + pos + 2);
        out_.fragment_offset = offset_m & 0xfff8;
        out_.fragment_id = read32(d_ + pos + 4);
        out_.more_fragments = (offset_m & 1) != 0;
        out_.fragment = out_.fragment_offset != 0 || out_.more_fragments;
        if (!out_.fragment) out_.events |= event_bit(DecodeEvent::kIpv6UselessFragmentHeader);
        out_.fragment_header_offset = static_cast<uint16_t>(pos);
        out_.fragment_next_at = static_cast<uint16_t>(next_at);
      }
      next = following;
      next_at = pos;
      pos += len;
      if (out_.fragment) break;
    }
    out_.ip_proto = next;
    return transport(pos, end);
  }

  // Destination options: type-length-value, Pad1 (type 0) a single byte. Options other than
  // padding, the tunnel encapsulation limit, router alert, jumbo payload and home address are
  // raised as an event: data a covert channel can carry that receivers skip.
  void destination_options(uint32_t pos, uint32_t end) {
    while (pos < end) {
      const uint8_t type = d_[pos];
      if (type == 0) {
        ++pos;
        continue;
      }
      if (type != 1 && type != 4 && type != 5 && type != 0xc2 && type != 0xc9) {
        out_.events |= event_bit(DecodeEvent::kIpv6DestinationUnknownOption);
      }
      if (pos + 1 >= end) return;
      pos += 2u + d_[pos + 1];
    }
  }

  bool ext_truncated() {
    out_.events |= event_bit(DecodeEvent::kIpv6TruncatedExtension);
    return fail(Malformed::kIpv6ExtensionTruncated);
  }

  // The upper-layer header cut short. After an IPv6 atomic fragment header (offset 0, no more
  // fragments), Suricata counts that header's datagram as cut short too (ipv6.trunc_exthdr).
  bool upper_truncated(Malformed why) {
    if (out_.l3 == L3::kIpv6 && (out_.events & event_bit(DecodeEvent::kIpv6UselessFragmentHeader))) {
      out_.events |= event_bit(DecodeEvent::kIpv6TruncatedExtension);
    }
    return fail(why);
  }

  bool transport(uint32_t pos, uint32_t end) {
    out_.l4_offset = static_cast<uint16_t>(std::min<uint32_t>(pos, 0xffff));
    out_.ip_end = end;
    // Ethernet pads frames to 60 bytes and some captures keep the 4-byte FCS; past that, bytes
    // after the datagram are something a sender put there.
    if (cap_ > end + 4 && cap_ > 64) out_.events |= event_bit(DecodeEvent::kIpTrailingBytes);
    if (out_.fragment) return payload(pos, end);
    uint32_t seg = end - pos;
    const uint8_t* t = d_ + pos;
    switch (out_.ip_proto) {
      case ip_proto::kTcp: {
        if (seg < 20) return upper_truncated(Malformed::kTcpTruncated);
        uint32_t data_offset = (t[12] >> 4) * 4u;
        if (data_offset < 20 || data_offset > seg) return fail(Malformed::kTcpBadOffset);
        if (!tcp_options(t + 20, data_offset - 20)) return false;
        out_.src_port = read16(t);
        out_.dst_port = read16(t + 2);
        out_.tcp_seq = read32(t + 4);
        out_.tcp_ack = read32(t + 8);
        out_.tcp_flags = t[13];
        out_.tcp_window = read16(t + 14);
        out_.tcp_urgent = read16(t + 18);
        out_.has_l4 = true;
        return payload(pos + data_offset, end);
      }
      case ip_proto::kUdp: {
        if (seg < 8) return upper_truncated(Malformed::kUdpTruncated);
        uint32_t length = read16(t + 4);
        if (length < 8 || length > seg) return fail(Malformed::kUdpBadLength);
        out_.src_port = read16(t);
        out_.dst_port = read16(t + 2);
        out_.has_l4 = true;
        return payload(pos + 8, pos + length);
      }
      case ip_proto::kIcmp:
      case ip_proto::kIcmpv6: {
        if (seg < 8) return upper_truncated(Malformed::kIcmpTruncated);
        out_.icmp_type = t[0];
        out_.icmp_code = t[1];
        bool v6 = out_.ip_proto == ip_proto::kIcmpv6;
        bool echo = v6 ? (t[0] == 128 || t[0] == 129) : (t[0] == 8 || t[0] == 0);
        if (echo) {
          out_.icmp_id = read16(t + 4);
          out_.icmp_seq = read16(t + 6);
        }
        out_.has_l4 = true;
        return payload(pos + 8, end);
      }
      default:
        return payload(pos, end);
    }
  }

  // Kinds: 0 end, 1 no-op, 2 MSS (4), 3 window scale (3), 4 SACK permitted (2), 8 timestamps (10).
  bool tcp_options(const uint8_t* o, uint32_t n) {
    for (uint32_t i = 0; i < n;) {
      uint8_t kind = o[i];
      if (kind == 0) break;
      if (kind == 1) {
        ++i;
        continue;
      }
      if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) return fail(Malformed::kTcpBadOption);
      uint8_t len = o[i + 1];
      TcpOptions& opt = out_.tcp_options;
      if (kind == 2 && len == 4) opt.mss = read16(o + i + 2);
      if (kind == 3 && len == 3) opt.window_scale = static_cast<int8_t>(std::min<uint8_t>(o[i + 2], 14));
      if (kind == 4 && len == 2) opt.sack_permitted = true;
      if (kind == 8 && len == 10) {
        opt.has_timestamp = true;
        opt.timestamp = read32(o + i + 2);
        opt.timestamp_echo = read32(o + i + 6);
      }
      i += len;
    }
    return true;
  }

  bool payload(uint32_t begin, uint32_t end) {
    out_.payload_offset = begin;
    out_.payload_length = end > begin ? end - begin : 0;
    return true;
  }

  const uint8_t* d_;
  uint32_t cap_;
  uint32_t wire_;
  DecodedPacket& out_;
};

constexpr std::array<std::string_view, static_cast<size_t>(Malformed::kCount)> kMalformedNames = {
    "none",
    "link_truncated",
    "vlan_truncated",
    "vlan_too_many",
    "ipv4_truncated",
    "ipv4_bad_version",
    "ipv4_bad_ihl",
    "ipv4_bad_total_length",
    "ipv4_bad_option",
    "ipv6_truncated",
    "ipv6_bad_version",
    "ipv6_bad_payload_length",
    "ipv6_extension_truncated",
    "ipv6_too_many_extensions",
    "tcp_truncated",
    "tcp_bad_offset",
    "tcp_bad_option",
    "udp_truncated",
    "udp_bad_length",
    "icmp_truncated",
};

constexpr std::array<std::string_view, static_cast<size_t>(DecodeEvent::kCount)> kEventNames = {
    "ipv6.exthdr_useless_fh", "ipv6.exthdr_dupl_fh",      "ipv6.trunc_exthdr",
    "ipv4.frag_pkt_too_large", "ipv6.frag_pkt_too_large", "ipv4.frag_overlap",
    "ipv6.frag_overlap",       "ipv4.frag_invalid_length", "ipv6.frag_invalid_length",
    "ipv6.dstopts_unknown_opt", "ip.trailing_bytes",
};

}  // namespace

std::string_view decode_event_name(DecodeEvent e) {
  auto i = static_cast<size_t>(e);
  return i < kEventNames.size() ? kEventNames[i] : "unknown";
}

std::optional<DecodeEvent> parse_decode_event(std::string_view name) {
  for (size_t i = 0; i < kEventNames.size(); ++i) {
    if (kEventNames[i] == name) return static_cast<DecodeEvent>(i);
  }
  return std::nullopt;
}

std::string_view malformed_name(Malformed reason) {
  auto i = static_cast<size_t>(reason);
  return i < kMalformedNames.size() ? kMalformedNames[i] : "unknown";
}

void decode_into(const uint8_t* data, uint32_t captured_length, uint32_t wire_length, LinkType link,
                 DecodedPacket& out) {
  Decoder(data, captured_length, wire_length, out).run(link);
}

DecodedPacket decode(const uint8_t* data, uint32_t captured_length, uint32_t wire_length, LinkType link) {
  DecodedPacket out;
  decode_into(data, captured_length, wire_length, link, out);
  return out;
}

}  // namespace picket
