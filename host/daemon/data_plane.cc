#include "daemon/data_plane.h"

#include <cstdio>

#include "device/device_engine.h"
#ifdef PICKET_HAVE_SIM
#include "sim_device.h"
#endif

namespace picket {

std::unique_ptr<DataPlane> DataPlane::open(const std::string& engine_kind, const XrtOptions& xrt, std::string& error) {
  auto plane = std::unique_ptr<DataPlane>(new DataPlane);
  plane->kind_ = engine_kind;
  if (engine_kind == "xrt" || engine_kind == "auto") {
    std::string why;
    plane->card_ = XrtDevice::open(xrt, why);
    if (!plane->card_ && engine_kind == "xrt") {
      error = why;
      return nullptr;
    }
    if (!plane->card_) std::fprintf(stderr, "picketd: %s; using the software engine\n", why.c_str());
  }
  plane->device_ = plane->card_ || engine_kind == "sim";
  return plane;
}

std::unique_ptr<Judge> DataPlane::make_judge(unsigned worker, std::unique_ptr<SoftwareEngine> first,
                                             const EngineConfig& config, const Controller& controller,
                                             std::string& error) {
  std::unique_ptr<SoftwareEngine> engine =
      first ? std::move(first) : std::make_unique<SoftwareEngine>(config, controller.current());
  std::unique_ptr<Device> dev;
  if (device_ && kind_ != "sim") {
    if (worker > 0) {
      error = "one card is driven by one worker: use --workers 1 with --engine xrt";
      return nullptr;
    }
    dev = std::move(card_);
  }
#ifdef PICKET_HAVE_SIM
  if (kind_ == "sim") dev = std::make_unique<SimDevice>();
#endif
  if (!dev) {
    if (worker == 0) std::fprintf(stderr, "picketd: engine sw\n");
    return std::make_unique<Judge>(std::move(engine));
  }
  std::string name = dev->name();
  auto device_engine = DeviceEngine::create(std::move(dev), std::move(engine), error);
  if (!device_engine) {
    error = "the " + name + " device cannot take these tables: " + error;
    return nullptr;
  }
  if (worker == 0) {
    const HardwarePlan::Report& r = device_engine->plan().report;
    std::fprintf(stderr,
                 "picketd: engine %s: %zu of %zu rules on hardware literals (%zu final there), %zu host-only; "
                 "%zu identity bindings exact, %zu prefixes; %zu policy entries\n",
                 name.c_str(), r.hardware_rules, r.rules, r.final_rules, r.host_rules, r.exact_bindings,
                 r.prefix_bindings, r.policy_entries);
  }
  return std::make_unique<Judge>(std::move(device_engine));
}

}  // namespace picket
