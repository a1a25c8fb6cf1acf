// The RTL packet parser (hw/packet_parser.sv), run by Verilator, against the host decoder:
// every malformed reason, every header kind, idle cycles inside and between frames, and
// every Ethernet frame of the zeek and nDPI captures (skipped without ../shared). Beside it,
// the checksum check (hw/checksum_check.sv) against checksums_hold, on the same frames.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "Vpicket_stages.h"
#include "malformed_cases.h"
#include "applayer/http/http_message.h"
#include "packet/checksum.h"
#include "packet/decoder.h"
#include "testing/packet_builder.h"
#include "io/pcap_file.h"
#include "verilated.h"
#include "vl_address.h"

namespace picket {
namespace {

constexpr int kBeatBytes = 64;

// What the parser reported for one frame.
struct Meta {
  int malformed;
  bool host_decode;
  int l3;
  IpAddress src, dst;
  int ip_proto;
  bool fragment, has_l4;
  int src_port, dst_port, tcp_flags, icmp_type, icmp_code;
  uint32_t tcp_seq;
  bool http_start;
  int payload_offset, payload_length;
  int vlan_count, vlan0, vlan1;
  int frame_length;
  bool header_ok, segment_ok, udp_zero;  // checksum_check's, beside the meta
};


class ParserSim {
 public:
  ParserSim() : ctx_(std::make_unique<VerilatedContext>()), top_(std::make_unique<Vpicket_stages>(ctx_.get())) {
    top_->rst = 1;
    tick();
    tick();
    top_->rst = 0;
  }
  ~ParserSim() { top_->final(); }

  // Sends a frame; `gap` idle cycles after each beat (tvalid low inside the frame).
  void send(const std::vector<uint8_t>& frame, int gap = 0) {
    size_t beats = std::max<size_t>(1, (frame.size() + kBeatBytes - 1) / kBeatBytes);
    for (size_t b = 0; b < beats; ++b) {
      for (int w = 0; w < 16; ++w) top_->s_axis_tdata[w] = 0;
      uint64_t keep = 0;
      for (int i = 0; i < kBeatBytes; ++i) {
        size_t at = b * kBeatBytes + i;
        if (at >= frame.size()) break;
        top_->s_axis_tdata[i / 4] |= uint32_t{frame[at]} << (8 * (i % 4));
        keep |= uint64_t{1} << i;
      }
      top_->s_axis_tkeep = keep;
      top_->s_axis_tvalid = 1;
      top_->s_axis_tlast = b + 1 == beats;
      tick();
      top_->s_axis_tvalid = 0;
      for (int g = 0; g < gap; ++g) tick();
    }
  }
  void idle(int cycles) {
    top_->s_axis_tvalid = 0;
    for (int i = 0; i < cycles; ++i) tick();
  }
  std::vector<Meta>& metas() { return metas_; }
  uint64_t cycles() const { return cycles_; }

