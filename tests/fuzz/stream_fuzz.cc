// libFuzzer target: whole TCP conversations through the software engine, so the stream
// reassembler and detection over its windows see every order, overlap, gap and flag an input
// can spell. Each 6 bytes of input are one segment:
//
//   byte 0     bit 0: from the server; bit 1: a second client port (a second flow);
//              bits 2-7: TCP flags (FIN SYN RST PSH ACK URG)
//   bytes 1-2  the segment's offset in its direction's stream, little-endian (-2 .. 65533:
//              before the start too)
//   byte 3     its length, 0 to 255; times 257, the window it advertises
//   byte 4     the byte it repeats; times 64, how far past the other side's start it acknowledges;
//              modulo 64, its urgent pointer (read where URG is set)
//   byte 5     bits 0-6: how many bytes of "/etc/passwd" it starts with (modulo 12); bit 7:
//              the window scale option, scale byte 4 modulo 16 (on a SYN, what it offers)
//
// The first input byte also picks --midstream (bit 0), and the second the stream exception
// (modulo 4) and the urgent policy (bits 2-3, modulo 3). The caps are small, so queues, the
// memory cap and the depth are reached often.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/software_engine.h"
#include "plan/build.h"
#include "testing/packet_builder.h"

namespace {

// The rules, compiled once: each input gets an engine of its own under them.
std::shared_ptr<const picket::Generation> generation() {
  using namespace picket;
  static const std::shared_ptr<const Generation> g = [] {
  Sources sources;
  sources.files.push_back({SourceFile::Kind::kRules, "fuzz.rules",
                           "drop tcp any any -> any 80 (content:\"/etc/passwd\"; sid:1;)\n"
                           "alert tcp any any -> any any (content:\"aaaa\"; content:\"bbbb\"; distance:0; sid:2;)\n"
                           "alert tcp-stream any any -> any any (pcre:\"/a{3}b/\"; sid:3;)\n"});
  Build build = build_generation(sources, EngineConfig{}, BuildOptions{});
  if (!build.generation) __builtin_trap();
  return std::shared_ptr<const Generation>(std::move(build.generation));
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket;
  if (size > 6 * 4096) return 0;
  EngineConfig config;
  config.flows.max_flows = 2;
  config.flows.midstream = size > 0 && (data[0] & 1);
  config.stream.depth = 4096;
  config.stream.lookback = 64;
  config.stream.max_queued_segments = 8;
  config.stream.memcap = 2048;
  config.stream.on_exception = static_cast<StreamException>(size > 1 ? data[1] % 4 : 0);
  config.stream.urgent = static_cast<UrgentPolicy>(size > 1 ? (data[1] >> 2) % 3 : 0);
  auto engine = std::make_unique<SoftwareEngine>(config, generation());
  const std::string attack = "/etc/passwd";
  Packet p;
  Verdict v;
  for (size_t i = 0; i + 6 <= size; i += 6) {
    const uint8_t* r = data + i;
    const bool from_server = r[0] & 1;
    const uint16_t client_port = (r[0] & 2) ? 40001 : 40000;
    const uint8_t flags = static_cast<uint8_t>(r[0] >> 2);
    const int32_t offset = static_cast<int32_t>(r[1] | r[2] << 8) - 2;
    std::string payload(r[3], static_cast<char>(r[4]));
    payload.replace(0, std::min<size_t>((r[5] & 0x7f) % (attack.size() + 1), payload.size()), attack, 0,
                    std::min<size_t>((r[5] & 0x7f) % (attack.size() + 1), payload.size()));
    const uint32_t isn = from_server ? 5000 : 1000, other_isn = from_server ? 1000 : 5000;
    PacketBuilder b;
    b.ipv4(from_server ? "10.0.0.2" : "10.0.0.1", from_server ? "10.0.0.1" : "10.0.0.2");
    b.tcp(from_server ? 80 : client_port, from_server ? client_port : 80, flags,
          static_cast<uint32_t>(int64_t{isn} + 1 + offset), other_isn + 1 + uint32_t{r[4]} * 64,
          static_cast<uint16_t>(r[3] * 257));
    if (r[5] & 0x80) b.tcp_options({3, 3, static_cast<uint8_t>(r[4] % 16)});
    b.tcp_urgent(r[4] % 64);
    b.payload(payload);
    p.bytes = b.build();
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = static_cast<int64_t>(i) * 1'000'000;
    engine->process(p, v);
    // The memory cap holds, whatever the input.
    if (engine->streams().held_bytes() > config.stream.memcap) __builtin_trap();
  }
  return 0;
}
