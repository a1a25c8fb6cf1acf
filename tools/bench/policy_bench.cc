// picket-policy-bench: what a policy of N statements costs to load and to judge by, at 1k, 10k,
// 100k and 1M statements. Not a test: it prints figures.
//
// Each size is a fleet's policy over IDENTITIES workload identities (default 10,000, one
// binding each): statements from one identity to another on a port, one in ten from a whole
// namespace (a prefix, spiffe://fleet.picket/ns-K/*), one in twenty a deny, one in fifty from
// `any`. The policy and identity files are written to a temporary folder, then a child process
// builds the generation from them as picketd's start-up does (read, parse, allocate identities,
// resolve the selectors) and judges a million random client/server pairs. The parent reports
// the child's peak resident memory (wait4), so every size is measured from a fresh process.
//
//   picket-policy-bench [--identities N] [STATEMENTS...]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "plan/build.h"
#include "plan/sources.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string identity(uint32_t i) {
  return "spiffe://fleet.picket/ns-" + std::to_string(i / 100) + "/svc-" + std::to_string(i);
}

void write_files(const fs::path& dir, uint32_t identities, uint32_t statements) {
  std::ofstream ids(dir / "fleet.identities");
  for (uint32_t i = 0; i < identities; ++i) {
    ids << identity(i) << " 10." << (i >> 16) << '.' << ((i >> 8) & 255) << '.' << (i & 255) << '\n';
  }
  std::ofstream policy(dir / "fleet.policy");
  std::mt19937 rng(7);
  auto pick = [&] { return static_cast<uint32_t>(rng() % identities); };
  for (uint32_t n = 0; n < statements; ++n) {
    const auto kind = static_cast<uint32_t>(rng() % 100);
    const std::string from = kind < 2    ? "any"
                             : kind < 12 ? "spiffe://fleet.picket/ns-" + std::to_string(pick() / 100) + "/*"
                                         : identity(pick());
    policy << (kind >= 95 ? "deny " : "allow ") << from << " -> " << identity(pick()) << " tcp/"
           << 1024 + rng() % 20000 << '\n';
  }
}

struct Figures {
  double load_s = 0, judge_s = 0;
  uint64_t allowed = 0;
  bool ok = false;
};

// In the child: build the generation as picketd does, then judge.
Figures measure(const fs::path& dir, uint32_t identities) {
  Figures f;
  const auto start = Clock::now();
  picket::SourcePaths paths;
  paths.identity_file = (dir / "fleet.identities").string();
  paths.policy_file = (dir / "fleet.policy").string();
  std::vector<picket::Diagnostic> errors;
  std::optional<picket::Sources> sources = picket::read_sources(paths, errors);
  if (!sources) return f;
  picket::Build build = picket::build_generation(*sources, picket::EngineConfig{}, picket::BuildOptions{});
  if (!build.generation) {
    for (const auto& d : build.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return f;
  }
  f.load_s = std::chrono::duration<double>(Clock::now() - start).count();
  const picket::Policy& policy = *build.generation->policy;
  const picket::IdentityRegistry& registry = build.generation->identities->registry();
  std::vector<picket::IdentityId> ids;
  for (uint32_t i = 0; i < identities; ++i) ids.push_back(*registry.find(identity(i)));
  std::mt19937 rng(11);
  const auto judging = Clock::now();
  for (int n = 0; n < 1'000'000; ++n) {
    const auto d = policy.judge(ids[rng() % ids.size()], ids[rng() % ids.size()], 6,
                                static_cast<uint16_t>(1024 + rng() % 20000), 0);
    f.allowed += d.allowed;
  }
  f.judge_s = std::chrono::duration<double>(Clock::now() - judging).count();
  f.ok = true;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t identities = 10'000;
  std::vector<uint32_t> sizes;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--identities" && i + 1 < argc) {
      identities = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: picket-policy-bench [--identities N] [STATEMENTS...]\n");
      return 0;
    } else {
      sizes.push_back(static_cast<uint32_t>(std::strtoul(a.c_str(), nullptr, 10)));
    }
  }
  if (sizes.empty()) sizes = {1'000, 10'000, 100'000, 1'000'000};
  if (identities < 1 || identities > 60'000) {
    std::fprintf(stderr, "picket-policy-bench: --identities must be 1 to 60000\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("picket-policy-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::printf("%u identities, one binding each; each size loaded by a fresh process\n", identities);
  std::printf("%12s %10s %10s %12s %14s %9s\n", "statements", "file MB", "load s", "peak RSS MB",
              "judgements/s", "allowed");
  int status = 0;
  for (uint32_t n : sizes) {
    write_files(dir, identities, n);
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {
      close(pipe_fd[0]);
      Figures f = measure(dir, identities);
      if (write(pipe_fd[1], &f, sizeof f) != sizeof f) _exit(1);
      _exit(f.ok ? 0 : 1);
    }
    close(pipe_fd[1]);
    Figures f;
    const bool got = read(pipe_fd[0], &f, sizeof f) == sizeof f;
    close(pipe_fd[0]);
    int child_status = 0;
    rusage usage{};
    wait4(child, &child_status, 0, &usage);
    const double mb = static_cast<double>(fs::file_size(dir / "fleet.policy")) / 1e6;
    if (!got || !f.ok) {
      std::printf("%12u %10.1f   failed (see above)\n", n, mb);
      status = 1;
      continue;
    }
    std::printf("%12u %10.1f %10.3f %12.0f %14.0f %9lu\n", n, mb, f.load_s, static_cast<double>(usage.ru_maxrss) / 1024.0,
                1e6 / f.judge_s, static_cast<unsigned long>(f.allowed));
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  return status;
}