 private:
  void tick() {
    top_->clk = 0;
    top_->eval();
    top_->clk = 1;
    top_->eval();
    ++cycles_;
    if (top_->m_meta_valid) {
      metas_.push_back({top_->m_meta_malformed, bool(top_->m_meta_host_decode), top_->m_meta_l3,
                        address(top_->m_meta_src), address(top_->m_meta_dst), top_->m_meta_ip_proto,
                        bool(top_->m_meta_fragment), bool(top_->m_meta_has_l4), top_->m_meta_src_port,
                        top_->m_meta_dst_port, top_->m_meta_tcp_flags, top_->m_meta_icmp_type, top_->m_meta_icmp_code,
                        top_->m_meta_tcp_seq, bool(top_->m_meta_http_start),
                        top_->m_meta_payload_offset, top_->m_meta_payload_length, top_->m_meta_vlan_count,
                        top_->m_meta_vlan0, top_->m_meta_vlan1, top_->m_meta_frame_length,
                        bool(top_->cs_out_header_ok), bool(top_->cs_out_segment_ok), bool(top_->cs_out_udp_zero)});
      EXPECT_TRUE(top_->cs_out_valid) << "checksum_check's result must come with the meta";
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vpicket_stages> top_;
  std::vector<Meta> metas_;
  uint64_t cycles_ = 0;
};

// Whether the host's HTTP parser takes the payload for the start of a message, or for bytes
// more of which may start one.
bool host_may_start_http(const std::vector<uint8_t>& frame, const DecodedPacket& d) {
  const std::string_view payload(reinterpret_cast<const char*>(frame.data()) + d.payload_offset, d.payload_length);
  HttpMessage m;
  return !payload.empty() && (m.parse(payload) || HttpMessage::may_start(payload));
}

// "" when the parser and the decoder agree on `frame`, else what differs.
std::string compare(const std::vector<uint8_t>& frame, const Meta& m) {
  DecodedPacket d = decode(frame.data(), uint32_t(frame.size()), uint32_t(frame.size()));
  std::string diff;
  auto check = [&](const char* what, long long hw, long long sw) {
    if (hw != sw) diff += std::string(what) + " hw " + std::to_string(hw) + " sw " + std::to_string(sw) + "; ";
  };
  check("frame_length", m.frame_length, static_cast<long long>(frame.size()));
  if (m.host_decode) {
    // Left to the host: only IPv6 with extension headers.
    check("host_decode_without_ipv6_extensions", d.l3 == L3::kIpv6 && d.ipv6_extensions > 0, 1);
    return diff;
  }
  check("malformed", m.malformed, static_cast<int>(d.malformed));
  if (!d.ok()) return diff;
  check("l3", m.l3, static_cast<int>(d.l3));
  check("vlan_count", m.vlan_count, d.vlan_count);
  if (d.vlan_count > 0) check("vlan0", m.vlan0, d.vlan_ids[0]);
  if (d.vlan_count > 1) check("vlan1", m.vlan1, d.vlan_ids[1]);
  if (!d.is_ip()) return diff;
  if (m.src != d.src) diff += "src hw " + m.src.to_string() + " sw " + d.src.to_string() + "; ";
  if (m.dst != d.dst) diff += "dst hw " + m.dst.to_string() + " sw " + d.dst.to_string() + "; ";
  check("ip_proto", m.ip_proto, d.ip_proto);
  check("fragment", m.fragment, d.fragment);
  check("has_l4", m.has_l4, d.has_l4);
  check("src_port", m.src_port, d.src_port);
  check("dst_port", m.dst_port, d.dst_port);
  if (d.is_tcp()) {
    check("tcp_flags", m.tcp_flags, d.tcp_flags);
    check("tcp_seq", m.tcp_seq, d.tcp_seq);
  }
  // Every payload the host's HTTP parser takes as the start of a message, or as one that more
  // bytes may make one, the card must take as one too (hw/packet_parser.sv).
  if (d.is_tcp() && !d.fragment && host_may_start_http(frame, d)) check("http_start", m.http_start, 1);
  if (d.is_icmp()) {
    check("icmp_type", m.icmp_type, d.icmp_type);
    check("icmp_code", m.icmp_code, d.icmp_code);
  }
  check("payload_offset", m.payload_offset, d.payload_offset);
  check("payload_length", m.payload_length, d.payload_length);
  // The kernel's reading of checksum_check (hw/picket_kernel.sv, checksums_hold).
  const bool ipv4 = d.l3 == L3::kIpv4;
  const bool hw_hold = (!ipv4 || m.header_ok) &&
                       (!m.has_l4 || !(d.is_tcp() || d.is_udp()) || m.segment_ok || (ipv4 && d.is_udp() && m.udp_zero));
  check("checksums_hold", hw_hold, checksums_hold(frame.data(), uint32_t(frame.size()), d));
  return diff;
}

TEST(PacketParserRtl, EveryMalformedReasonAsTheDecoderGivesIt) {
  ParserSim sim;
  for (const auto& c : testing_support::kMalformedCases) sim.send(c.make());
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), std::size(testing_support::kMalformedCases));
  size_t i = 0;
  for (const auto& c : testing_support::kMalformedCases) {
    const Meta& m = sim.metas()[i++];
    if (c.want == Malformed::kIpv6ExtensionTruncated || c.want == Malformed::kIpv6TooManyExtensions) {
      EXPECT_TRUE(m.host_decode) << c.name;  // extension headers are the host's
    } else {
      EXPECT_EQ(m.malformed, static_cast<int>(c.want)) << c.name;
    }
  }
}

TEST(PacketParserRtl, HeaderKindsWithIdleCyclesInsideAndBetweenFrames) {
  std::vector<std::vector<uint8_t>> frames = {
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kSyn).tcp_options({2, 4, 5, 0xb4, 1, 3, 3, 7}).build(),
      PacketBuilder().vlan(100).vlan(200, 0x8100).ipv4("192.168.1.1", "8.8.8.8").udp(5353, 53).payload("query").build(),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_options({7, 7, 4, 0, 0, 0, 0}).icmp_echo(true, 7, 1).payload("ping").build(),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_fragment(0, true, 9).udp(1, 2).payload(std::string(100, 'x')).build(),
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(1, 443, tcp_flag::kAck).payload(std::string(300, 'y')).build(),
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0).udp(1, 2).build(),
      PacketBuilder().ipv6("fe80::1", "ff02::1").icmp(135, 0).payload(std::string(24, 0)).build(),
      PacketBuilder().payload("not IP at all").build(),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0).tcp_options(std::vector<uint8_t>(40, 1)).payload(std::string(1400, 'z')).build(),
  };
  ParserSim sim;
  for (size_t i = 0; i < frames.size(); ++i) {
    sim.send(frames[i], static_cast<int>(i % 3));
    sim.idle(static_cast<int>(i % 2));
  }
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(compare(frames[i], sim.metas()[i]), "") << "frame " << i;
  EXPECT_TRUE(sim.metas()[5].host_decode);
}

