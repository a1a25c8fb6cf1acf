#include "device/device_control.h"

#include <algorithm>
#include <span>
#include <sstream>
#include <utility>

#include "device/table_bits.h"

namespace picket {

DeviceControl::DeviceControl(RegisterBus bus) : bus_(std::move(bus)) {
  // Device memories start zeroed, as block RAM does after configuration.
  for (auto& bank : held_) {
    for (size_t t = 0; t < bank.size(); ++t) bank[t].assign(size_t{hw::kTables[t].depth} * hw::kTables[t].words, 0);
  }
}

void DeviceControl::use_packet_time(bool on) {
  uint32_t bit = 1u << hw::control::kPacketTime.lsb;
  control_ = on ? control_ | bit : control_ & ~bit;
  bus_.write(hw::reg::kControl, control_);
}

void DeviceControl::set_time(int64_t ns) {
  uint64_t t = ns < 0 ? 0 : static_cast<uint64_t>(ns);
  bus_.write(hw::reg::kTimeLo, static_cast<uint32_t>(t));
  bus_.write(hw::reg::kTimeHi, static_cast<uint32_t>(t >> 32));
}

bool DeviceControl::set_flows(const DeviceFlowSettings& settings, std::string& error) {
  auto put = [&](uint32_t lo, uint32_t hi, int64_t ns) {
    uint64_t t = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    bus_.write(lo, static_cast<uint32_t>(t));
    bus_.write(hi, static_cast<uint32_t>(t >> 32));
  };
  put(hw::reg::kFlowMinIdleLo, hw::reg::kFlowMinIdleHi, settings.min_idle_ns);
  put(hw::reg::kFlowMaxIdleLo, hw::reg::kFlowMaxIdleHi, settings.max_idle_ns);
  const uint32_t bits = 1u << hw::control::kChecksums.lsb | 1u << hw::control::kChecksumDrop.lsb;
  control_ &= ~bits;
  if (settings.checksums) control_ |= 1u << hw::control::kChecksums.lsb;
  if (settings.checksum_drop) control_ |= 1u << hw::control::kChecksumDrop.lsb;
  bus_.write(hw::reg::kControl, control_);
  // The table holds nothing of this host's flows: one a card kept from an earlier run must go.
  // (After reset it is emptying already.) Emptying takes a cycle per set.
  if (!(bus_.read(hw::reg::kFlowFlush) & 1)) bus_.write(hw::reg::kFlowFlush, 1);
  for (uint32_t waited = 0; bus_.read(hw::reg::kFlowFlush) & 1; ++waited) {
    if (waited > (4u << hw::kFlowSetBits)) {
      error = "the flow table never finished emptying";
      return false;
    }
    bus_.wait();
  }
  return true;
}

void DeviceControl::host_packet(const IpAddress& src, const IpAddress& dst, int64_t ns) {
  bus_.write(hw::reg::kFlowMark, hw::flow_pair_hash(src.value(), dst.value()));
  uint64_t t = ns < 0 ? 0 : static_cast<uint64_t>(ns);
  bus_.write(hw::reg::kFlowClockLo, static_cast<uint32_t>(t));
  bus_.write(hw::reg::kFlowClockHi, static_cast<uint32_t>(t >> 32));
}

uint64_t DeviceControl::read_counter(uint32_t index) {
  bus_.write(hw::reg::kCounterSelect, index);
  for (int i = 0; i < 3; ++i) bus_.wait();  // the snapshot is taken two cycles after the select
  uint64_t lo = bus_.read(hw::reg::kCounterLo);
  return lo | (uint64_t{bus_.read(hw::reg::kCounterHi)} << 32);
}

DeviceCounters DeviceControl::counters() {
  DeviceCounters c;
  c.packets = read_counter(hw::counter::kPackets);
  c.bytes = read_counter(hw::counter::kBytes);
  c.forwarded = read_counter(hw::counter::kForwarded);
  c.punted = read_counter(hw::counter::kPunted);
  c.hit_overflow = read_counter(hw::counter::kHitOverflow);
  c.drop_malformed = read_counter(hw::counter::kDropMalformed);
  c.drop_policy = read_counter(hw::counter::kDropPolicy);
  c.drop_signature = read_counter(hw::counter::kDropSignature);
  c.flow_learned = read_counter(hw::counter::kFlowLearned);
  c.flow_full = read_counter(hw::counter::kFlowFull);
  c.flow_untrusted = read_counter(hw::counter::kFlowUntrusted);
  return c;
}

bool DeviceControl::load(const TableImage& image, std::string& error) {
  RegisterBus& bus = bus_;
  // CONTROL bits the host sets itself; the rest come with the image.
  const uint32_t keep = 1u << hw::control::kPacketTime.lsb | 1u << hw::control::kDropInline.lsb |
                        1u << hw::control::kChecksums.lsb | 1u << hw::control::kChecksumDrop.lsb;
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
  ++generation_;
  return true;
}

}  // namespace picket
