// A device with host confirmation: the data plane judges every frame (identities, both-way
// policy, literal hits, final rules), and the host completes each packet with the software
// engine's flow state and rule checks, taking the device's answers in place of its own.
//
// Because the host completes every packet, it also checks the device: a frame the device would
// have dropped or forwarded on its own must come out the same here. Differences are counted
// and described (disagreements()); the differential tests require none.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "device/device.h"
#include "plan/table_compiler.h"
#include "pipeline/software_engine.h"

namespace picket {

// The largest frame a device is given: a jumbo frame. The kernel holds a frame until its
// verdict, in a FIFO of 512 beats (32 KB); larger captured frames (offloaded segments) are the
// host's alone.
constexpr size_t kMaxDeviceFrame = 9216;

struct DeviceEngineStats {
  uint64_t packets = 0;
  uint64_t punted = 0;          // the device sent the frame to the host
  uint64_t punted_policy = 0;   // ... because the policy decision depends on the flow's direction,
  uint64_t punted_policy_no_flow = 0;    //   the frame has no flow the card keys (not TCP/UDP, a fragment)
  uint64_t punted_policy_untrusted = 0;  //   its flow's direction is not trusted (hw/flow_table.sv)
  uint64_t punted_policy_full = 0;       //   its flow is new and its set in the card's table is full
  uint64_t punted_policy_identity = 0;   //   an identity id beyond the card's policy table
  uint64_t punted_rules = 0;    // ... because of candidate rules, host-only rules or overflow:
  uint64_t punted_candidates = 0;  //   a literal hit the hardware cannot finish
  uint64_t punted_host_rules = 0;  //   no such hit, but a host-only rule may apply (class or port)
  uint64_t punted_anchored = 0;    //   no such hit, but an anchored literal's
  uint64_t punted_short = 0;       //   no such hit, but a short literal's
  uint64_t punted_host_http = 0;   //   ... only one that needs an HTTP flow, on a flow that may be one
  uint64_t punted_overflow = 0;    //   more hits than the result record holds
  uint64_t punted_decode = 0;   // ... because its parser left the frame's headers to the host
  uint64_t device_drops = 0;    // the device dropped the frame alone
  uint64_t host_only = 0;       // frames not given to the device (not Ethernet, cut short, or over kMaxDeviceFrame)
  // Decided on the host from what the device does not know: the flow (blocked or passed by
  // an earlier packet, or its stream refused the segment) or the packet's checksum; or the
  // stream before the segment (a rule matched across segments).
  uint64_t needs_flow_state = 0;
  uint64_t needs_stream = 0;
  // The card's flow table, per frame: a trusted direction, untrusted, or full.
  uint64_t flow_known = 0;
  uint64_t flow_untrusted = 0;
  uint64_t flow_full = 0;
  uint64_t no_http = 0;  // frames of flows the card is sure carry no HTTP
  uint64_t disagreements = 0;
  // Time the host spent completing frames (the software engine's part of process()), in ns.
  uint64_t host_ns = 0;
};

class DeviceEngine {
 public:
  // Loads the device tables of the engine's generation (built with a device: plan/build.h).
  // Null, with `error`, when it has none or the device refuses them.
  static std::unique_ptr<DeviceEngine> create(std::unique_ptr<Device> device, std::unique_ptr<SoftwareEngine> engine,
                                              std::string& error);

  // Judges under `next` from the next batch on: loads its device tables into the device's idle
  // bank, which becomes the active one between two frames. False, with `error`, when it has
  // none or the device refuses them: nothing changes.
  bool adopt(std::shared_ptr<const Generation> next, std::string& error);

  // One verdict per packet, in order. False, with `error`, when the device fails.
  bool process(std::span<const PacketView> batch, std::vector<Verdict>& out, std::string& error);
  // The same for packets held in memory (tests, benchmarks).
  bool process(std::span<const Packet> batch, std::vector<Verdict>& out, std::string& error) {
    std::vector<PacketView> views(batch.begin(), batch.end());
    return process(std::span<const PacketView>(views), out, error);
  }

  Device& device() { return *device_; }
  SoftwareEngine& software() { return *engine_; }
  const HardwarePlan& plan() const { return tables_->plan; }
  const TableImage& image() const { return tables_->image; }
  const DeviceEngineStats& stats() const { return stats_; }
  const std::vector<std::string>& disagreements() const { return disagreement_notes_; }
  // By hardware literal id: the frames handed over for a literal hit (the cause
  // punted_candidates), each literal of such a frame counted once. Empty entries past the end.
  const std::vector<uint64_t>& literal_punts() const { return literal_punts_; }

 private:
  DeviceEngine() = default;
  // Fills view_ from the device's result.
  void take(const DeviceResult& r);
  void check(const DeviceResult& r, const HardwareView& view, const PacketView& p, const Verdict& v);
  void count_punt(const DeviceResult& r);

  std::unique_ptr<Device> device_;
  std::unique_ptr<SoftwareEngine> engine_;
  std::shared_ptr<const CompiledTables> tables_;
  std::vector<DeviceResult> results_;
  std::vector<DeviceResult> part_;  // one device call's, when a batch is sent in parts
  HardwareView view_;  // reused: its rule lists keep their storage
  std::vector<PacketView> sent_;
  std::vector<size_t> sent_index_;
  DeviceEngineStats stats_;
  std::vector<std::string> disagreement_notes_;
  std::vector<uint64_t> literal_punts_;
};

}  // namespace picket
