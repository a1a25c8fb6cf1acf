// What judges packets for one thread of picketd: the software engine alone, or a device (the
// Verilator model, a card) that the software engine completes. Each inline worker has its own,
// with its own flow table.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "device/device_engine.h"
#include "pipeline/software_engine.h"

namespace picket {

class Judge {
 public:
  explicit Judge(std::unique_ptr<SoftwareEngine> engine) : engine_(std::move(engine)) {}
  explicit Judge(std::unique_ptr<DeviceEngine> device) : device_(std::move(device)) {}

  SoftwareEngine& software() { return device_ ? device_->software() : *engine_; }
  const SoftwareEngine& software() const { return device_ ? device_->software() : *engine_; }
  DeviceEngine* device() { return device_.get(); }
  std::string name() const { return device_ ? device_->device().name() : "sw"; }
  uint32_t generation() const {
    return software().generation()->number;  // the controller's number, for a device too
  }

  // Judges under `next` from the next batch on; a device loads its device tables. False, with
  // `error`, when the device refuses them.
  bool adopt(std::shared_ptr<const Generation> next, std::string& error) {
    if (!device_) {
      engine_->adopt(std::move(next));
      return true;
    }
    return device_->adopt(std::move(next), error);
  }

  // One verdict per packet, in order, each frame read where it lies. False, with `error`, when
  // the device fails.
  bool judge(std::span<const PacketView> batch, std::vector<Verdict>& out, std::string& error) {
    if (device_) return device_->process(batch, out, error);
    out.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) engine_->process(batch[i], out[i]);
    return true;
  }

 private:
  std::unique_ptr<SoftwareEngine> engine_;
  std::unique_ptr<DeviceEngine> device_;
};

}  // namespace picket