// Frames whose checksums hold, and the same frames with one byte of the IPv4 header, the
// transport header or the payload changed: the card must tell them apart as the host does,
// including the cases that move the ranges (VLAN tags, IPv4 options, IPv6), an odd segment
// length, Ethernet padding after the datagram, and UDP's "no checksum" 0.
TEST(PacketParserRtl, ChecksumsThatFailAreToldApartAsTheHostTellsThem) {
  std::vector<std::vector<uint8_t>> good = {
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kSyn).build(),
      PacketBuilder().vlan(100).vlan(200, 0x8100).ipv4("192.168.1.1", "8.8.8.8").udp(5353, 53).payload("query").build(),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_options({7, 7, 4, 0, 0, 0, 0}).tcp(1, 2, tcp_flag::kAck).payload("odd").build(),
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(1, 443, tcp_flag::kAck).payload(std::string(301, 'y')).build(),
      PacketBuilder().vlan(5).ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(std::string(77, 'u')).build(),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0).tcp_options(std::vector<uint8_t>(40, 1)).payload(std::string(1401, 'z')).build(),
  };
  // A minimum-size frame: the datagram, then zero padding the checksums must not cover.
  good.push_back(good[0]);
  good.back().resize(60, 0);
  good.back()[59] = 0x5a;
  // UDP over IPv4 with the checksum field 0: no checksum, whatever the payload.
  auto none = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(7, 9).payload("anything").build();
  none[14 + 20 + 6] = none[14 + 20 + 7] = 0;
  good.push_back(none);

  std::vector<std::vector<uint8_t>> frames;
  size_t failing = 0;
  for (const auto& g : good) {
    frames.push_back(g);
    DecodedPacket d = decode(g.data(), uint32_t(g.size()), uint32_t(g.size()));
    for (size_t at : {size_t{d.l3_offset} + 10, size_t{d.l4_offset} + 4, g.size() - 1}) {
      std::vector<uint8_t> f = g;
      f[at] ^= 0x21;
      frames.push_back(f);
      DecodedPacket e = decode(f.data(), uint32_t(f.size()), uint32_t(f.size()));
      failing += e.ok() && !checksums_hold(f.data(), uint32_t(f.size()), e);
    }
  }
  EXPECT_GE(failing, good.size());  // the changes break checksums: the comparison means something
  ParserSim sim;
  for (size_t i = 0; i < frames.size(); ++i) sim.send(frames[i], static_cast<int>(i % 2));
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(compare(frames[i], sim.metas()[i]), "") << "frame " << i;
}

