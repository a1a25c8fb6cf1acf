// picketd: the Picket daemon. Offline, it reads a capture, judges every packet, and writes
// the decision log, a capture of what was forwarded, and a summary. Inline, it forwards
// between DPDK ports what its engine allows.
#include <cstdio>
#include <cstring>
#include <string>

#include "control/controller.h"
#include "daemon/config_file.h"
#include "daemon/engine_setup.h"
#include "device/device_engine.h"
#include "device/xrt_device.h"
#ifdef PICKET_HAVE_SIM
#include "sim_device.h"
#endif
#include "base/text.h"
#include "daemon/inline.h"
#include "daemon/judge.h"
#include "daemon/offline.h"
#include "io/pcap_file.h"
#include "plan/settings.h"

namespace {

constexpr const char* kUsage = R"(usage: picketd [options] -r CAPTURE
       picketd [options] [inline options] -- EAL-OPTIONS...
       picketd --config FILE [options] [-- EAL-OPTIONS...]

Offline (-r): judges every packet of CAPTURE (pcap or pcapng): workload identities, policy,
signatures. Writes the decision log (EVE JSON lines) and a capture of the forwarded packets,
and prints a summary: packets and bytes forwarded and dropped by reason, by identity pair,
top rules.

Inline (EAL options after --): starts DPDK with them, judges every frame arriving on the
ports and sends what is forwarded out of the peer port; dropped frames never leave. Runs
until SIGINT or SIGTERM, then prints its counters. Without hugepages or NICs, e.g.:
  picketd -S demo.rules --ports 0 -- -l 0-1 --no-huge --no-pci --no-shconf -m 256 \
          --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap
Inline, picketctl steers it through the control API: rule sets, identity bindings, policy,
counters, health; picketctl tail follows the decision records.

