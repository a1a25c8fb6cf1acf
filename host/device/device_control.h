// What every device does through its control registers (hw/register_map.json), whatever carries
// the register accesses: AXI4-Lite under Verilator, xrt::ip on a card.
//
// Loading a table image:
//   1. check VERSION;  2. wait until no frame is in flight under the shadow bank;
//   3. write the shadow bank's entries that differ from what it holds (TABLE_SELECT,
//      TABLE_INDEX, TABLE_DATA0.., TABLE_WRITE);  4. write CONTROL with ACTIVE_BANK flipped.
// Frames that started before step 4 finish under the old bank, later ones see the new one.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "device/device.h"
#include "device/table_image.h"

namespace picket {

struct RegisterBus {
  std::function<uint32_t(uint32_t)> read;
  std::function<void(uint32_t, uint32_t)> write;
  std::function<void()> wait;  // let the device run a little
};

class DeviceControl {
 public:
  explicit DeviceControl(RegisterBus bus);

  bool load(const TableImage& image, std::string& error);
  void set_time(int64_t ns);
  void use_packet_time(bool on);
  bool set_flows(const DeviceFlowSettings& settings, std::string& error);
  void host_packet(const IpAddress& src, const IpAddress& dst, int64_t ns);
  DeviceCounters counters();
  uint64_t rule_frames(uint16_t literal) { return read_counter(hw::counter::kRuleBase + literal); }
  uint32_t generation() const { return generation_; }  // images loaded so far

 private:
  uint64_t read_counter(uint32_t index);

  RegisterBus bus_;
  uint32_t control_ = 0;  // CONTROL as last written
  uint32_t generation_ = 0;
  std::array<std::array<std::vector<uint32_t>, hw::table::kCount>, 2> held_;  // what each bank holds
};

}  // namespace picket
