// The pipeline on an Alveo card, through XRT: the same register map and table loader as the
// Verilator model (xrt::ip register access to picket_kernel's s_axi_control), with frames moved
// by the platform's stream data movers.
//
// The xclbin is expected to hold picket_kernel plus two data movers between card memory and
// its streams: picket_mm2s(frames, count), reading records of
//   | length u32 | reserved u32 | timestamp ns u64 | bytes, padded to 64 |
// into s_axis, and picket_s2mm(results, count), writing each frame's 32-byte result record.
#pragma once

#include <memory>
#include <string>

#include "device/device.h"
#include "device/device_control.h"

namespace picket {

struct XrtOptions {
  unsigned device_index = 0;
  std::string xclbin;  // the bitstream container to load
};

class XrtDevice final : public Device {
 public:
  // Null, with a plain `error` ("no Alveo card found: ..."), when there is no card, no
  // xclbin, or the xclbin lacks the kernels.
  static std::unique_ptr<XrtDevice> open(const XrtOptions& options, std::string& error);
  ~XrtDevice() override;

  std::string name() const override { return "xrt"; }
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

 private:
  struct Handles;
  XrtDevice();
  std::unique_ptr<Handles> x_;
  std::unique_ptr<DeviceControl> control_;
};

}  // namespace picket
