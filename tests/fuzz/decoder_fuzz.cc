// libFuzzer target: the packet decoder and the flow table on arbitrary bytes.
// The first input byte picks the link type and how much longer the wire length is than the
// captured bytes; the rest is the packet.
#include <cstddef>
#include <cstdint>

#include "flow/flow_table.h"
#include "packet/decoder.h"

namespace {

constexpr picket::LinkType kLinks[] = {picket::LinkType::kEthernet, picket::LinkType::kRaw,
                                       picket::LinkType::kLinuxSll, picket::LinkType::kNull,
                                       picket::LinkType::kIpv4,     picket::LinkType::kIpv6};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 70000) return 0;
  static picket::FlowTable flows(picket::FlowConfig{.max_flows = 64, .midstream = (data[0] & 0x80) != 0});
  picket::LinkType link = kLinks[(data[0] & 0x0f) % std::size(kLinks)];
  auto captured = static_cast<uint32_t>(size - 1);
  uint32_t wire = captured + ((data[0] >> 4) & 0x07) * 100u;
  picket::DecodedPacket p = picket::decode(data + 1, captured, wire, link);
  // The decoder's contract: nothing it reports lies outside the captured bytes.
  if (uint64_t{p.payload_offset} + p.payload_length > captured) __builtin_trap();
  if (p.ok() && p.is_ip() && p.ip_end > captured) __builtin_trap();
  static int64_t now = 0;
  now += 1'000'000'000;
  flows.track(p, wire, now);
  return 0;
}
