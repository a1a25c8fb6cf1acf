// Loading a table image through the control registers: the one protocol every device uses.
//
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

#include "device/table_image.h"

namespace picket {

struct RegisterBus {
  std::function<uint32_t(uint32_t)> read;
  std::function<void(uint32_t, uint32_t)> write;
  std::function<void()> wait;  // let the device run a little
};

class TableLoader {
 public:
  TableLoader();
  // `keep` are CONTROL bits the host sets itself (PACKET_TIME, DROP_INLINE).
  bool load(RegisterBus& bus, const TableImage& image, uint32_t keep, std::string& error);
  uint32_t control() const { return control_; }
  void set_control_bits(RegisterBus& bus, uint32_t mask, uint32_t value);

 private:
  uint32_t control_ = 0;
  std::array<std::array<std::vector<uint32_t>, hw::table::kCount>, 2> held_;  // what each bank holds
};

}  // namespace picket
