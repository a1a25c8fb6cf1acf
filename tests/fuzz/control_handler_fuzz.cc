// libFuzzer target: the control API's handler on arbitrary request bytes. Every input gets a
// reply that parses; a refused command leaves the generation in force untouched (nothing
// half-applied), and an accepted one makes exactly one new generation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/control.pb.h"
#include "control/control_handler.h"
#include "control/controller.h"
#include "pipeline/software_engine.h"
#include "plan/build.h"

namespace {

constexpr const char* kRules =
    "alert udp any any -> any any (msg:\"pay\"; content:\"pay\"; dst_identity:\"spiffe://t/pay/*\"; sid:9;)\n"
    "drop tcp any any -> any 80 (msg:\"evil\"; content:\"evil\"; sid:7;)\n";
constexpr const char* kPolicy = "allow spiffe://t/web -> spiffe://t/api udp/80\nallow any -> spiffe://t/pay/* udp\n";

class NoStatus : public picket::DaemonStatus {
 public:
  void counters(picket::control::Counters&) override {}
  void health(picket::control::Health&) override {}
};

// A fresh first generation for each input: generations share parts that learn identities, and
// those must follow one history, as in the daemon.
std::shared_ptr<const picket::Generation> first_generation() {
  using Kind = picket::SourceFile::Kind;
  picket::Sources sources;
  sources.files = {{Kind::kRules, "fuzz.rules", kRules},
                   {Kind::kIdentities, "fuzz.identities", "spiffe://t/api 10.0.0.2\n"},
                   {Kind::kPolicy, "fuzz.policy", kPolicy}};
  picket::Build build = picket::build_generation(sources, {}, {});
  if (!build.generation) __builtin_trap();
  return build.generation;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picket::Controller controller(picket::rules::Variables::defaults(), false, {}, first_generation());
  NoStatus status;
  picket::ControlHandler handler(controller, status, [] { return int64_t{1'700'000'000'000'000'000}; });
  const auto before = controller.current();
  std::string bytes = handler.handle(std::string_view(reinterpret_cast<const char*>(data), size));
  picket::control::Reply reply;
  if (!reply.ParseFromString(bytes)) __builtin_trap();
  if (reply.ok() != (handler.refused() == 0)) __builtin_trap();
  if (!reply.ok() && controller.current() != before) __builtin_trap();
  if (reply.ok() && reply.has_changed() && controller.latest() != before->number + 1) __builtin_trap();
  // Whatever was accepted must be usable: judge a packet under it.
  picket::SoftwareEngine engine({}, controller.current());
  picket::Packet p;
  p.bytes = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0,
             10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0, 80, 0, 8, 0, 0};
  p.wire_length = static_cast<uint32_t>(p.bytes.size());
  picket::Verdict v;
  engine.process(p, v);
  return 0;
}
