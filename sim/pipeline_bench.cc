// picket-pipeline-bench: the RTL kernel under Verilator, driven as a card is (sim/sim_device.h),
// with generated rule sets and traffic of one frame size at a time. Prints, per rule count and
// frame size, what the hardware would do: beats accepted per cycle, packets per cycle, cycles
// of latency, and the line rate that makes at 250 MHz; then the share of frames the device
// punts to the host on the demo capture and (with ../shared) the zeek and nDPI captures; and
// how fast Verilator itself runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "daemon/engine_setup.h"
#include "device/device_engine.h"
#include "plan/table_compiler.h"
#include "testing/packet_builder.h"
#include "io/pcap_file.h"
#include "filter_sizing.h"
#include "sim_device.h"
#include "tools/trafgen/scenario.h"

namespace {

namespace fs = std::filesystem;
using namespace picket;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage: picket-pipeline-bench [options]

Runs generated traffic through the Verilator model of hw/picket_kernel.sv with 1,000 and
10,000 generated rules (8-byte literals, one in eight frames carrying one), for frames of 64,
65, 128, 512 and 1518 bytes and an IMIX (7 x 64, 4 x 594, 1 x 1518), and prints:
  beats/cycle    64-byte input beats the kernel accepted per clock cycle (1.00 = never
                 back-pressured)
  packets/cycle  frames per cycle;  Gbit/s at 250 MHz: the frame bytes that rate carries
  latency        cycles from a frame's first beat in to its first beat out (median, max)
  punted         frames the kernel hands to the host
  sim kpps       frames per second of Verilator itself on this machine (and its clock
                 cycles per second)
Then the share of frames handed to the host, by cause, on the demo capture (policy/) and,
when the corpus is beside the project, the zeek and nDPI captures under ET Open content-only
rules, each with the literals whose hits hand over the most frames (by their rules' sids).
With --rules, those captures (or the --capture files, each on its own) are judged
under the given rule files instead, and the generated runs are skipped unless --generated
asks for them.

options:
  --frames N        frames per generated run (default 20000)
  --generated LIST  generated rule counts, comma-separated (default 1000,10000)
  --rules FILE      a rule file for the captures; may be repeated (e.g. every ET Open file)
  --vars FILE       a variables file for those rules; may be repeated (default: the corpus's
                    Suricata default variables)
  --capture FILE    a pcap to judge under --rules; may be repeated (default: the corpus's
                    zeek and nDPI captures, one line for each set)
  --filter-sizing   instead of running the model, size the prefilter's bitmaps: for the same
                    rules and frames (generated, 64, 1518 bytes and IMIX; the captures), how
                    many frames several bitmap geometries would hand over (sim/filter_sizing.h)
  --common-grams N  print the N commonest 4-byte strings of the zeek and nDPI captures, as
                    host/rules/common_grams.cc holds them, and stop
  --source DIR      the project's source folder (default: the one it was built from)
  --shared DIR      the shared corpus folder (default: ../shared beside the source)
)";

// N rules, each dropping or alerting on its own random 8-byte literal over UDP or TCP.
std::vector<std::string> literals_for(size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> letter('a', 'z');
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s(8, ' ');
    for (char& c : s) c = static_cast<char>(letter(rng));
    out.push_back(s);
  }
  return out;
}

std::string rules_text(const std::vector<std::string>& literals) {
  std::ostringstream s;
  for (size_t i = 0; i < literals.size(); ++i) {
    s << (i % 4 == 0 ? "drop " : "alert ") << (i % 2 ? "tcp" : "udp") << " any any -> any any (msg:\"bench " << i
      << "\"; content:\"" << literals[i] << "\"; sid:" << 1000000 + i << ";)\n";
  }
  return s.str();
}

