// What judges picketd's packets: a card found through XRT, the Verilator model of the same RTL,
// or the software engine alone. The one place that chooses; each worker's Judge (judge.h) then
// runs what was chosen.
#pragma once

#include <memory>
#include <string>

#include "control/controller.h"
#include "daemon/judge.h"
#include "device/device.h"
#include "device/xrt_device.h"
#include "pipeline/software_engine.h"

namespace picket {

class DataPlane {
 public:
  // Looks for a card first (--engine xrt or auto), so that the generation is built with device
  // tables only when a device will judge. Null, with `error`, when --engine xrt finds none.
  static std::unique_ptr<DataPlane> open(const std::string& engine_kind, const XrtOptions& xrt, std::string& error);

  // Whether a device judges: the generation must then carry device tables.
  bool device() const { return device_; }

  // Worker `worker`'s judge. The first takes `first` (the engine picketd built); later ones
  // share the controller's generation with flows of their own. Null, with `error`, when the
  // device refuses the tables, or a second worker asks for the one card.
  std::unique_ptr<Judge> make_judge(unsigned worker, std::unique_ptr<SoftwareEngine> first,
                                    const EngineConfig& config, const Controller& controller, std::string& error);

 private:
  std::string kind_;
  std::unique_ptr<Device> card_;
  bool device_ = false;
};

}  // namespace picket
