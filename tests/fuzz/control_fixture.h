// What the control fuzz targets share: a daemon's controller and handler on a small first
// generation, and the checks every request must pass: a reply that parses; a refused command
// leaves the generation in force untouched (nothing half-applied), an accepted one makes
// exactly one new generation, and whatever was accepted judges a packet.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "control/control.pb.h"
#include "control/control_handler.h"
#include "control/controller.h"
#include "pipeline/software_engine.h"
#include "plan/build.h"

namespace fuzz_support {

class NoStatus : public picket::DaemonStatus {
 public:
  void counters(picket::control::Counters&) override {}
  void health(picket::control::Health&) override {}
};

// A fresh first generation for each input: generations share parts that learn identities, and
// those must follow one history, as in the daemon.
inline std::shared_ptr<const picket::Generation> first_generation() {
  using Kind = picket::SourceFile::Kind;
  picket::Sources sources;
  sources.files = {
      {Kind::kRules, "fuzz.rules",
       "alert udp any any -> any any (msg:\"pay\"; content:\"pay\"; dst_identity:\"spiffe://t/pay/*\"; sid:9;)\n"
       "drop tcp any any -> any 80 (msg:\"evil\"; content:\"evil\"; sid:7;)\n"},
      {Kind::kIdentities, "fuzz.identities", "spiffe://t/api 10.0.0.2\n"},
      {Kind::kPolicy, "fuzz.policy", "allow spiffe://t/web -> spiffe://t/api udp/80\nallow any -> spiffe://t/pay/* udp\n"}};
  picket::Build build = picket::build_generation(sources, {}, {});
  if (!build.generation) __builtin_trap();
  return build.generation;
}

// Hands `request` to a fresh daemon's handler and checks what it did.
inline void handle_and_check(std::string_view request) {
  picket::Controller controller(picket::rules::Variables::defaults(), false, {}, first_generation());
  NoStatus status;
  picket::ControlHandler handler(controller, status, [] { return int64_t{1'700'000'000'000'000'000}; });
  const auto before = controller.current();
  std::string bytes = handler.handle(request);
  picket::control::Reply reply;
  if (!reply.ParseFromString(bytes)) __builtin_trap();
  if (reply.ok() != (handler.refused() == 0)) __builtin_trap();
  if (!reply.ok() && controller.current() != before) __builtin_trap();
  if (reply.ok() && reply.has_changed() && controller.latest() != before->number + 1) __builtin_trap();
  picket::SoftwareEngine engine({}, controller.current());
  picket::Packet p;
  p.bytes = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0,
             10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0, 80, 0, 8, 0, 0};
  p.wire_length = static_cast<uint32_t>(p.bytes.size());
  picket::Verdict v;
  engine.process(p, v);
}

}  // namespace fuzz_support
