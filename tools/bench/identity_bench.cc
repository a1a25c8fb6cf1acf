// picket-identity-bench: what one control change costs the control thread when the table is
// large: upserts and revokes through the Controller (host/control/controller.h) at 1k, 10k,
// 100k and 1M bindings. Not a test: it prints figures.
//
// Each size is a fleet of N pod addresses (/32s in 10.0.0.0/8) bound to 20,000 workload
// identities (fewer when N is smaller), under the demo's kind of policy (a few statements,
// prefix selectors among them). Then, ROUNDS times (at most N/4): upsert a fresh pod address to an existing
// identity, upsert one to a new identity, and revoke a pod address; each timed from the call
// to the published generation, which is when picketd replies. A last column is the time a
// worker takes to look a packet's two addresses up, so a faster change is seen not to cost
// the data plane.
//
// With --rules FILE the generations also carry a rule set (ET Open's, say), which a change
// shares rather than recompiles. With --device they carry the card's tables as well (the sim
// and xrt engines), which each change compiles again whole.
//
//   picket-identity-bench [--rounds N] [--rules FILE] [--device] [BINDINGS...]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "base/text.h"
#include "control/controller.h"
#include "plan/build.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string workload(uint32_t i) { return "spiffe://fleet.picket/ns-" + std::to_string(i / 100) + "/svc-" + std::to_string(i); }

std::string pod(uint32_t i) {
  return "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
}

struct Spread {
  double median_us = 0, p99_us = 0, max_us = 0;
};

Spread spread(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  Spread s;
  if (us.empty()) return s;
  s.median_us = us[us.size() / 2];
  s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  s.max_us = us.back();
  return s;
}

void run(uint32_t bindings, uint32_t rounds, const std::string& rules, bool device) {
  const uint32_t workloads = std::min<uint32_t>(20000, std::max<uint32_t>(bindings / 4, 1));
  std::string identities;
  identities.reserve(size_t{bindings} * 48);
  for (uint32_t i = 0; i < bindings; ++i) identities += workload(i % workloads) + " " + pod(i) + "\n";
  const std::string policy =
      "allow spiffe://fleet.picket/ns-0/* -> spiffe://fleet.picket/ns-1/* tcp/8080\n"
      "allow any -> spiffe://fleet.picket/ns-2/svc-200 tcp/443\n"
      "deny spiffe://fleet.picket/ns-3/* -> any\n";
  using Kind = picket::SourceFile::Kind;
  const auto load_start = Clock::now();
  picket::Sources sources{{{Kind::kIdentities, "fleet.identities", identities}, {Kind::kPolicy, "fleet.policy", policy}}};
  if (!rules.empty()) sources.files.push_back({Kind::kRules, "bench.rules", rules});
  picket::BuildOptions options;
  options.device = device;
  picket::Build build = picket::build_generation(sources, picket::EngineConfig{}, options);
  if (!build.generation) {
    for (const auto& d : build.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    std::exit(1);
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  picket::Controller controller(build.variables, false, picket::EngineConfig{}, build.generation);
  build.generation.reset();
  malloc_trim(0);  // as picketd does after its load: else the first change pays for consolidating what the load freed

  rounds = std::max<uint32_t>(1, std::min(rounds, bindings / 4));  // three quarters stay bound for the lookups
  std::vector<double> known, fresh, revoked;
  std::mt19937 rng(11);
  auto timed = [](auto&& change, std::vector<double>& into) {
    const auto start = Clock::now();
    picket::ChangeResult r = change();
    into.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!r.ok) {
      std::fprintf(stderr, "picket-identity-bench: a change was refused: %s\n", r.message.c_str());
      std::exit(1);
    }
  };
  for (uint32_t r = 0; r < rounds; ++r) {
    const uint32_t address = bindings + r;  // past the fleet: a pod that just started
    timed([&] { return controller.upsert({{workload(static_cast<uint32_t>(rng() % workloads)), pod(address), 0}}, 0); }, known);
    timed([&] { return controller.upsert({{"spiffe://fleet.picket/new/svc-" + std::to_string(r), pod(address + rounds), 0}}, 0); },
          fresh);
    timed([&] { return controller.revoke({pod(r * 7919 % bindings)}, 0); }, revoked);  // each pod once
  }

  // The data plane's side: two lookups a packet, on the last generation.
  const auto g = controller.current();
  std::vector<picket::IpAddress> addresses;
  for (uint32_t i = 0; i < 1'000'000; ++i) addresses.push_back(*picket::IpAddress::parse(pod(static_cast<uint32_t>(rng() % bindings))));
  uint64_t sum = 0;
  const auto look_start = Clock::now();
  for (const auto& a : addresses) sum += g->identities->lookup(a, 0);
  const double lookup_ns = std::chrono::duration<double, std::nano>(Clock::now() - look_start).count() / static_cast<double>(addresses.size());

  const Spread k = spread(known), f = spread(fresh), v = spread(revoked);
  std::printf("%9u  %6.2f s  %8.1f %8.1f  %8.1f %8.1f  %8.1f %8.1f  %8.1f   %5.0f ns%s\n", bindings, load_s, k.median_us,
              k.p99_us, f.median_us, f.p99_us, v.median_us, v.p99_us, std::max({k.max_us, f.max_us, v.max_us}),
              lookup_ns, sum ? "" : " (nothing bound)");
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t rounds = 200;
  std::string rules, rules_path;
  bool device = false;
  std::vector<uint32_t> sizes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("usage: picket-identity-bench [--rounds N] [--rules FILE] [--device] [BINDINGS...]\n"
                  "  (default: 1000 10000 100000 1000000 bindings, no rules)\n");
      return 0;
    }
    if (a == "--device") {
      device = true;
      continue;
    }
    if (a == "--rules" && i + 1 < argc) {
      rules_path = argv[++i];
      std::optional<std::string> text = picket::read_text_file(rules_path);
      if (!text) {
        std::fprintf(stderr, "picket-identity-bench: %s: cannot read it\n", rules_path.c_str());
        return 2;
      }
      rules = std::move(*text);
      continue;
    }
    if (a == "--rounds" && i + 1 < argc) {
      rounds = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      continue;
    }
    char* end = nullptr;
    const unsigned long n = std::strtoul(a.c_str(), &end, 10);
    if (a.empty() || *end || n == 0 || n > 8'000'000) {
      std::fprintf(stderr, "picket-identity-bench: '%s' is not a number of bindings (1 to 8000000)\n", a.c_str());
      return 2;
    }
    sizes.push_back(static_cast<uint32_t>(n));
  }
  if (sizes.empty()) sizes = {1000, 10000, 100000, 1000000};
  if (rounds == 0) rounds = 1;
  std::printf("one control change on the control thread, call to published generation, %u rounds (us)%s%s%s\n", rounds,
              rules_path.empty() ? "" : "; rules: ", rules_path.c_str(), device ? "; with the card's tables" : "");
  std::printf("%9s  %8s  %17s  %17s  %17s  %8s   %8s\n", "bindings", "load", "upsert, known id", "upsert, new id",
              "revoke", "max", "lookup");
  std::printf("%9s  %8s  %8s %8s  %8s %8s  %8s %8s  %8s\n", "", "", "median", "p99", "median", "p99", "median", "p99", "");
  for (uint32_t n : sizes) run(n, rounds, rules, device);
  return 0;
}
