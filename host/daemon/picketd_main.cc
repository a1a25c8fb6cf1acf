// picketd: the Picket daemon. Offline, it reads a capture, judges every packet, and writes
// the decision log, a capture of what was forwarded, and a summary. Inline, it forwards
// between DPDK ports what its engine allows.
#include <malloc.h>

#include <cstdio>
#include <string>

#include "control/controller.h"
#include "daemon/data_plane.h"
#include "daemon/engine_setup.h"
#include "daemon/inline.h"
#include "daemon/offline.h"
#include "daemon/options.h"
#include "io/pcap_file.h"
#include "store/store_sync.h"

namespace {

using namespace picket;

// Offline: one judge over the capture, then the summary. The process's exit status.
int judge_capture(const DaemonOptions& o, DataPlane& plane, EngineSetup& setup, Controller& controller) {
  std::string error;
  std::unique_ptr<Judge> judge = plane.make_judge(0, std::move(setup.engine), o.config, controller, error);
  if (!judge) {
    std::fprintf(stderr, "picketd: %s\n", error.c_str());
    return 1;
  }
  try {
    OfflineSummary summary = run_offline(o.offline, *judge, &setup.classifications);
    print_summary(summary, *judge, stdout);
    if (!summary.device_error.empty()) {
      std::fprintf(stderr, "picketd: %s\n", summary.device_error.c_str());
      return 1;
    }
    // A capture cut short (still being written, or copied so) is judged as far as it goes, with
    // a warning; --strict, or a record no capture tool writes, makes it an error.
    if (!summary.read_error.empty()) {
      const bool warn = summary.read_truncated && !o.files.strict;
      std::fprintf(stderr, "picketd: %s: %s%s\n", warn ? "warning" : "error", summary.read_error.c_str(),
                   summary.read_truncated && !warn ? " (--strict)" : "");
      if (!warn) return 1;
    }
    if (!o.offline.eve_path.empty()) std::printf("  decision log: %s\n", o.offline.eve_path.c_str());
    if (!o.offline.forward_path.empty()) std::printf("  forwarded packets: %s\n", o.offline.forward_path.c_str());
  } catch (const PcapError& e) {
    std::fprintf(stderr, "picketd: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonOptions o = parse_daemon_options(argc, argv);
  std::string error;
  std::unique_ptr<DataPlane> plane = DataPlane::open(o.engine_kind, o.xrt, error);
  if (!plane) {
    std::fprintf(stderr, "picketd: %s\n", error.c_str());
    return 1;
  }
  // A fleet's node builds its first generation from the store's state, and follows it inline.
  std::unique_ptr<store::StoreSync> fleet;
  store::FleetSources from_store;
  if (o.store) {
    fleet = std::make_unique<store::StoreSync>(*o.store);
    if (!fleet->load(error)) {
      std::fprintf(stderr, "picketd: the store %s: %s\n", o.store_url.c_str(), error.c_str());
      return 1;
    }
    from_store = store::fleet_sources(fleet->state(), fleet->root());
    for (const Diagnostic& d : from_store.errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (!from_store.errors.empty()) return 1;
    if (from_store.settings) store::apply_settings(*from_store.settings, o.config);
    std::fprintf(stderr, "picketd: cluster %s at store revision %lld (%s)\n", o.store->cluster.c_str(),
                 static_cast<long long>(fleet->state().revision), o.store_url.c_str());
  }
  EngineSetup setup = fleet ? set_up_engine_from(from_store.sources, &from_store.identities, fleet->state().revision,
                                                 o.files, o.config, plane->device())
                            : set_up_engine(o.files, o.config, plane->device());
  for (const std::string& line : diagnostic_lines(setup.diagnostics, !o.quiet)) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (!setup.engine) {
    std::fprintf(stderr, "picketd: nothing judged: fix the errors above\n");
    return 1;
  }
  // A large load frees much of what it parsed; handing it back now keeps the resident size
  // down and spares the first control change the allocator's consolidation (~18 ms at 100,000
  // bindings, picket-identity-bench).
  malloc_trim(0);
  const Policy* policy = setup.engine->policy();
  std::fprintf(stderr, "picketd: %zu rules loaded (%zu skipped), %zu identity bindings, policy: %s\n",
               setup.rules.accepted, setup.rules.skipped, setup.engine->identities().size(),
               policy ? (policy->mode == PolicyMode::kAudit ? "audit" : "enforce") : "none");
  // The tables, as the control API will change them; every judge shares its generations.
  Controller controller(setup.variables, o.files.strict, o.config, setup.engine->generation());
  if (fleet) controller.follow_store(from_store.sources);
  if (!o.inline_mode) return judge_capture(o, *plane, setup, controller);

  std::unique_ptr<SoftwareEngine> first = std::move(setup.engine);
  auto make_judge = [&](unsigned worker, std::string& why) {
    return plane->make_judge(worker, std::move(first), o.config, controller, why);
  };
  InlineOptions online = o.online;
  online.store = fleet.get();
  online.store_fingerprint = from_store.fingerprint;
  return run_inline(online, make_judge, &setup.classifications, controller);
}
