// The one packet decoder: Ethernet (802.1Q and QinQ tags), IPv4 with options, IPv6 with its
// extension headers, TCP with options, UDP, ICMP and ICMPv6. Every engine, tool and test reads
// packets through it.
//
// Contract: decode() reads only [data, data + captured_length); it never throws and never
// allocates. A packet it cannot make sense of gets one precise Malformed reason, and carries
// no identities and no flow (DESIGN.md, "Semantics in detail"). Frames that are not IP (ARP,
// LLDP, ...) are not malformed: they decode with l3 == L3::kNone.
//
// IP fragments are flagged, not reassembled (defrag/ip_defrag.h does that): their upper-layer
// header is not decoded, so they carry no ports, and their payload is the IP payload. What is
// odd but not malformed is raised as a decode event (DecodeEvent), which rules can name.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "packet/ip_address.h"
#include "packet/packet.h"

namespace picket {

enum class Malformed : uint8_t {
  kNone = 0,
  kLinkTruncated,          // fewer bytes than the link-layer header
  kVlanTruncated,          // an 802.1Q/802.1ad tag cut short
  kVlanTooMany,            // more than two VLAN tags
  kIpv4Truncated,          // fewer than 20 bytes, than IHL says, or capture cut short
  kIpv4BadVersion,         // EtherType says IPv4, version nibble does not
  kIpv4BadIhl,             // IHL below 5
  kIpv4BadTotalLength,     // total length below the header, or past the frame's end
  kIpv4BadOption,          // an option length that runs past the header, or below 2
  kIpv6Truncated,          // fewer than 40 bytes, or capture cut short
  kIpv6BadVersion,
  kIpv6BadPayloadLength,   // payload length past the frame's end
  kIpv6ExtensionTruncated, // an extension header runs past the payload
  kIpv6TooManyExtensions,  // more than kMaxIpv6Extensions extension headers
  kTcpTruncated,           // fewer than 20 bytes of TCP header
  kTcpBadOffset,           // data offset below 5 or past the segment's end
  kTcpBadOption,           // an option length that runs past the header, or below 2
  kUdpTruncated,           // fewer than 8 bytes
  kUdpBadLength,           // UDP length below 8 or past the IP payload's end
  kIcmpTruncated,          // fewer than 8 bytes of ICMP or ICMPv6 header
  kCount,
};

// Short snake_case name used in logs, counters and decision records ("ipv4_bad_ihl").
std::string_view malformed_name(Malformed reason);

// Anomalies of a packet that is still decoded, named as Suricata's decode-event keyword names
// them (ipv6.exthdr_useless_fh); the defragmenter raises the frag_* ones. One bit each.
enum class DecodeEvent : uint8_t {
  kIpv6UselessFragmentHeader,  // ipv6.exthdr_useless_fh: an atomic fragment (offset 0, M clear)
  kIpv6DuplicateFragmentHeader,  // ipv6.exthdr_dupl_fh: a second fragment header in one chain
  kIpv6TruncatedExtension,     // ipv6.trunc_exthdr: (a malformed packet's) extension header cut short,
                               // or the upper-layer header after an atomic fragment header
  kIpv4FragmentTooLarge,       // ipv4.frag_pkt_too_large: offset + length past 65,535 bytes
  kIpv6FragmentTooLarge,       // ipv6.frag_pkt_too_large
  kIpv4FragmentOverlap,        // ipv4.frag_overlap: covers bytes an earlier fragment gave
  kIpv6FragmentOverlap,        // ipv6.frag_overlap
  kIpv4FragmentInvalidLength,  // ipv4.frag_invalid_length: not the last, length not a multiple of 8
  kIpv6FragmentInvalidLength,  // ipv6.frag_invalid_length
  kIpv6DestinationUnknownOption,  // ipv6.dstopts_unknown_opt: a destination option no receiver knows
  // ip.trailing_bytes (Picket's): the frame goes on past its IP datagram by more than Ethernet's
  // minimum-frame padding and an FCS; the extra bytes are forwarded, and never inspected.
  kIpTrailingBytes,
  kCount,
};
std::string_view decode_event_name(DecodeEvent e);
std::optional<DecodeEvent> parse_decode_event(std::string_view name);
constexpr uint32_t event_bit(DecodeEvent e) { return uint32_t{1} << static_cast<unsigned>(e); }

enum class L3 : uint8_t { kNone, kIpv4, kIpv6 };

namespace ip_proto {
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmpv6 = 58;
}  // namespace ip_proto

namespace tcp_flag {
constexpr uint8_t kFin = 0x01;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kRst = 0x04;
constexpr uint8_t kPsh = 0x08;
constexpr uint8_t kAck = 0x10;
constexpr uint8_t kUrg = 0x20;
constexpr uint8_t kEce = 0x40;
constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flag

constexpr int kMaxVlanTags = 2;
constexpr int kMaxIpv6Extensions = 8;

struct TcpOptions {
  uint16_t mss = 0;          // 0: not present
  int8_t window_scale = -1;  // -1: not present
  bool sack_permitted = false;
  bool has_timestamp = false;
  uint32_t timestamp = 0;
  uint32_t timestamp_echo = 0;
};

struct DecodedPacket {
  Malformed malformed = Malformed::kNone;

