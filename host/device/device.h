// A data plane the host drives: the RTL under Verilator (sim/sim_device.h) or on an Alveo card
// through XRT (host/device/xrt_device.h). Both are driven the same way, through the register
// map of hw/register_map.json: tables written over AXI4-Lite, frames through AXI4-Stream, one
// result record per frame.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "device/table_image.h"
#include "packet/ip_address.h"
#include "packet/packet.h"
#include "register_map.h"

namespace picket {

// One frame's result record (hw/register_map.json "result"), decoded.
struct DeviceResult {
  hw::Verdict verdict = hw::Verdict::kForward;
  hw::Reason reason = hw::Reason::kNone;
  uint8_t malformed = 0;
  bool host_decode = false;
  bool ip = false;
  uint8_t bank = 0;
  uint16_t src_id = 0, dst_id = 0;
  bool fwd_allow = false, rev_allow = false;
  uint16_t fwd_statement = 0, rev_statement = 0;
  bool punt_policy = false, punt_rules = false, hit_overflow = false;
  bool rule_valid = false;
  uint16_t rule = 0;  // the hardware literal id of the final rule the verdict names
  // The frame's flow on the card (hw/flow_table.sv); to_server and client_proven hold for kKnown.
  hw::FlowState flow_state = hw::FlowState::kNone;
  bool to_server = false;
  bool client_proven = false;
  // The card is sure the frame's flow carries no HTTP (hw/flow_table.sv); the frame went to
  // the host for host-only rules that need an HTTP flow.
  bool no_http = false;
  bool punt_http = false;
  bool anchored = false;  // an anchored literal matched (hw/anchored_match.sv)
  bool short_literal = false;  // a short literal matched (hw/short_match.sv)
  struct Hit {
    bool valid = false;
    bool final = false;
    uint16_t literal = 0;
  };
  std::array<Hit, hw::kFrameHits> hits{};

  static DeviceResult decode(std::span<const uint32_t, hw::result::kWords> words);
};

// What the card's flow table needs of the host's (hw/flow_table.sv).
struct DeviceFlowSettings {
  // The shortest and the longest of the host's idle timeouts (FlowConfig): the card trusts a
  // flow's direction only while it is idle no longer than the shortest, and frees its entry
  // past the longest.
  int64_t min_idle_ns = 0;
  int64_t max_idle_ns = 0;
  // The host tracks no flow for a packet whose checksum fails (--checksums validate or drop),
  // and forwards it uninspected (validate) or drops and records it (drop).
  bool checksums = true;
  bool checksum_drop = false;
};

struct DeviceCounters {
  uint64_t packets = 0, bytes = 0, forwarded = 0, punted = 0, hit_overflow = 0;
  uint64_t drop_malformed = 0, drop_policy = 0, drop_signature = 0;
  uint64_t flow_learned = 0, flow_full = 0, flow_untrusted = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string name() const = 0;
  // Writes the image into the bank not in use, then makes it the active one between frames:
  // every frame is judged under one whole generation. False, with `error`, on failure.
  virtual bool load(const TableImage& image, std::string& error) = 0;
  // Judge frames at this time (ns since 1970) from now on, or at each packet's own timestamp.
  virtual void set_time(int64_t ns) = 0;
  virtual void use_packet_time(bool on) = 0;
  // Sets up the flow table as the host tracks flows, empties it (of flows a card may keep from
  // an earlier run) and waits until it is empty: call it before the first frame. False, with
  // `error`, on failure.
  virtual bool set_flows(const DeviceFlowSettings& settings, std::string& error) = 0;
  // Tells the flow table of a packet between these addresses that only the host saw (a
  // capture cut it short, say): flows of the pair are no longer trusted, and the flow clock
  // moves on to `ns`. Call it between process() calls, in packet order.
  virtual void host_packet(const IpAddress& src, const IpAddress& dst, int64_t ns) = 0;
  // One result per packet, in order. Frames are read where they lie (an mbuf inline).
  virtual bool process(std::span<const PacketView> batch, std::vector<DeviceResult>& out, std::string& error) = 0;
  // The same for packets held in memory (tests, benchmarks).
  bool process(std::span<const Packet> batch, std::vector<DeviceResult>& out, std::string& error) {
    std::vector<PacketView> views(batch.begin(), batch.end());
    return process(std::span<const PacketView>(views), out, error);
  }
  virtual DeviceCounters counters() = 0;
  // Frames whose verdict the final rule of this hardware literal id decided.
  virtual uint64_t rule_frames(uint16_t literal) = 0;
  virtual uint32_t generation() const = 0;  // images loaded so far
};

}  // namespace picket
