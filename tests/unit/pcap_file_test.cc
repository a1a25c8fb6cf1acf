#include "io/pcap_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "packet/decoder.h"
#include "testing/packet_builder.h"
#include "test_dir.h"

namespace picket {
namespace {

using testing_support::TestDir;

std::vector<Packet> read_all(const std::string& path) {
  PcapReader r(path);
  std::vector<Packet> out;
  Packet p;
  while (r.next(p)) out.push_back(p);
  EXPECT_EQ(r.error(), "");
  return out;
}

std::vector<uint8_t> frame(uint16_t port) {
  return PacketBuilder().ipv4("10.1.1.1", "10.1.1.2").udp(port, 53).payload("query").build();
}

TEST(Pcap, MicrosecondRoundTripKeepsBytesTimesAndOrder) {
  TestDir dir;
  std::string path = dir.file("usec.pcap");
  {
    PcapWriter w(path);
    for (uint16_t i = 0; i < 3; ++i) {
      auto f = frame(static_cast<uint16_t>(1000 + i));
      w.write(f.data(), static_cast<uint32_t>(f.size()), 1'700'000'000'123'456'000LL + i * 1000);
    }
  }
  std::vector<Packet> got = read_all(path);
  ASSERT_EQ(got.size(), 3u);
  for (uint16_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].index, i + 1u);  // 1-based, as Suricata's pcap_cnt
    EXPECT_EQ(got[i].bytes, frame(static_cast<uint16_t>(1000 + i)));
    EXPECT_EQ(got[i].timestamp_ns, 1'700'000'000'123'456'000LL + i * 1000);
    EXPECT_EQ(got[i].link_type, LinkType::kEthernet);
    EXPECT_EQ(decode(got[i]).src_port, 1000 + i);
  }
}

TEST(Pcap, NanosecondRoundTripKeepsNanoseconds) {
  TestDir dir;
  std::string path = dir.file("nsec.pcap");
  auto f = frame(1);
  {
    PcapWriter w(path, LinkType::kEthernet, TimestampPrecision::kNano);
    w.write(f.data(), static_cast<uint32_t>(f.size()), 1'700'000'000'000'000'007LL);
  }
  std::ifstream in(path, std::ios::binary);
  uint32_t magic = 0;
  in.read(reinterpret_cast<char*>(&magic), 4);
  EXPECT_EQ(magic, 0xa1b23c4du);
  std::vector<Packet> got = read_all(path);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].timestamp_ns, 1'700'000'000'000'000'007LL);
}

TEST(Pcap, CutPacketKeepsItsWireLength) {
  TestDir dir;
  std::string path = dir.file("cut.pcap");
  auto f = frame(1);
  {
    PcapWriter w(path);
    w.write(f.data(), 30, 0, static_cast<uint32_t>(f.size()));
  }
  std::vector<Packet> got = read_all(path);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes.size(), 30u);
  EXPECT_EQ(got[0].wire_length, f.size());
  EXPECT_EQ(decode(got[0]).malformed, Malformed::kIpv4Truncated);
}

void put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void put16(std::string& s, uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); }

TEST(Pcap, ReadsPcapng) {
  TestDir dir;
  std::string path = dir.file("one.pcapng");
  auto f = frame(7);
  std::string s;
  put32(s, 0x0a0d0d0a);  // section header block
  put32(s, 28);
  put32(s, 0x1a2b3c4d);
  put16(s, 1);
  put16(s, 0);
  put32(s, 0xffffffff);
  put32(s, 0xffffffff);
  put32(s, 28);
  put32(s, 1);  // interface description block: Ethernet, microsecond timestamps
  put32(s, 20);
  put16(s, 1);
  put16(s, 0);
  put32(s, 0);
  put32(s, 20);
  uint32_t padded = static_cast<uint32_t>((f.size() + 3) / 4 * 4);
  uint64_t ts_us = 1'700'000'000'000'001ULL;
  put32(s, 6);  // enhanced packet block
  put32(s, 32 + padded);
  put32(s, 0);
  put32(s, static_cast<uint32_t>(ts_us >> 32));
  put32(s, static_cast<uint32_t>(ts_us));
  put32(s, static_cast<uint32_t>(f.size()));
  put32(s, static_cast<uint32_t>(f.size()));
  s.append(f.begin(), f.end());
  s.append(padded - f.size(), '\0');
  put32(s, 32 + padded);
  std::ofstream(path, std::ios::binary) << s;

  std::vector<Packet> got = read_all(path);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, f);
  EXPECT_EQ(got[0].index, 1u);
  EXPECT_EQ(got[0].timestamp_ns, 1'700'000'000'000'001'000LL);
}

TEST(Pcap, NotACaptureIsRefusedByName) {
  TestDir dir;
  std::string path = dir.file("notes.txt");
  std::ofstream(path) << "these are not packets\n";
  try {
    PcapReader r(path);
    FAIL() << "opened a text file as a capture";
  } catch (const PcapError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(PcapReader(dir.file("missing.pcap")), PcapError);
}

TEST(Pcap, RecordCutShortEndsReadingWithAnError) {
  TestDir dir;
  std::string path = dir.file("short.pcap");
  auto f = frame(1);
  {
    PcapWriter w(path);
    w.write(f.data(), static_cast<uint32_t>(f.size()), 0);
    w.write(f.data(), static_cast<uint32_t>(f.size()), 0);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  PcapReader r(path);
  Packet p;
  EXPECT_TRUE(r.next(p));
  EXPECT_FALSE(r.next(p));
  EXPECT_NE(r.error().find("record 2 (after packet 1) at byte "), std::string::npos) << r.error();
  EXPECT_TRUE(r.truncated());
}

// The byte offset a message names is counted, not asked of the file, in classic pcap: a
// record longer than the file's snapshot, which libpcap cuts and whose rest it skips, must not
// put the count off.
TEST(Pcap, TheOffsetOfABadRecordIsTrueAfterARecordPastTheSnapshot) {
  TestDir dir;
  std::string path = dir.file("snap.pcap");
  auto f = frame(1);
  ASSERT_GT(f.size(), 30u);
  {
    PcapWriter w(path, LinkType::kEthernet, TimestampPrecision::kMicro, 30);
    w.write(f.data(), static_cast<uint32_t>(f.size()), 0);  // longer than the snapshot
    w.write(f.data(), static_cast<uint32_t>(f.size()), 0);
    w.write(f.data(), static_cast<uint32_t>(f.size()), 0);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  PcapReader r(path);
  Packet p;
  ASSERT_TRUE(r.next(p)) << r.error();
  EXPECT_EQ(p.bytes.size(), 30u);
  ASSERT_TRUE(r.next(p)) << r.error();
  EXPECT_FALSE(r.next(p));
  const std::string third_at = std::to_string(24 + 2 * (16 + f.size()));
  EXPECT_NE(r.error().find("record 3 (after packet 2) at byte " + third_at + ":"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace picket
