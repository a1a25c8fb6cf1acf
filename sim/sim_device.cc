#include "sim_device.h"

#include <verilated.h>

#include "Vpicket_kernel.h"
#include "device/table_bits.h"

namespace picket {

namespace {

constexpr unsigned kBeatBytes = 64;
constexpr uint64_t kStallLimit = 1'000'000;  // cycles without progress before giving up

}  // namespace

SimDevice::SimDevice(SimOptions options)
    : options_(options), context_(std::make_unique<VerilatedContext>()), rng_(options.seed) {
  top_ = std::make_unique<Vpicket_kernel>(context_.get());
  control_ = std::make_unique<DeviceControl>(RegisterBus{[this](uint32_t a) { return read_register(a); },
                                                         [this](uint32_t a, uint32_t v) { write_register(a, v); },
                                                         [this] { tick(); }});
  top_->ap_rst_n = 0;
  for (int i = 0; i < 4; ++i) tick();
  top_->ap_rst_n = 1;
  tick();
}

SimDevice::~SimDevice() { top_->final(); }

void SimDevice::tick() {
  top_->ap_clk = 0;
  top_->eval();
  top_->ap_clk = 1;
  top_->eval();
  ++cycles_;
}

void SimDevice::write_register(uint32_t address, uint32_t value) {
  top_->s_axi_control_awaddr = static_cast<uint16_t>(address);
  top_->s_axi_control_awvalid = 1;
  top_->s_axi_control_wdata = value;
  top_->s_axi_control_wstrb = 0xf;
  top_->s_axi_control_wvalid = 1;
  top_->s_axi_control_bready = 1;
  for (;;) {
    top_->ap_clk = 0;
    top_->eval();
    bool taken = top_->s_axi_control_awready;
    tick();
    if (taken) break;
  }
  top_->s_axi_control_awvalid = 0;
  top_->s_axi_control_wvalid = 0;
  while (!top_->s_axi_control_bvalid) tick();
  tick();  // the response is taken
  top_->s_axi_control_bready = 0;
}

uint32_t SimDevice::read_register(uint32_t address) {
  top_->s_axi_control_araddr = static_cast<uint16_t>(address);
  top_->s_axi_control_arvalid = 1;
  top_->s_axi_control_rready = 1;
  for (;;) {
    top_->ap_clk = 0;
    top_->eval();
    bool taken = top_->s_axi_control_arready;
    tick();
    if (taken) break;
  }
  top_->s_axi_control_arvalid = 0;
  while (!top_->s_axi_control_rvalid) tick();
  uint32_t value = top_->s_axi_control_rdata;
  tick();
  top_->s_axi_control_rready = 0;
  return value;
}

bool SimDevice::process(std::span<const Packet> batch, std::vector<DeviceResult>& out, std::string& error) {
  out.clear();
  out.reserve(batch.size());
  std::bernoulli_distribution stall(options_.output_stall);
  size_t frame = 0, offset = 0;  // the next beat to send
  uint64_t idle = 0;
  while (out.size() < batch.size()) {
    bool sending = frame < batch.size();
    if (sending) {
      const Packet& p = batch[frame];
      size_t n = std::min<size_t>(kBeatBytes, p.bytes.size() - offset);
      for (unsigned w = 0; w < kBeatBytes / 4; ++w) {
        uint32_t word = 0;
        for (unsigned b = 0; b < 4; ++b) {
          size_t i = offset + 4 * w + b;
          if (4 * w + b < n) word |= static_cast<uint32_t>(p.bytes[i]) << (8 * b);
        }
        top_->s_axis_tdata[w] = word;
      }
      top_->s_axis_tkeep = n >= 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1);
      top_->s_axis_tlast = offset + kBeatBytes >= p.bytes.size();
      top_->s_axis_tuser = static_cast<uint64_t>(std::max<int64_t>(0, p.timestamp_ns));
    }
    top_->s_axis_tvalid = sending;
    top_->m_axis_tready = options_.output_stall > 0 ? !stall(rng_) : 1;
    top_->ap_clk = 0;
    top_->eval();
    bool in_fire = sending && top_->s_axis_tready;
    if (sending && !in_fire) ++input_stalls_;
    if (top_->m_axis_tvalid && top_->m_axis_tready && top_->m_axis_tlast) {
      std::array<uint32_t, hw::result::kWords> words;
      for (unsigned w = 0; w < hw::result::kWords; ++w) words[w] = top_->m_axis_tuser[w];
      out.push_back(DeviceResult::decode(words));
      idle = 0;
    }
    top_->ap_clk = 1;
    top_->eval();
    ++cycles_;
    if (in_fire) {
      ++input_beats_;
      offset += kBeatBytes;
      if (offset >= batch[frame].bytes.size()) {
        ++frame;
        offset = 0;
      }
      idle = 0;
    }
    if (++idle > kStallLimit) {
      error = "the device stopped: " + std::to_string(out.size()) + " of " + std::to_string(batch.size()) +
              " results after " + std::to_string(kStallLimit) + " idle cycles";
      top_->s_axis_tvalid = 0;
      return false;
    }
  }
  top_->s_axis_tvalid = 0;
  return true;
}

}  // namespace picket
