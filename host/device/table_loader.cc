#include "device/table_loader.h"

#include <algorithm>
#include <span>
#include <sstream>

namespace picket {

TableLoader::TableLoader() {
  // Device memories start zeroed, as block RAM does after configuration.
  for (auto& bank : held_) {
    for (size_t t = 0; t < bank.size(); ++t) bank[t].assign(size_t{hw::kTables[t].depth} * hw::kTables[t].words, 0);
  }
}

void TableLoader::set_control_bits(RegisterBus& bus, uint32_t mask, uint32_t value) {
  control_ = (control_ & ~mask) | (value & mask);
  bus.write(hw::reg::kControl, control_);
}

bool TableLoader::load(RegisterBus& bus, const TableImage& image, uint32_t keep, std::string& error) {
  uint32_t version = bus.read(hw::reg::kVersion);
  if (version != hw::kRegmapVersion || image.format_version != hw::kRegmapVersion) {
    std::ostringstream s;
    s << std::hex << "register map version mismatch: device 0x" << version << ", table image 0x"
      << image.format_version << ", host 0x" << hw::kRegmapVersion;
    error = s.str();
    return false;
  }
  uint32_t shadow = ((control_ >> hw::control::kActiveBank.lsb) & 1) ^ 1;
  for (int waited = 0; ((bus.read(hw::reg::kInFlight) >> (16 * shadow)) & 0xffff) != 0; ++waited) {
    if (waited > 100000) {
      error = "frames under the shadow table bank never left";
      return false;
    }
    bus.wait();
  }
  std::array<uint32_t, 8> data{};
  std::array<bool, 8> data_known{};
  for (uint8_t t = 0; t < hw::table::kCount; ++t) {
    const hw::TableShape& shape = hw::kTables[t];
    std::vector<uint32_t>& held = held_[shadow][t];
    bool selected = false;
    int64_t next_index = -1;
    for (uint32_t i = 0; i < shape.depth; ++i) {
      std::span<const uint32_t> want = image.entry(t, i);
      std::span<uint32_t> have = std::span<uint32_t>(held).subspan(size_t{i} * shape.words, shape.words);
      if (std::equal(want.begin(), want.end(), have.begin())) continue;
      if (!selected) {
        bus.write(hw::reg::kTableSelect, t | (shadow << 8));
        selected = true;
      }
      if (next_index != i) bus.write(hw::reg::kTableIndex, i);
      for (unsigned w = 0; w < shape.words; ++w) {
        if (data_known[w] && data[w] == want[w]) continue;
        bus.write(hw::reg::kTableData0 + 4 * w, want[w]);
        data[w] = want[w];
        data_known[w] = true;
      }
      bus.write(hw::reg::kTableWrite, 1);
      next_index = i + 1;
      std::copy(want.begin(), want.end(), have.begin());
    }
  }
  uint32_t bank_bit = 1u << hw::control::kActiveBank.lsb;
  control_ = (image.control & ~keep & ~bank_bit) | (control_ & keep) | (shadow ? bank_bit : 0);
  bus.write(hw::reg::kControl, control_);
  return true;
}

}  // namespace picket