  --config FILE              read options from FILE first: one 'option = value' a line, named
                             as the flags below without '--' (eal = EAL-OPTIONS)

input:
  -r, --read FILE            the capture to judge (offline)
  -S, --rules FILE           a rule file (Suricata/Snort 3 syntax); may be repeated
  --vars FILE                address/port variables (NAME=value); may be repeated
  --var NAME=VALUE           set one variable
  --classification FILE      classtype descriptions and priorities (classification.config)
  --identities FILE          identity bindings (policy/*.identities)
  --policy FILE              identity policy (policy/*.policy); without it every flow is allowed
  --strict                   a rule that would be skipped is an error

inline:
  --ports A[,B]              DPDK port ids: frames cross between A and B; with one port they
                             leave where they came in (default: 0,1)
  --workers N                judging threads, one RX and TX queue each on every port
                             (default: one per worker lcore of the EAL)
  --burst N                  frames taken per receive call (default: 32, at most 256)
  --drain-us N               the longest a forwarded frame waits for its TX burst (default: 100)
  --stop-when-idle MS        stop once no frame has arrived for MS ms (replaying captures)
  --mbufs N                  packet buffers in the pool (default: 4096 per queue, plus 1024)
  --on-failure closed|open   when an engine fails: drop every frame (default), or forward them
                             unjudged
  --eal "OPTIONS"            the EAL options, as one argument (the same as after --)

control API (inline):
  --control ENDPOINT         the command socket (default: tcp://127.0.0.1:7700; 'none': off)
  --publish ENDPOINT         the decision-record socket (default: tcp://127.0.0.1:7701; 'none')
  --curve-key FILE           the daemon's CURVE secret key (picketctl keygen); with
  --curve-allow FILE         the public keys of the clients let in, one a line. Without keys the
                             sockets bind to loopback only

output:
  -l, --log-dir DIR          where eve.json and forwarded.pcap go (default: .)
  --eve FILE                 the decision log (default: DIR/eve.json; '-' for none); inline,
                             records are appended
  --forward FILE             offline: capture of forwarded packets (default: DIR/forwarded.pcap;
                             '-' for none)
  -q, --quiet                no progress line and no skipped-rule warnings

engine:
  --engine sw|sim|xrt|auto   sw: the software engine; sim: the RTL under Verilator; xrt: an Alveo
                             card; auto (default): a card if one is found, else software
  --xclbin FILE              the bitstream for --engine xrt/auto
  --device N                 the XRT device index (default: 0)
  --midstream                accept TCP flows picked up without their handshake
  --malformed drop|forward   what to do with malformed packets (default: drop)
  --action-order LIST        e.g. drop,pass,reject,alert (default: pass,drop,reject,alert)
  --max-flows N              flow table size (default: 1048576)
  -h, --help                 this text

exit status: 0 done (inline: stopped by a signal or idleness); 1 a rule, identity, policy or
capture file, the EAL, a port, the control sockets or the engine could not be used (nothing was
judged); 2 a usage error (in a configuration file, named by file:line:column).
)";

// Where the option being read came from: a configuration file's "file:line:column", or empty.
std::string g_where;

[[noreturn]] void usage_error(const std::string& why) {
  if (g_where.empty()) {
    std::fprintf(stderr, "picketd: %s\n(see picketd --help)\n", why.c_str());
  } else {
    std::fprintf(stderr, "%s: error: %s\n(see picketd --help)\n", g_where.c_str(), why.c_str());
  }
  std::exit(2);
}

unsigned long parse_number(const std::string& option, const std::string& text, unsigned long lo, unsigned long hi) {
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end || v < lo || v > hi) {
    usage_error(option + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace picket;
  EngineFiles files;
  EngineConfig config;
  OfflineOptions offline;
  std::string log_dir = ".", eve, forward;
  bool quiet = false;
  std::string engine_kind = "auto";
  XrtOptions xrt;
  InlineOptions online;
  bool inline_mode = false;
  // The configuration file's options, then the command line's.
  std::vector<ConfigArg> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") break;
    if (std::string(argv[i]) == "--config") {
      if (i + 1 >= argc) usage_error("--config needs a value");
      std::string error;
      if (!read_config_file(argv[i + 1], args, error)) {
        std::fprintf(stderr, "picketd: %s\n", error.c_str());
        return 2;
      }
    }
  }
  for (int i = 1; i < argc; ++i) args.push_back({argv[i], ""});
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i].text;
    g_where = args[i].where;
    if (a == "--") {
      inline_mode = true;
      for (size_t j = i + 1; j < args.size(); ++j) online.eal_args.push_back(args[j].text);
      break;
    }
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(a + " needs a value");
      ++i;
      g_where = args[i].where;
      return args[i].text;
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--config") {
      if (!args[i].where.empty()) usage_error("a configuration file cannot name another");
      ++i;  // read above
    } else if (a == "--eal") {
      inline_mode = true;
      std::string eal = value();
      for (const Word& w : split_words(eal)) online.eal_args.emplace_back(w.text);
    } else if (a == "--on-failure") {
      std::string m = value();
      if (m != "open" && m != "closed") usage_error("--on-failure takes closed or open");
      online.fail_open = m == "open";
    } else if (a == "--control") {
      std::string e = value();
      online.control = e != "none";
      if (online.control) online.control_options.endpoint = e;
    } else if (a == "--publish") {
      std::string e = value();
      online.control_options.publish = e == "none" ? "" : e;
    } else if (a == "--curve-key") {
      online.control_options.secret_key_file = value();
    } else if (a == "--curve-allow") {
      online.control_options.allow_file = value();
    } else if (a == "-r" || a == "--read") offline.capture = value();
    else if (a == "-S" || a == "--rules") files.rule_files.push_back(value());
    else if (a == "--vars") files.var_files.push_back(value());
    else if (a == "--var") files.var_settings.push_back(value());
    else if (a == "--classification") files.classification_file = value();
    else if (a == "--identities") files.identity_file = value();
    else if (a == "--policy") files.policy_file = value();
    else if (a == "--strict") files.strict = true;
    else if (a == "-l" || a == "--log-dir") log_dir = value();
    else if (a == "--eve") eve = value();
    else if (a == "--forward") forward = value();
    else if (a == "-q" || a == "--quiet") quiet = true;
    else if (is_engine_setting(a)) {
      std::string v = engine_setting_takes_value(a) ? value() : "", why;
      if (!apply_engine_setting(a, v, config, why)) usage_error(why);
    }
    else if (a == "--engine") {
      engine_kind = value();
      if (engine_kind != "sw" && engine_kind != "sim" && engine_kind != "xrt" && engine_kind != "auto")
        usage_error("--engine takes sw, sim, xrt or auto");
#ifndef PICKET_HAVE_SIM
      if (engine_kind == "sim") usage_error("this picketd was built without the Verilator model (PICKET_RTL=OFF)");
#endif
    } else if (a == "--xclbin") xrt.xclbin = value();
    else if (a == "--device") {
      std::string n = value();
      char* end = nullptr;
      unsigned long v = std::strtoul(n.c_str(), &end, 10);
      if (n.empty() || *end || v > 255) usage_error("--device takes a number from 0 to 255");
      xrt.device_index = static_cast<unsigned>(v);
    } else if (a == "--ports") {
      std::string list = value();
      online.ports.clear();
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        online.ports.push_back(static_cast<uint16_t>(parse_number("--ports", list.substr(at, comma - at), 0, 1023)));
        at = comma + 1;
      }
      if (online.ports.size() > 2 || (online.ports.size() == 2 && online.ports[0] == online.ports[1]))
        usage_error("--ports takes one port or two different ones");
    } else if (a == "--workers") {
      online.workers = static_cast<unsigned>(parse_number(a, value(), 1, 64));
    } else if (a == "--burst") {
      online.burst = static_cast<unsigned>(parse_number(a, value(), 1, 256));
    } else if (a == "--drain-us") {
      online.drain_us = static_cast<unsigned>(parse_number(a, value(), 1, 1'000'000));
    } else if (a == "--mbufs") {
      online.mbufs = static_cast<unsigned>(parse_number(a, value(), 1024, 16'000'000));
    } else if (a == "--stop-when-idle") {
      online.stop_when_idle_ms = static_cast<unsigned>(parse_number(a, value(), 1, 3'600'000));
    } else if (a == "--max-flows") {
      std::string n = value();
      char* end = nullptr;
      unsigned long long v = std::strtoull(n.c_str(), &end, 10);
      if (n.empty() || *end || v == 0 || v > (1ull << 28)) usage_error("--max-flows takes a number from 1 to 268435456");
      config.flows.max_flows = v;
    } else {
      usage_error("unknown option '" + a + "'");
    }
  }
  g_where.clear();
  if (inline_mode && !offline.capture.empty()) usage_error("-r (offline) and EAL options (inline) do not go together");
  if (!inline_mode && offline.capture.empty()) usage_error("no capture given (-r CAPTURE), nor EAL options after --");
  offline.eve_path = eve == "-" ? "" : eve.empty() ? log_dir + "/eve.json" : eve;
  offline.forward_path = forward == "-" ? "" : forward.empty() ? log_dir + "/forwarded.pcap" : forward;
  offline.progress = !quiet;

  // The data plane: a card, the Verilator model, or the software engine alone. A card is
  // looked for first: the generation is built with device tables only when a device judges.
  std::unique_ptr<Device> card;
  if (engine_kind == "xrt" || engine_kind == "auto") {
    std::string why;
    card = XrtDevice::open(xrt, why);
    if (!card && engine_kind == "xrt") {
      std::fprintf(stderr, "picketd: %s\n", why.c_str());
      return 1;
    }
    if (!card) std::fprintf(stderr, "picketd: %s; using the software engine\n", why.c_str());
  }
  const bool device = card || engine_kind == "sim";

  EngineSetup setup = set_up_engine(files, config, device);
  for (const Diagnostic& d : setup.diagnostics) {
    if (quiet && d.severity == Severity::kWarning) continue;
    std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  if (!setup.engine) {
    std::fprintf(stderr, "picketd: nothing judged: fix the errors above\n");
    return 1;
  }
  std::fprintf(stderr, "picketd: %zu rules loaded (%zu skipped), %zu identity bindings, policy: %s\n",
               setup.rules.accepted, setup.rules.skipped, setup.engine->identities().size(),
               setup.engine->policy() ? (setup.engine->policy()->mode == PolicyMode::kAudit ? "audit" : "enforce") : "none");
  // The tables, as the control API will change them; every judge shares its generations, with
  // flows of its own. The first judge takes the engine built above.
  Controller controller(setup.variables, files.strict, config, setup.engine->generation());
  std::unique_ptr<SoftwareEngine> first_engine = std::move(setup.engine);
  auto make_judge = [&](unsigned worker, std::string& error) -> std::unique_ptr<Judge> {
    std::unique_ptr<SoftwareEngine> engine =
        first_engine ? std::move(first_engine) : std::make_unique<SoftwareEngine>(config, controller.current());
    std::unique_ptr<Device> dev;
    if (card || (engine_kind != "sim" && device)) {
      if (worker > 0) {
        error = "one card is driven by one worker: use --workers 1 with --engine xrt";
        return nullptr;
      }
      dev = std::move(card);
    }
#ifdef PICKET_HAVE_SIM
    if (engine_kind == "sim") dev = std::make_unique<SimDevice>();
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
  };

  if (inline_mode) {
    online.eve_path = eve == "-" ? "" : eve.empty() ? log_dir + "/eve.json" : eve;
    online.quiet = quiet;
    return run_inline(online, make_judge, &setup.classifications, controller);
  }

  std::string error;
  std::unique_ptr<Judge> judge = make_judge(0, error);
  if (!judge) {
    std::fprintf(stderr, "picketd: %s\n", error.c_str());
    return 1;
  }
  try {
    OfflineSummary summary = run_offline(offline, *judge, &setup.classifications);
    print_summary(summary, *judge, stdout);
    if (!summary.device_error.empty()) {
      std::fprintf(stderr, "picketd: %s\n", summary.device_error.c_str());
      return 1;
    }
    if (!offline.eve_path.empty()) std::printf("  decision log: %s\n", offline.eve_path.c_str());
    if (!offline.forward_path.empty()) std::printf("  forwarded packets: %s\n", offline.forward_path.c_str());
  } catch (const PcapError& e) {
    std::fprintf(stderr, "picketd: %s\n", e.what());
    return 1;
  }
  return 0;
}