  // Link layer.
  uint8_t vlan_count = 0;
  uint16_t vlan_ids[kMaxVlanTags] = {};  // outermost first, 12-bit VID
  uint16_t ethertype = 0;                // after the tags; 0 when the link has none

  // Network layer.
  L3 l3 = L3::kNone;
  IpAddress src;
  IpAddress dst;
  uint8_t ip_proto = 0;  // the upper-layer protocol, after any IPv6 extension headers
  uint8_t ttl = 0;       // IPv4 TTL or IPv6 hop limit
  bool fragment = false; // a fragment (offset > 0 or more-fragments set)
  bool more_fragments = false;
  bool reassembled = false;  // decoded from a datagram the defragmenter put together
  uint32_t fragment_id = 0;
  uint16_t fragment_offset = 0;  // in bytes
  // IPv6 fragments: where the fragment header starts, and the next-header byte that names it
  // (in the base header or the extension before it). The defragmenter rebuilds the header
  // chain from them.
  uint16_t fragment_header_offset = 0;
  uint16_t fragment_next_at = 0;
  uint32_t events = 0;  // DecodeEvent bits
  uint8_t ipv6_extensions = 0;
  uint16_t l3_offset = 0;
  uint16_t l4_offset = 0;
  uint32_t ip_end = 0;  // offset of the end of the IP packet (before any link padding)

  // Transport layer, when has_l4.
  bool has_l4 = false;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint16_t tcp_window = 0;
  uint16_t tcp_urgent = 0;  // the urgent pointer (meaningful with tcp_flag::kUrg)
  TcpOptions tcp_options;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint16_t icmp_id = 0;   // echo request/reply only
  uint16_t icmp_seq = 0;

  // Application payload: bytes after the transport header (after the IP header for other
  // protocols and for fragments), bounded by the IP and UDP lengths and the captured bytes.
  uint32_t payload_offset = 0;
  uint32_t payload_length = 0;

  bool ok() const { return malformed == Malformed::kNone; }
  bool is_ip() const { return l3 != L3::kNone; }
  bool is_tcp() const { return has_l4 && ip_proto == ip_proto::kTcp; }
  bool is_udp() const { return has_l4 && ip_proto == ip_proto::kUdp; }
  bool is_icmp() const {
    return has_l4 && (ip_proto == ip_proto::kIcmp || ip_proto == ip_proto::kIcmpv6);
  }
};

// Decodes `captured_length` bytes at `data`, framed as `link`. `wire_length` (at least
// captured_length) tells a capture cut short by its snap length from a packet whose own
// length fields lie.
DecodedPacket decode(const uint8_t* data, uint32_t captured_length, uint32_t wire_length,
                     LinkType link = LinkType::kEthernet);

// The same, into `out` (the engine decodes into the packet's verdict, with no copy).
void decode_into(const uint8_t* data, uint32_t captured_length, uint32_t wire_length, LinkType link,
                 DecodedPacket& out);

inline DecodedPacket decode(const PacketView& p) {
  return decode(p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_length,
                p.link_type);
}

}  // namespace picket
