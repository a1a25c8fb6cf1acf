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
  // Register accesses over PCIe take far longer than the kernel's few cycles: no waiting needed.
  d->control_ = std::make_unique<DeviceControl>(RegisterBus{[x](uint32_t a) { return x->control.read_register(a); },
                                                            [x](uint32_t a, uint32_t v) { x->control.write_register(a, v); },
                                                            [] {}});
  return d;
}

bool XrtDevice::process(std::span<const PacketView> batch, std::vector<DeviceResult>& out, std::string& error) {
  out.clear();
  if (batch.empty()) return true;
  size_t bytes = 0;
  for (const PacketView& p : batch) bytes += kRecordHeader + (p.bytes.size() + 63) / 64 * 64;
  try {
    xrt::bo frames(x_->device, bytes, x_->mm2s.group_id(0));
    xrt::bo results(x_->device, batch.size() * kResultBytes, x_->s2mm.group_id(0));
    auto* at = frames.map<uint8_t*>();
    std::memset(at, 0, bytes);
    for (const PacketView& p : batch) {
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

}  // namespace picket