// Frames of the given sizes in turn: random addresses and ports, random payload bytes, and one
// in eight carrying a rule's literal.
std::vector<Packet> traffic(const std::vector<uint32_t>& sizes, size_t count, const std::vector<std::string>& literals,
                            std::mt19937& rng) {
  std::vector<Packet> packets;
  std::uniform_int_distribution<uint32_t> byte(0, 255), port(1024, 65535);
  for (size_t i = 0; i < count; ++i) {
    uint32_t size = sizes[i % sizes.size()];
    bool tcp = i % 2;
    size_t headers = 14 + 20 + (tcp ? 20 : 8);
    std::string payload(size > headers ? size - headers : 0, '\0');
    for (char& c : payload) c = static_cast<char>(byte(rng));
    if (i % 8 == 0 && payload.size() >= 8 && !literals.empty()) {
      const std::string& l = literals[rng() % literals.size()];
      payload.replace(rng() % (payload.size() - 7), 8, l);
    }
    auto ip = [&](uint32_t a) {
      return std::to_string(10) + "." + std::to_string(a >> 16 & 255) + "." + std::to_string(a >> 8 & 255) + "." +
             std::to_string(a & 255);
    };
    PacketBuilder b;
    b.ipv4(ip(static_cast<uint32_t>(rng())), ip(static_cast<uint32_t>(rng())));
    if (tcp) {
      b.tcp(static_cast<uint16_t>(port(rng)), 443, 0x18, static_cast<uint32_t>(i));
    } else {
      b.udp(static_cast<uint16_t>(port(rng)), 53);
    }
    Packet p;
    p.bytes = b.payload(payload).build();
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 1000;
    p.index = i + 1;
    packets.push_back(std::move(p));
  }
  return packets;
}

// Runs `packets` through a DeviceEngine and prints the share punted.
// With `describe`, first a line on the rules: how many loaded, and where the card has them.
void punt_share(const char* what, const EngineFiles& files, const EngineConfig& config,
                const std::vector<std::vector<Packet>>& captures, bool describe = false) {
  EngineSetup setup = set_up_engine(files, config, true);
  if (!setup.engine) {
    std::printf("%-22s the rules did not load\n", what);
    return;
  }
  if (describe) {
    const auto& plan = setup.engine->generation()->device->plan.report;
    std::printf("# %zu rules loaded (%zu skipped): %zu on hardware literals (%zu final), %zu on anchored literals, "
                "%zu on short literals, %zu host-only (%zu for want of a table slot), %zu hardware literals\n",
                setup.rules.accepted, setup.rules.skipped, plan.hardware_rules, plan.final_rules, plan.anchored_rules,
                plan.short_rules,
                plan.host_rules, plan.literal_collisions, plan.literals);
  }
  std::string error;
  auto dev = DeviceEngine::create(std::make_unique<SimDevice>(), std::move(setup.engine), error);
  if (!dev) {
    std::printf("%-22s %s\n", what, error.c_str());
    return;
  }
  std::vector<Verdict> verdicts;
  for (const auto& packets : captures) {
    for (size_t at = 0; at < packets.size(); at += 512) {
      std::span<const Packet> batch(packets.data() + at, std::min<size_t>(512, packets.size() - at));
      if (!dev->process(batch, verdicts, error)) {
        std::printf("%-22s %s\n", what, error.c_str());
        return;
      }
    }
  }
  const DeviceEngineStats& s = dev->stats();
  auto pct = [&](uint64_t n) { return 100.0 * double(n) / double(std::max<uint64_t>(1, s.packets)); };
  // The host's time per wire frame: completing the card's frames, and the software engine
  // alone on the same frames, one after the other in this run.
  EngineSetup alone = set_up_engine(files, config);
  uint64_t alone_ns = 0;
  if (alone.engine) {
    Verdict v;
    for (const auto& packets : captures) {
      const auto start = std::chrono::steady_clock::now();
      for (const Packet& p : packets) alone.engine->process(p, v);
      alone_ns += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
    }
  }
  const double frames = double(std::max<uint64_t>(1, s.packets));
  std::printf("%-22s %9llu frames  handed to the host %5.1f %%  (policy direction %5.1f %%: no flow %.1f %%, "
              "untrusted %.1f %%, table full %.1f %%, identity %.1f %%; headers %4.1f %%; rules "
              "%5.1f %%: literal hits %.1f %%, anchored literals %.1f %%, short literals %.1f %%, host-only rules %.1f %%, host-only HTTP rules on HTTP flows %.1f %%, over 8 hits %.1f %%)  decided on the card %5.1f %%;"
              "  flow on the card known %.1f %%, untrusted %.1f %%, set full %.1f %%, sure of no HTTP %.1f %%;"
              "  host verdicts from flow state %.1f %%, from the stream %.1f %%;"
              "  host ns per wire frame: with the card %.0f, the software engine alone %.0f\n",
              what, static_cast<unsigned long long>(s.packets), pct(s.punted), pct(s.punted_policy),
              pct(s.punted_policy_no_flow), pct(s.punted_policy_untrusted), pct(s.punted_policy_full),
              pct(s.punted_policy_identity), pct(s.punted_decode),
              pct(s.punted_rules), pct(s.punted_candidates), pct(s.punted_anchored), pct(s.punted_short), pct(s.punted_host_rules),
              pct(s.punted_host_http),
              pct(s.punted_overflow),
              100.0 - pct(s.punted), pct(s.flow_known), pct(s.flow_untrusted), pct(s.flow_full), pct(s.no_http), pct(s.needs_flow_state), pct(s.needs_stream),
              double(s.host_ns) / frames, double(alone_ns) / frames);
  // The literals whose hits hand over the most frames, by the rules they find.
  const std::vector<uint64_t>& by_literal = dev->literal_punts();
  std::vector<std::pair<uint64_t, size_t>> top;
  for (size_t l = 0; l < by_literal.size(); ++l) {
    if (by_literal[l] > 0) top.emplace_back(by_literal[l], l);
  }
  std::sort(top.rbegin(), top.rend());
  if (top.empty()) return;
  const auto& plan = dev->plan();
  const auto& compiled = dev->software().signatures().rules();
  std::printf("%-22s literal hits handing over the most frames:", "");
  for (size_t i = 0; i < std::min<size_t>(top.size(), 6); ++i) {
    const auto& rules_of = plan.rules_of_literal[top[i].second];
    std::string sids;
    for (size_t k = 0; k < std::min<size_t>(rules_of.size(), 3); ++k) {
      sids += (k ? "," : "") + std::to_string(compiled[rules_of[k]].rule.sid);
    }
    if (rules_of.size() > 3) sids += ",...";
    std::printf("%s sid %s %.1f %%", i ? ";" : "", sids.c_str(), pct(top[i].first));
  }
  std::printf("\n");
}

