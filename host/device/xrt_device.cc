#include "device/xrt_device.h"

#include <experimental/xrt_ip.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <cstring>

namespace picket {

struct XrtDevice::Handles {
  xrt::device device;
  xrt::uuid uuid;
  xrt::ip control;
  xrt::kernel mm2s, s2mm;
};

namespace {
constexpr size_t kRecordHeader = 16;
constexpr size_t kResultBytes = hw::result::kWords * 4;
}  // namespace

XrtDevice::XrtDevice() = default;
XrtDevice::~XrtDevice() = default;

std::unique_ptr<XrtDevice> XrtDevice::open(const XrtOptions& options, std::string& error) {
  std::unique_ptr<XrtDevice> d(new XrtDevice);
  d->x_ = std::make_unique<Handles>();
  try {
    d->x_->device = xrt::device(options.device_index);
  } catch (const std::exception& e) {
    error = "no Alveo card found (XRT device " + std::to_string(options.device_index) + ": " + e.what() + ")";
    return nullptr;
  }
  if (options.xclbin.empty()) {
    error = "an Alveo card is present but no xclbin was given (--xclbin)";
    return nullptr;
  }
  try {
    d->x_->uuid = d->x_->device.load_xclbin(options.xclbin);
    d->x_->control = xrt::ip(d->x_->device, d->x_->uuid, "picket_kernel");
    d->x_->mm2s = xrt::kernel(d->x_->device, d->x_->uuid, "picket_mm2s");
    d->x_->s2mm = xrt::kernel(d->x_->device, d->x_->uuid, "picket_s2mm");
  } catch (const std::exception& e) {
    error = options.xclbin + ": " + e.what();
    return nullptr;
  }
  Handles* x = d->x_.get();
  d->bus_.read = [x](uint32_t a) { return x->control.read_register(a); };
  d->bus_.write = [x](uint32_t a, uint32_t v) { x->control.write_register(a, v); };
  d->bus_.wait = [] {};
  return d;
}

bool XrtDevice::load(const TableImage& image, std::string& error) {
  uint32_t keep = 1u << hw::control::kPacketTime.lsb | 1u << hw::control::kDropInline.lsb;
  if (!loader_.load(bus_, image, keep, error)) return false;
  ++generation_;
  return true;
}

void XrtDevice::set_time(int64_t ns) {
  uint64_t t = ns < 0 ? 0 : static_cast<uint64_t>(ns);
  bus_.write(hw::reg::kTimeLo, static_cast<uint32_t>(t));
  bus_.write(hw::reg::kTimeHi, static_cast<uint32_t>(t >> 32));
}

void XrtDevice::use_packet_time(bool on) {
  uint32_t bit = 1u << hw::control::kPacketTime.lsb;
  loader_.set_control_bits(bus_, bit, on ? bit : 0);
}

bool XrtDevice::process(std::span<const Packet> batch, std::vector<DeviceResult>& out, std::string& error) {
  out.clear();
  if (batch.empty()) return true;
  size_t bytes = 0;
  for (const Packet& p : batch) bytes += kRecordHeader + (p.bytes.size() + 63) / 64 * 64;
  try {
    xrt::bo frames(x_->device, bytes, x_->mm2s.group_id(0));
    xrt::bo results(x_->device, batch.size() * kResultBytes, x_->s2mm.group_id(0));
    auto* at = frames.map<uint8_t*>();
    std::memset(at, 0, bytes);
    for (const Packet& p : batch) {
      uint32_t length = static_cast<uint32_t>(p.bytes.size());
      uint64_t ts = static_cast<uint64_t>(std::max<int64_t>(0, p.timestamp_ns));
      std::memcpy(at, &length, 4);
      std::memcpy(at + 8, &ts, 8);
      std::memcpy(at + kRecordHeader, p.bytes.data(), p.bytes.size());
      at += kRecordHeader + (p.bytes.size() + 63) / 64 * 64;
    }
    frames.sync(XCL_BO_SYNC_BO_TO_DEVICE);
    auto count = static_cast<uint32_t>(batch.size());
    xrt::run sink = x_->s2mm(results, count);
    xrt::run source = x_->mm2s(frames, count);
    source.wait();
    sink.wait();
    results.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
    const auto* words = results.map<const uint32_t*>();
    for (size_t i = 0; i < batch.size(); ++i) {
      out.push_back(DeviceResult::decode(
          std::span<const uint32_t, hw::result::kWords>(words + i * hw::result::kWords, hw::result::kWords)));
    }
  } catch (const std::exception& e) {
    error = std::string("XRT: ") + e.what();
    return false;
  }
  return true;
}

DeviceCounters XrtDevice::counters() {
  auto read = [&](uint32_t index) {
    bus_.write(hw::reg::kCounterSelect, index);
    uint64_t lo = bus_.read(hw::reg::kCounterLo);
    return lo | (uint64_t{bus_.read(hw::reg::kCounterHi)} << 32);
  };
  DeviceCounters c;
  c.packets = read(hw::counter::kPackets);
  c.bytes = read(hw::counter::kBytes);
  c.forwarded = read(hw::counter::kForwarded);
  c.punted = read(hw::counter::kPunted);
  c.hit_overflow = read(hw::counter::kHitOverflow);
  c.drop_malformed = read(hw::counter::kDropMalformed);
  c.drop_policy = read(hw::counter::kDropPolicy);
  c.drop_signature = read(hw::counter::kDropSignature);
  return c;
}

}  // namespace picket