// The parser's HTTP start (m_meta_http_start): payloads the host's HTTP parser takes for a
// message's start, or whose start line more bytes may complete, and payloads it never takes.
TEST(PacketParserRtl, SaysWhichPayloadsMayBeginAnHttpMessage) {
  struct Case {
    std::string payload;
    bool http;
  };
  const Case cases[] = {
      {"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n", true},
      {"post /form http/1.0\r\n", true},          // any case, as the host reads it
      {"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", true},
      {"GET /old\r\n", true},                      // HTTP/0.9
      {"GE", true},                                  // more may make it one
      {"POST /upload?id=" + std::string(300, 'a'), true},  // the line goes on past the kept bytes
      {"EHLO mail.example\r\n", false},             // two words, not GET: another protocol
      {"USER anonymous\r\n", false},
      {"SSH-2.0-OpenSSH_9.6\r\n", false},
      {"NICK bot\r\nUSER x HTTP/1.1\r\n", false}, // HTTP/ on the second line only
      {"\r\nGET / HTTP/1.1\r\n", false},           // the host reads no line before the start line
      {std::string("\x16\x03\x01\x02\x00", 5), false},
      {"220 ftp ready\r\n", false},
  };
  std::vector<std::vector<uint8_t>> frames;
  for (const Case& c : cases) {
    frames.push_back(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 7).payload(c.payload).build());
  }
  // The deepest header the card parses (payload at byte 142), then a request.
  frames.push_back(PacketBuilder().vlan(1).vlan(2, 0x8100).ipv4("10.0.0.1", "10.0.0.2").ipv4_options(std::vector<uint8_t>(40, 1))
                       .tcp(1, 80, tcp_flag::kAck).tcp_options(std::vector<uint8_t>(40, 1)).payload("GET / HTTP/1.1\r\n").build());
  // UDP is never HTTP to the host.
  frames.push_back(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 80).payload("GET / HTTP/1.1\r\n").build());
  ParserSim sim;
  for (const auto& f : frames) sim.send(f);
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), frames.size());
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(sim.metas()[i].http_start, cases[i].http) << cases[i].payload;
    EXPECT_EQ(compare(frames[i], sim.metas()[i]), "") << cases[i].payload;
  }
  EXPECT_EQ(sim.metas()[std::size(cases)].payload_offset, 142);
  EXPECT_TRUE(sim.metas()[std::size(cases)].http_start);
  EXPECT_FALSE(sim.metas()[std::size(cases) + 1].http_start);
}

TEST(PacketParserRtl, BackToBackSingleBeatFramesEachGetTheirOwnMeta) {
  ParserSim sim;
  std::vector<std::vector<uint8_t>> frames;
  for (uint16_t p = 1; p <= 50; ++p) frames.push_back(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(p, 53).build());
  uint64_t start = sim.cycles();
  for (const auto& f : frames) sim.send(f);
  EXPECT_EQ(sim.cycles() - start, frames.size());  // one beat a cycle: the parser never back-pressures
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(sim.metas()[i].src_port, static_cast<int>(i + 1));
}

TEST(PacketParserRtl, RandomBytesNeverDisagreeWithTheDecoder) {
  std::mt19937 rng(20261122);
  ParserSim sim;
  std::vector<std::vector<uint8_t>> frames;
  for (int n = 0; n < 3000; ++n) {
    auto f = PacketBuilder().vlan(7).ipv4("10.1.2.3", "10.3.2.1").tcp(1234, 80, tcp_flag::kAck).payload("abcdefgh").build();
    if (n % 2) f = PacketBuilder().ipv6("2001:db8::1", "2001:db8::9").udp(9, 53).payload("zzzz").build();
    for (int k = 0; k < 3; ++k) f[rng() % f.size()] = static_cast<uint8_t>(rng());
    f.resize(1 + rng() % f.size());
    frames.push_back(f);
    sim.send(f);
  }
  sim.idle(4);
  ASSERT_EQ(sim.metas().size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) ASSERT_EQ(compare(frames[i], sim.metas()[i]), "") << "frame " << i;
}

TEST(PacketParserRtl, RealCapturesAgreeFrameByFrame) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(PICKET_SHARED_DIR) / "corpus" / "pcaps";
  if (!fs::exists(root)) GTEST_SKIP() << "no ../shared corpus";
  size_t frames = 0, host = 0, files = 0;
  for (const char* dir : {"zeek", "ndpi"}) {
    std::vector<fs::path> paths;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (e.is_regular_file()) paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path& path : paths) {
      std::vector<std::vector<uint8_t>> batch;
      try {
        PcapReader reader(path.string());
        if (reader.link_type() != LinkType::kEthernet) continue;
        Packet p;
        while (reader.next(p)) {
          if (p.bytes.size() == p.wire_length && !p.bytes.empty()) batch.push_back(p.bytes);
        }
      } catch (const PcapError&) {
        continue;  // not a capture libpcap reads (gzip, text)
      }
      ParserSim sim;
      for (const auto& f : batch) sim.send(f);
      sim.idle(4);
      ASSERT_EQ(sim.metas().size(), batch.size()) << path;
      for (size_t i = 0; i < batch.size(); ++i) {
        ASSERT_EQ(compare(batch[i], sim.metas()[i]), "") << path << " packet " << i + 1;
        host += sim.metas()[i].host_decode;
      }
      frames += batch.size();
      ++files;
    }
  }
  RecordProperty("frames", std::to_string(frames));
  std::printf("compared %zu frames of %zu captures; %zu left to the host (IPv6 extension headers)\n", frames, files, host);
  EXPECT_GT(frames, 100000u);
}

}  // namespace
}  // namespace picket