// The bitmap sizing model (--filter-sizing) over the literals `files` compile to.
void filter_sizing(const std::string& what, const EngineFiles& files, const EngineConfig& config,
                   const std::vector<std::vector<Packet>>& captures) {
  EngineSetup setup = set_up_engine(files, config, true);
  if (!setup.engine) {
    std::printf("%-22s the rules did not load\n", what.c_str());
    return;
  }
  sim::print_filter_sizing(what, setup.engine->generation()->device->image, captures);
}

std::vector<Packet> read_capture(const fs::path& path) {
  std::vector<Packet> packets;
  try {
    PcapReader reader(path.string());
    if (reader.link_type() != LinkType::kEthernet) return packets;
    Packet p;
    while (reader.next(p)) packets.push_back(p);
  } catch (const PcapError&) {
    packets.clear();
  }
  return packets;
}

// Every pcap under `dir`, in name order, each read whole.
std::vector<std::vector<Packet>> captures_under(const fs::path& dir) {
  std::vector<fs::path> paths;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) paths.push_back(f.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::vector<Packet>> captures;
  for (const fs::path& p : paths) captures.push_back(read_capture(p));
  return captures;
}

}  // namespace

int main(int argc, char** argv) {
  size_t frames = 20000;
  std::vector<size_t> rule_counts = {1000, 10000};
  bool generated_asked = false, sizing = false;
  size_t grams = 0;
  std::vector<std::string> rule_files, var_files, capture_files;
  fs::path source = PICKET_SOURCE_DIR, shared;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "picket-pipeline-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--frames") {
      frames = std::max<size_t>(100, std::strtoul(value().c_str(), nullptr, 10));
    } else if (a == "--generated") {
      rule_counts.clear();
      generated_asked = true;
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) rule_counts.push_back(std::strtoul(item.c_str(), nullptr, 10));
    } else if (a == "--rules") {
      rule_files.push_back(value());
    } else if (a == "--vars") {
      var_files.push_back(value());
    } else if (a == "--capture") {
      capture_files.push_back(value());
    } else if (a == "--common-grams") {
      grams = std::strtoul(value().c_str(), nullptr, 10);
    } else if (a == "--filter-sizing") {
      sizing = true;
    } else if (a == "--source") {
      source = value();
    } else if (a == "--shared") {
      shared = value();
    } else {
      std::fprintf(stderr, "picket-pipeline-bench: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (shared.empty()) shared = source.parent_path() / "shared";
  for (const std::string& f : rule_files) {
    if (!fs::exists(f)) {
      std::fprintf(stderr, "picket-pipeline-bench: %s: no such rule file\n", f.c_str());
      return 2;
    }
  }
  if (!capture_files.empty() && rule_files.empty()) {
    std::fprintf(stderr, "picket-pipeline-bench: --capture needs --rules\n");
    return 2;
  }
  if (!rule_files.empty() && !generated_asked) rule_counts.clear();
  if (grams > 0) {
    std::vector<std::vector<Packet>> captures;
    for (const char* dir : {"zeek", "ndpi"}) {
      for (auto& c : captures_under(shared / "corpus" / "pcaps" / dir)) captures.push_back(std::move(c));
    }
    if (captures.empty()) {
      std::fprintf(stderr, "picket-pipeline-bench: no captures under %s\n", (shared / "corpus" / "pcaps").c_str());
      return 1;
    }
    sim::print_common_grams(captures, grams);
    return 0;
  }

  struct Shape {
    const char* name;
    std::vector<uint32_t> sizes;
  };
  const std::vector<Shape> shapes = {
      {"64", {64}}, {"65", {65}}, {"128", {128}}, {"512", {512}}, {"1518", {1518}},
      {"IMIX", {64, 594, 64, 1518, 64, 594, 64, 594, 64, 594, 64, 64}},
  };

  // The captures' judge: the punt share under the model, or the bitmap sizing model.
  auto judge = [&](const std::string& what, const EngineFiles& files, const EngineConfig& config,
                   const std::vector<std::vector<Packet>>& captures, bool describe) {
    if (sizing) {
      filter_sizing(what, files, config, captures);
    } else {
      punt_share(what.c_str(), files, config, captures, describe);
    }
  };

  if (!rule_counts.empty() && !sizing) {
    std::printf("%6s %6s %12s %14s %16s %15s %8s %9s %13s\n", "rules", "frame", "beats/cycle", "packets/cycle",
                "Gbit/s@250MHz", "latency p50/max", "punted", "sim kpps", "sim kcycles/s");
  }
  for (size_t count : rule_counts) {
    std::mt19937 rng(static_cast<uint32_t>(count));
    std::vector<std::string> literals = literals_for(count, rng);
    fs::path rule_file = fs::temp_directory_path() / ("picket-pipeline-bench-" + std::to_string(count) + ".rules");
    std::ofstream(rule_file) << rules_text(literals);
    EngineFiles files;
    files.rule_files = {rule_file.string()};
    auto started = Clock::now();
    EngineSetup setup = set_up_engine(files, {}, true);
    double build_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    fs::remove(rule_file);
    if (!setup.engine) {
      std::fprintf(stderr, "picket-pipeline-bench: the generated rules did not load\n");
      return 1;
    }
    const CompiledTables* tables = setup.engine->generation()->device.get();
    const auto& r = tables->plan.report;
    std::string error;
    std::printf("# %zu rules: %zu on hardware literals (%zu final), %zu host-only (%zu for want of a table slot); "
                "generation with its tables built in %.2f s\n",
                r.rules, r.hardware_rules, r.final_rules, r.host_rules, r.literal_collisions, build_seconds);
    for (const Shape& shape : shapes) {
      std::vector<Packet> packets = traffic(shape.sizes, frames, literals, rng);
      if (sizing) {
        if (shape.sizes.size() > 1 || shape.sizes[0] == 64 || shape.sizes[0] == 1518) {
          sim::print_filter_sizing(std::to_string(count) + " generated rules, " + shape.name + "-byte frames",
                                   tables->image, {packets});
        }
        continue;
      }
      uint64_t bytes = 0;
      for (const Packet& p : packets) bytes += p.bytes.size();
      SimDevice sim;
      if (!sim.load(tables->image, error)) {
        std::fprintf(stderr, "picket-pipeline-bench: %s\n", error.c_str());
        return 1;
      }
      sim.set_time(1'700'000'000'000'000'000);
      uint64_t cycles0 = sim.cycles(), beats0 = sim.input_beats();
      std::vector<DeviceResult> results;
      auto t0 = Clock::now();
      if (!sim.process(packets, results, error)) {
        std::fprintf(stderr, "picket-pipeline-bench: %s\n", error.c_str());
        return 1;
      }
      double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      double cycles = double(sim.cycles() - cycles0), beats = double(sim.input_beats() - beats0);
      std::vector<uint32_t> lat = sim.latencies();
      std::sort(lat.begin(), lat.end());
      size_t punted = std::count_if(results.begin(), results.end(),
                                    [](const DeviceResult& d) { return d.verdict == hw::Verdict::kPunt; });
      std::printf("%6zu %6s %12.3f %14.4f %16.1f %9u/%-5u %7.1f%% %9.1f %13.1f\n", count, shape.name, beats / cycles,
                  double(packets.size()) / cycles, double(bytes) * 8 * 250e6 / cycles / 1e9, lat[lat.size() / 2],
                  lat.back(), 100.0 * double(punted) / double(packets.size()), double(packets.size()) / seconds / 1e3,
                  cycles / seconds / 1e3);
    }
  }


  if (!sizing) std::printf("# punt share on captures (the host completes every frame; 'punted' frames need it)\n");
  fs::path corpus = shared / "corpus";
  if (!rule_files.empty()) {
    EngineFiles files;
    files.rule_files = rule_files;
    files.var_files = var_files;
    const fs::path default_vars = corpus / "rules" / "derived" / "vars.suricata-default.txt";
    if (var_files.empty() && fs::exists(default_vars)) files.var_files = {default_vars.string()};
    EngineConfig config;
    config.flows.midstream = true;
    if (!capture_files.empty()) {
      for (const std::string& c : capture_files) {
        std::vector<Packet> packets = read_capture(c);
        if (packets.empty()) {
          std::fprintf(stderr, "picket-pipeline-bench: %s: no Ethernet frames read\n", c.c_str());
          return 1;
        }
        judge(fs::path(c).filename().string(), files, config, {packets}, &c == &capture_files.front());
      }
    } else if (fs::exists(corpus / "pcaps")) {
      for (const char* dir : {"zeek", "ndpi"}) {
        judge(dir, files, config, captures_under(corpus / "pcaps" / dir), std::string_view(dir) == "zeek");
      }
    } else {
      std::printf("(no corpus at %s and no --capture: nothing to judge)\n", corpus.c_str());
    }
    return 0;
  }
  {
    fs::path policy = source / "policy";
    EngineFiles files;
    files.rule_files = {(policy / "demo.rules").string()};
    files.identity_file = (policy / "demo.identities").string();
    files.policy_file = (policy / "demo.policy").string();
    std::optional<std::string> text = read_text_file((policy / "demo.scenario").string());
    std::vector<Diagnostic> errors;
    auto scenario = trafgen::parse_scenario(text.value_or(""), "demo.scenario", errors);
    std::vector<Packet> packets = scenario ? trafgen::generate_packets(*scenario) : std::vector<Packet>{};
    judge("demo capture", files, {}, {packets}, false);
  }
  fs::path et = corpus / "rules" / "derived" / "et-open.content-only.rules";
  if (fs::exists(et)) {
    EngineFiles files;
    files.rule_files = {et.string()};
    files.var_files = {(corpus / "rules" / "derived" / "vars.suricata-default.txt").string()};
    EngineConfig config;
    config.flows.midstream = true;
    for (const char* dir : {"zeek", "ndpi"}) {
      judge(std::string(dir) + " + ET content", files, config, captures_under(corpus / "pcaps" / dir), false);
    }
  } else {
    std::printf("(no corpus at %s: the zeek and nDPI captures are skipped)\n", corpus.c_str());
  }
  return 0;
}
