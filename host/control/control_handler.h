// The control API's commands, from request bytes to reply bytes (host/control/control.proto).
//
// Everything outside input can be is handled here and answered: bytes that do not parse, a
// wrong version, an oversized message, an unknown command, a bad rule, binding or policy. Each
// gets an error reply naming what was wrong, and nothing changes. The socket loop around it
// (control_server.h) only moves bytes, so the fuzz target drives this class directly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "control/controller.h"

namespace picket {

namespace control {
class Counters;
class Health;
}  // namespace control

constexpr uint32_t kControlVersion = 1;
// Rule sets are the largest requests: ET Open's rule files are about 20 MB together.
constexpr size_t kMaxRequestBytes = 64u << 20;

// What the handler reads of the running daemon besides its tables.
class DaemonStatus {
 public:
  virtual ~DaemonStatus() = default;
  virtual void counters(control::Counters& out) = 0;
  // state, engine, workers, uptime, on_failure, workers_behind; the handler fills the rest.
  virtual void health(control::Health& out) = 0;
};

class ControlHandler {
 public:
  // `now_ns` is the clock TTLs count from.
  ControlHandler(Controller& controller, DaemonStatus& status, std::function<int64_t()> now_ns);

  std::string handle(std::string_view request);
  // A BAD_MESSAGE reply, for what never reaches handle() (a multi-part message).
  std::string refuse(const std::string& why);

  uint64_t requests() const { return requests_; }
  uint64_t refused() const { return refused_; }

 private:
  Controller& controller_;
  DaemonStatus& status_;
  std::function<int64_t()> now_ns_;
  uint64_t requests_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace picket
