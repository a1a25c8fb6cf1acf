#include "sim_device.h"

#include <verilated.h>

#include <utility>

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

bool SimDevice::cycle(bool offer) {
  top_->s_axis_tvalid = offer;
  top_->m_axis_tready = options_.output_stall > 0 ? !std::bernoulli_distribution(options_.output_stall)(rng_) : 1;
  top_->ap_clk = 0;
  top_->eval();
  // Sample both handshakes before the rising edge, as the registers see them.
  bool in_fire = offer && top_->s_axis_tready;
  if (offer && !in_fire) ++input_stalls_;
  if (top_->m_axis_tvalid && top_->m_axis_tready) {
    if (!output_mid_frame_ && !started_.empty()) {
      latencies_.push_back(static_cast<uint32_t>(cycles_ - started_.front()));
      started_.pop_front();
    }
    output_mid_frame_ = !top_->m_axis_tlast;
    if (top_->m_axis_tlast) {
      std::array<uint32_t, hw::result::kWords> words;
      for (unsigned w = 0; w < hw::result::kWords; ++w) words[w] = top_->m_axis_tuser[w];
      results_.push_back(DeviceResult::decode(words));
    }
  }
  top_->ap_clk = 1;
  top_->eval();
  ++cycles_;
  if (in_fire) ++input_beats_;
  return in_fire;
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

bool SimDevice::process(std::span<const PacketView> batch, std::vector<DeviceResult>& out, std::string& error) {
  results_.clear();
  results_.reserve(batch.size());
  latencies_.clear();
  size_t frame = 0, offset = 0;  // the next beat to send
  uint64_t beat = 0, idle = 0, had = 0;
  while (results_.size() < batch.size()) {
    bool sending = frame < batch.size();
    if (sending && beat == action_beat_ && action_) std::exchange(action_, nullptr)();
    if (sending) {
      const PacketView& p = batch[frame];
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
    uint64_t now = cycles_;
    if (cycle(sending)) {
      if (offset == 0) started_.push_back(now);
      ++beat;
      offset += kBeatBytes;
      if (offset >= batch[frame].bytes.size()) {
        ++frame;
        offset = 0;
      }
      idle = 0;
    }
    if (results_.size() != had) {
      had = results_.size();
      idle = 0;
    }
    if (++idle > kStallLimit) {
      error = "the device stopped: " + std::to_string(results_.size()) + " of " + std::to_string(batch.size()) +
              " results after " + std::to_string(kStallLimit) + " idle cycles";
      started_.clear();
      action_ = nullptr;
      return false;
    }
  }
  out = std::move(results_);
  results_ = {};
  action_ = nullptr;  // a beat the batch did not reach
  return true;
}

}  // namespace picket
