// libFuzzer target: IP fragments in every order, size, overlap and offset an input can spell,
// through the software engine, so the defragmenter and what it hands on (a datagram decoded
// again, its stream) see them all. Each 6 bytes of input are one fragment:
//
//   byte 0     bit 0: IPv6; bit 1: a second datagram (another id); bit 2: more fragments (M);
//              bit 3: a TCP header to port 80 starts its data; bits 4-6 (first fragment only):
//              the overlap policy; bit 7 (first fragment only): overlaps accepted
//   bytes 1-2  its offset in 8-byte units, little-endian, 13 bits
//   byte 3     its length, 0 to 255 (not a multiple of 8 now and then)
//   byte 4     the byte it repeats; byte 5: how many bytes of "/etc/passwd" follow the header
//
// The caps are small, so the memory and tracker caps and the timeout are reached often.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/software_engine.h"
#include "plan/build.h"
#include "testing/ip_fragments.h"
#include "testing/packet_builder.h"

namespace {

std::shared_ptr<const picket::Generation> generation() {
  using namespace picket;
  static const std::shared_ptr<const Generation> g = [] {
    Sources sources;
    sources.files.push_back({SourceFile::Kind::kRules, "fuzz.rules",
                             "drop tcp any any -> any 80 (content:\"/etc/passwd\"; sid:1;)\n"
                             "alert pkthdr any any -> any any (decode-event:ipv4.frag_overlap; sid:2;)\n"
                             "alert ip any any -> any any (flow:only_frag; content:\"aaaa\"; sid:3;)\n"});
    Build build = build_generation(sources, EngineConfig{}, BuildOptions{});
    if (!build.generation) __builtin_trap();
    return std::shared_ptr<const Generation>(std::move(build.generation));
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket;
  using testing_support::FragmentPiece;
  if (size > 6 * 4096) return 0;
  EngineConfig config;
  config.checksums = ChecksumMode::kNone;  // the input's TCP headers carry no valid checksum
  config.defrag.memcap = 16384;
  config.defrag.max_trackers = 4;
  config.defrag.timeout_ns = 50'000'000;
  config.defrag.policy = static_cast<FragmentPolicy>(size > 0 ? (data[0] >> 4 & 7) % 7 : 0);
  config.defrag.drop_conflicts = !(size > 0 && (data[0] & 0x80));
  auto engine = std::make_unique<SoftwareEngine>(config, generation());
  const std::string attack = "/etc/passwd";
  // Templates: the fragments carry their headers, protocol TCP, and the input's bytes.
  const std::vector<uint8_t> v4 = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kAck).build();
  const std::vector<uint8_t> v6 = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(40000, 80, tcp_flag::kAck).build();
  Packet p;
  Verdict v;
  for (size_t i = 0; i + 6 <= size; i += 6) {
    const uint8_t* r = data + i;
    FragmentPiece piece;
    piece.offset = (uint32_t{r[1]} | uint32_t{r[2]} << 8) % 8192 * 8;
    piece.more = r[0] & 4;
    std::string bytes;
    if (r[0] & 8) {  // source port 40000, destination 80, data offset 5, ACK
      bytes = std::string(20, '\0');
      bytes[0] = static_cast<char>(0x9c), bytes[1] = 0x40, bytes[3] = 80;
      bytes[12] = 0x50, bytes[13] = static_cast<char>(tcp_flag::kAck);
    }
    bytes += attack.substr(0, r[5] % (attack.size() + 1));
    bytes.resize(std::max<size_t>(bytes.size(), r[3]), static_cast<char>(r[4]));
    piece.bytes = bytes;
    const uint32_t id = (r[0] & 2) ? 0x2222 : 0x1111;
    p.bytes = (r[0] & 1) ? testing_support::ipv6_fragment_of(v6, piece, id)
                         : testing_support::ipv4_fragment_of(v4, piece, static_cast<uint16_t>(id));
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = static_cast<int64_t>(i) * 1'000'000;
    engine->process(p, v);
    // The caps hold, whatever the input.
    if (engine->defrag().memory() > config.defrag.memcap) __builtin_trap();
    if (engine->defrag().trackers() > config.defrag.max_trackers) __builtin_trap();
  }
  return 0;
}
