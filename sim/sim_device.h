// The RTL's top level (hw/picket_kernel.sv) under Verilator, as a Device: tables written through
// AXI4-Lite, frames through AXI4-Stream, results read off m_axis_tuser — as a card is driven.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <random>

#include "device/device.h"
#include "device/device_control.h"

class Vpicket_kernel;
class VerilatedContext;

namespace picket {

struct SimOptions {
  // Probability (0..1) that the output is not ready in a cycle, to exercise back-pressure.
  double output_stall = 0;
  uint32_t seed = 1;
};

class SimDevice final : public Device {
 public:
  explicit SimDevice(SimOptions options = {});
  ~SimDevice() override;

  std::string name() const override { return "sim"; }
  bool load(const TableImage& image, std::string& error) override { return control_->load(image, error); }
  void set_time(int64_t ns) override { control_->set_time(ns); }
  void use_packet_time(bool on) override { control_->use_packet_time(on); }
  bool set_flows(const DeviceFlowSettings& settings, std::string& error) override {
    return control_->set_flows(settings, error);
  }
  void host_packet(const IpAddress& src, const IpAddress& dst, int64_t ns) override {
    control_->host_packet(src, dst, ns);
  }
  using Device::process;
  bool process(std::span<const PacketView> batch, std::vector<DeviceResult>& out, std::string& error) override;
  DeviceCounters counters() override { return control_->counters(); }
  uint64_t rule_frames(uint16_t literal) override { return control_->rule_frames(literal); }
  uint32_t generation() const override { return control_->generation(); }

  // For tests and benchmarks.
  uint64_t cycles() const { return cycles_; }
  uint64_t input_beats() const { return input_beats_; }
  uint64_t input_stall_cycles() const { return input_stalls_; }  // a beat waited: tready low
  // Cycles from each frame's first beat in to its first beat out, for the last process() call.
  const std::vector<uint32_t>& latencies() const { return latencies_; }
  // Runs `action` (a load, say) during the next process() call, just before it offers beat
  // number `beat` of the batch: frames are then in flight, the stream idles meanwhile, and
  // results keep leaving. Frames whose first beat came before are judged under the tables
  // of before.
  void before_beat(uint64_t beat, std::function<void()> action) {
    action_beat_ = beat;
    action_ = std::move(action);
  }

 private:
  // One clock cycle: offers the input beat set up on the port if `offer`, takes a result if
  // one leaves. True if the beat was taken.
  bool cycle(bool offer);
  void tick() { cycle(false); }
  uint32_t read_register(uint32_t address);
  void write_register(uint32_t address, uint32_t value);

  SimOptions options_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vpicket_kernel> top_;
  std::mt19937 rng_;
  std::unique_ptr<DeviceControl> control_;
  uint64_t cycles_ = 0, input_beats_ = 0, input_stalls_ = 0;
  std::vector<DeviceResult> results_;    // results of the current process() call
  std::deque<uint64_t> started_;         // cycle each frame in flight entered
  bool output_mid_frame_ = false;
  std::vector<uint32_t> latencies_;
  uint64_t action_beat_ = 0;
  std::function<void()> action_;
};

}  // namespace picket
