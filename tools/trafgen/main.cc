// picket-trafgen: writes a capture of the traffic a scenario file describes.
#include <cstdio>
#include <string>

#include "base/text.h"
#include "io/pcap_file.h"
#include "tools/trafgen/scenario.h"

namespace {
constexpr const char* kUsage = R"(usage: picket-trafgen SCENARIO -o CAPTURE

Writes the packets SCENARIO describes (hosts, TCP and UDP sessions and what each side sends)
to CAPTURE, a pcap file. See policy/demo.scenario for the format.

exit status: 0 written; 1 the scenario has errors (each named by file:line:column) or the
capture cannot be written; 2 a usage error.
)";
}

int main(int argc, char** argv) {
  using namespace picket;
  std::string scenario_path, out_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "-o" || a == "--output") && i + 1 < argc) {
      out_path = argv[++i];
    } else if (!a.empty() && a[0] != '-' && scenario_path.empty()) {
      scenario_path = a;
    } else {
      std::fprintf(stderr, "picket-trafgen: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (scenario_path.empty() || out_path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::optional<std::string> text = read_text_file(scenario_path);
  if (!text) {
    std::fprintf(stderr, "%s: error: cannot read the scenario\n", scenario_path.c_str());
    return 1;
  }
  std::vector<Diagnostic> errors;
  auto scenario = trafgen::parse_scenario(*text, scenario_path, errors);
  for (const Diagnostic& d : errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (!scenario) return 1;
  try {
    std::vector<trafgen::TimedFrame> frames = trafgen::generate(*scenario);
    PcapWriter w(out_path);
    uint64_t bytes = 0;
    for (const auto& f : frames) {
      w.write(f.bytes.data(), static_cast<uint32_t>(f.bytes.size()), f.timestamp_ns);
      bytes += f.bytes.size();
    }
    std::printf("picket-trafgen: %zu sessions, %zu packets, %llu bytes -> %s\n", scenario->sessions.size(), frames.size(),
                static_cast<unsigned long long>(bytes), out_path.c_str());
  } catch (const PcapError& e) {
    std::fprintf(stderr, "picket-trafgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
