#include "daemon/options.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/host_port.h"
#include "base/text.h"
#include "base/time_text.h"
#include "daemon/config_file.h"
#include "plan/settings.h"

namespace picket {
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
  --strict                   a rule that would be skipped, or a capture cut short, is an error

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
  --metrics HOST:PORT        Prometheus metrics over HTTP, GET /metrics (default: off)
  --node NAME                the node label of every metric (default: the host name)

fleet (README, "A fleet on etcd"):
  --store etcd://HOST:PORT[,HOST:PORT...]  follow the cluster's state in etcd (etcds:// for
                             TLS): rules, variables, bindings, policy and identity ids come from
                             there, and every change made there is taken as one generation; no
                             -S, --vars, --identities or --policy then
  --cluster NAME             the cluster's keys, /picket/NAME/ (default: default)
  --store-ca FILE            TLS: the CA of the etcd members' certificates
  --store-cert FILE          TLS: this node's client certificate, with
  --store-key FILE           its key
  --store-fail-closed-after DURATION  when the store has been out of reach this long (30s,
                             5m ...), drop every binding that has a TTL until it answers again
                             (default: 0, keep enforcing the last state)

control API (inline):
  --control ENDPOINT         the command socket (default: ipc://RUN/control; 'none': off)
  --publish ENDPOINT         the decision-record socket (default: ipc://RUN/records; 'none')
                             RUN: $PICKET_RUN_DIR, /run/picket for root, else
                             $XDG_RUNTIME_DIR/picket or /tmp/picket-UID; made with mode 0700
  --curve-key FILE           the daemon's CURVE secret key (picketctl keygen); with
  --curve-allow FILE         the public keys of the clients let in, one a line. Without keys the
                             sockets are owner-only Unix sockets (ipc://); tcp:// needs keys

output:
  -l, --log-dir DIR          where eve.json and forwarded.pcap go (default: .)
  --eve FILE                 the decision log (default: DIR/eve.json; '-' for none); inline,
                             records are appended
  --forward FILE             offline: capture of forwarded packets (default: DIR/forwarded.pcap;
                             '-' for none)
  --no-flow-records          no "flow" record when a flow ends
  --redis HOST:PORT          decision records to Redis too, as Suricata's EVE redis output
  --redis-key KEY            the list or channel (default: picket)
  --redis-mode MODE          list (LPUSH, default), rpush, or channel (PUBLISH)
  --redis-queue N            records held while Redis is slow or down; past it, dropped and
                             counted (default: 65536)
  -q, --quiet                no progress line and no skipped-rule warnings

engine:
  --engine sw|sim|xrt|auto   sw: the software engine; sim: the RTL under Verilator; xrt: an Alveo
                             card; auto (default): a card if one is found, else software
  --xclbin FILE              the bitstream for --engine xrt/auto
  --device N                 the XRT device index (default: 0)
  --midstream                accept TCP flows picked up without their handshake
  --midstream-policy POLICY  without --midstream, what a flow picked up without its handshake
                             gets: ignore (inspected packet by packet, the default),
                             drop-flow, pass-flow (forwarded uninspected) or bypass
  --checksums validate|drop|none  a packet whose IPv4 or TCP/UDP checksum does not hold is
                             forwarded uninspected, changing no flow or stream (validate,
                             the default), dropped (drop), or not checked (none: as
                             Suricata's -k none)
  --malformed drop|forward   what to do with malformed packets (default: drop)
  --action-order LIST        e.g. drop,pass,reject,alert (default: pass,drop,reject,alert)
  --packet-alert-max N       rules recorded per packet at most (default: 15)
  --max-flows N              flow table size (default: 1048576)
  --max-blocked N            blocked flows remembered apart from the table (default: 65536)
  --block-timeout SECONDS    how long a blocked flow stays blocked after its last packet
                             (default: 3600)
  --stream-depth BYTES       TCP bytes reassembled per direction; 0: all (default: 1048576)
  --stream-lookback BYTES    stream bytes before a segment that its inspection sees (default: 4096)
  --stream-queue N           out-of-order segments held per direction (default: 256)
  --stream-memcap BYTES      bytes every stream together may hold (default: 268435456)
  --stream-exception POLICY  when the queue or the memory cap is full: drop-flow (default),
                             drop-packet, pass-flow (forward the rest uninspected) or ignore
                             (inspect the flow's segments one by one)
  --stream-overlap drop|accept  a segment that gives other bytes for bytes already seen: dropped
                             (default), or forwarded, the stream taking the bytes the receiver
                             keeps by its overlap policy
  --stream-urgent oob|inline|drop  urgent data (URG): its urgent byte left out of the stream, as
                             the receiver's stack reads it (oob, the default), read as data
                             (inline: receivers that ask for it inline), or every segment
                             with urgent data dropped (drop)
  --tcp-invalid drop|forward|ignore  a TCP packet its receiver refuses (data past its window, a
                             RST off the next sequence number): dropped (default), forwarded and
                             judged alone, or not checked; neither of the first two changes the
                             flow or its stream
  --async-oneside            establish TCP flows of which only the client's side is seen
  --anomaly-stream           an "anomaly" record for each stream event (Suricata's names)
  --stream-policy POLICY     whose bytes a receiver keeps where a segment overlaps ones it holds
                             out of order: first, last, bsd (default), old-linux, linux, solaris,
                             hpux10, hpux11, irix, macos, windows, vista or windows2k3
  --stream-target PREFIX=POLICY  the policy for streams to PREFIX (e.g. 10.1.0.0/16=linux);
                             repeatable, the longest prefix wins
  --stream-hold BYTES        bytes of an HTTP message still arriving kept for parsing
                             (default: 65536)
  --defrag-policy POLICY     whose bytes a datagram keeps where its fragments overlap: first,
                             last, bsd (default), bsd-right, linux, windows or solaris
  --defrag-target PREFIX=POLICY  the policy for datagrams to PREFIX (e.g. 10.1.0.0/16=windows);
                             repeatable, the longest prefix wins
  --defrag-timeout SECONDS   how long a datagram's fragments are held (default: 60)
  --defrag-memcap BYTES      bytes every held datagram together may take; a fragment past it
                             is dropped (default: 33554432)
  --defrag-trackers N        datagrams held at once (default: 65535)
  --defrag-overlap drop|accept  a fragment that gives other bytes for bytes already given: dropped
                             (default), or taken by the overlap policy
  -h, --help                 this text

exit status: 0 done (inline: stopped by a signal or idleness); 1 a rule, identity, policy or
capture file, the store (no member answered, or its state does not build), the EAL, a port, the
control sockets or the engine could not be used (nothing was judged); 2 a usage error (in a
configuration file, named by file:line:column).
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

// The options in the order they apply: the configuration file's, then the command line's.
std::vector<ConfigArg> gather(int argc, char** argv) {
  std::vector<ConfigArg> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") break;
    if (std::string(argv[i]) == "--config") {
      if (i + 1 >= argc) usage_error("--config needs a value");
      std::string error;
      if (!read_config_file(argv[i + 1], args, error)) {
        std::fprintf(stderr, "picketd: %s\n", error.c_str());
        std::exit(2);
      }
    }
  }
  for (int i = 1; i < argc; ++i) args.push_back({argv[i], ""});
  return args;
}

// One option's reader: the option's name, and its value on demand.
struct Reader {
  const std::vector<ConfigArg>& args;
  size_t i = 0;
  const std::string& name() const { return args[i].text; }
  std::string value() {
    // A file's `policy` with no `= FILE` must not take the next line's option as its value.
    if (i + 1 >= args.size() || args[i + 1].key) usage_error(name() + " needs a value");
    ++i;
    g_where = args[i].where;
    return args[i].text;
  }
};

// The inline and control options; false when `a` is none of them.
bool inline_option(const std::string& a, Reader& r, InlineOptions& online, bool& inline_mode) {
  if (a == "--eal") {
    inline_mode = true;
    for (const Word& w : split_words(r.value())) online.eal_args.emplace_back(w.text);
  } else if (a == "--on-failure") {
    std::string m = r.value();
    if (m != "open" && m != "closed") usage_error("--on-failure takes closed or open");
    online.fail_open = m == "open";
  } else if (a == "--control") {
    std::string e = r.value();
    online.control = e != "none";
    if (online.control) online.control_options.endpoint = e;
  } else if (a == "--metrics") {
    std::string e = r.value(), error;
    if (!parse_host_port(e, 0, error)) usage_error("--metrics: " + error + " (expected HOST:PORT)");
    online.metrics = e;
  } else if (a == "--node") {
    online.node = r.value();
    if (online.node.empty()) usage_error("--node takes a name");
  } else if (a == "--publish") {
    std::string e = r.value();
    online.control_options.publish = e == "none" ? "" : e;
  } else if (a == "--curve-key") {
    online.control_options.secret_key_file = r.value();
  } else if (a == "--curve-allow") {
    online.control_options.allow_file = r.value();
  } else if (a == "--ports") {
    std::string list = r.value();
    online.ports.clear();
    for (size_t at = 0; at <= list.size();) {
      size_t comma = std::min(list.find(',', at), list.size());
      online.ports.push_back(static_cast<uint16_t>(parse_number("--ports", list.substr(at, comma - at), 0, 1023)));
      at = comma + 1;
    }
    if (online.ports.size() > 2 || (online.ports.size() == 2 && online.ports[0] == online.ports[1]))
      usage_error("--ports takes one port or two different ones");
  } else if (a == "--workers") {
    online.workers = static_cast<unsigned>(parse_number(a, r.value(), 1, 64));
  } else if (a == "--burst") {
    online.burst = static_cast<unsigned>(parse_number(a, r.value(), 1, 256));
  } else if (a == "--drain-us") {
    online.drain_us = static_cast<unsigned>(parse_number(a, r.value(), 1, 1'000'000));
  } else if (a == "--mbufs") {
    online.mbufs = static_cast<unsigned>(parse_number(a, r.value(), 1024, 16'000'000));
  } else if (a == "--stop-when-idle") {
    online.stop_when_idle_ms = static_cast<unsigned>(parse_number(a, r.value(), 1, 3'600'000));
  } else {
    return false;
  }
  return true;
}

// The engine's options; false when `a` is none of them.
bool engine_option(const std::string& a, Reader& r, DaemonOptions& o) {
  if (is_engine_setting(a)) {
    std::string v = engine_setting_takes_value(a) ? r.value() : "", why;
    if (!apply_engine_setting(a, v, o.config, why)) usage_error(why);
  } else if (a == "--engine") {
    o.engine_kind = r.value();
    if (o.engine_kind != "sw" && o.engine_kind != "sim" && o.engine_kind != "xrt" && o.engine_kind != "auto")
      usage_error("--engine takes sw, sim, xrt or auto");
#ifndef PICKET_HAVE_SIM
    if (o.engine_kind == "sim") usage_error("this picketd was built without the Verilator model (PICKET_RTL=OFF)");
#endif
  } else if (a == "--xclbin") {
    o.xrt.xclbin = r.value();
  } else if (a == "--device") {
    o.xrt.device_index = static_cast<unsigned>(parse_number(a, r.value(), 0, 255));
  } else if (a == "--max-flows") {
    std::string n = r.value();
    char* end = nullptr;
    unsigned long long v = std::strtoull(n.c_str(), &end, 10);
    if (n.empty() || *end || v == 0 || v > (1ull << 28)) usage_error("--max-flows takes a number from 1 to 268435456");
    o.config.flows.max_flows = v;
  } else if (a == "--max-blocked") {
    o.config.blocks.max_entries = parse_number(a, r.value(), 1, 1ul << 26);
  } else if (a == "--block-timeout") {
    o.config.blocks.timeout_ns = static_cast<int64_t>(parse_number(a, r.value(), 1, 86400ul * 365)) * 1'000'000'000;
  } else if (a == "--stream-depth") {
    o.config.stream.depth = static_cast<uint32_t>(parse_number(a, r.value(), 0, 1ul << 31));
  } else if (a == "--stream-lookback") {
    o.config.stream.lookback = static_cast<uint32_t>(parse_number(a, r.value(), 0, 1 << 20));
  } else if (a == "--stream-queue") {
    o.config.stream.max_queued_segments = static_cast<uint32_t>(parse_number(a, r.value(), 0, 1 << 20));
  } else if (a == "--stream-memcap") {
    o.config.stream.memcap = static_cast<size_t>(parse_number(a, r.value(), 0, 1ul << 40));
  } else if (a == "--stream-exception") {
    const std::string v = r.value();
    bool known = false;
    for (StreamException e : {StreamException::kDropFlow, StreamException::kDropPacket, StreamException::kPassFlow,
                              StreamException::kIgnore}) {
      if (v == stream_exception_name(e)) {
        o.config.stream.on_exception = e;
        known = true;
      }
    }
    if (!known) usage_error("--stream-exception takes drop-flow, drop-packet, pass-flow or ignore");
  } else if (a == "--stream-hold") {
    o.config.stream.hold_limit = static_cast<uint32_t>(parse_number(a, r.value(), 0, 1ul << 30));
  } else if (a == "--stream-overlap") {
    const std::string v = r.value();
    if (v != "drop" && v != "accept") usage_error("--stream-overlap takes drop or accept");
    o.config.stream.drop_conflicts = v == "drop";
  } else if (a == "--stream-urgent") {
    std::optional<UrgentPolicy> u = parse_urgent_policy(r.value());
    if (!u) usage_error("--stream-urgent takes oob, inline or drop");
    o.config.stream.urgent = *u;
  } else if (a == "--tcp-invalid") {
    const std::string v = r.value();
    if (v != "drop" && v != "forward" && v != "ignore") usage_error("--tcp-invalid takes drop, forward or ignore");
    o.config.stream.drop_invalid = v == "drop";
    o.config.flows.check_sequence = v != "ignore";
  } else if (a == "--async-oneside") {
    o.config.flows.async_oneside = true;
  } else if (a == "--anomaly-stream") {
    o.config.stream_anomalies = true;
  } else if (a == "--stream-policy") {
    std::optional<StreamPolicy> p = parse_stream_policy(r.value());
    if (!p) usage_error("--stream-policy takes " + std::string(kStreamPolicyNames));
    o.config.stream.policy = *p;
  } else if (a == "--stream-target") {
    std::string error;
    std::optional<StreamTarget> t = parse_stream_target(r.value(), error);
    if (!t) usage_error("--stream-target: " + error);
    o.config.stream.targets.push_back(*t);
  } else if (a == "--midstream-policy") {
    const std::string v = r.value();
    bool known = false;
    for (MidstreamPolicy p : {MidstreamPolicy::kIgnore, MidstreamPolicy::kDropFlow, MidstreamPolicy::kPassFlow,
                              MidstreamPolicy::kBypass}) {
      if (v == midstream_policy_name(p)) {
        o.config.midstream_policy = p;
        known = true;
      }
    }
    if (!known) usage_error("--midstream-policy takes ignore, drop-flow, pass-flow or bypass");
  } else if (a == "--no-flow-records") {
    o.config.flow_records = false;
  } else if (a == "--packet-alert-max") {
    o.config.packet_alert_max = static_cast<uint32_t>(parse_number(a, r.value(), 1, 1000));
  } else if (a == "--defrag-policy") {
    std::optional<FragmentPolicy> p = parse_fragment_policy(r.value());
    if (!p) usage_error("--defrag-policy takes first, last, bsd, bsd-right, linux, windows or solaris");
    o.config.defrag.policy = *p;
  } else if (a == "--defrag-target") {
    std::string error;
    std::optional<FragmentTarget> t = parse_fragment_target(r.value(), error);
    if (!t) usage_error("--defrag-target: " + error);
    o.config.defrag.targets.push_back(*t);
  } else if (a == "--defrag-timeout") {
    o.config.defrag.timeout_ns = static_cast<int64_t>(parse_number(a, r.value(), 1, 3600)) * 1'000'000'000;
  } else if (a == "--defrag-memcap") {
    o.config.defrag.memcap = static_cast<size_t>(parse_number(a, r.value(), 0, 1ul << 40));
  } else if (a == "--defrag-trackers") {
    o.config.defrag.max_trackers = static_cast<size_t>(parse_number(a, r.value(), 1, 1ul << 24));
  } else if (a == "--defrag-overlap") {
    const std::string v = r.value();
    if (v != "drop" && v != "accept") usage_error("--defrag-overlap takes drop or accept");
    o.config.defrag.drop_conflicts = v == "drop";
  } else {
    return false;
  }
  return true;
}

// --redis and its settings, into o.offline.redis (copied to the inline options at the end).
bool redis_option(const std::string& a, Reader& r, DaemonOptions& o) {
  if (a != "--redis" && a != "--redis-key" && a != "--redis-mode" && a != "--redis-queue") return false;
  const std::string v = r.value();
  if (!o.offline.redis) o.redis_where = g_where;  // the first setting, for an error at the end
  RedisConfig& c = o.offline.redis ? *o.offline.redis : o.offline.redis.emplace();
  std::string error;
  if (a == "--redis") {
    if (!parse_redis_server(v, c, error)) usage_error("--redis: " + error + " (expected HOST:PORT)");
    o.redis_server = true;
  } else if (a == "--redis-key") {
    if (v.empty()) usage_error("--redis-key takes a key");
    c.key = v;
  } else if (a == "--redis-mode") {
    std::optional<RedisMode> m = parse_redis_mode(v);
    if (!m) usage_error("--redis-mode takes list, rpush or channel");
    c.mode = *m;
  } else {
    c.queue = static_cast<size_t>(parse_number(a, v, 1, 1ul << 30));
  }
  return true;
}

// --store and its settings; false when `a` is none of them.
bool store_option(const std::string& a, Reader& r, DaemonOptions& o) {
  if (a != "--store" && a != "--cluster" && a != "--store-ca" && a != "--store-cert" && a != "--store-key" &&
      a != "--store-fail-closed-after") {
    return false;
  }
  const std::string v = r.value();
  store::StoreOptions& s = o.store ? *o.store : o.store.emplace();
  std::string error, root;
  if (a == "--store") {
    if (!store::parse_store_url(v, s.etcd, error)) usage_error("--store: " + error);
    o.store_url = v;
  } else if (a == "--cluster") {
    if (!store::cluster_root(v, root, error)) usage_error("--cluster: " + error);
    s.cluster = v;
  } else if (a == "--store-ca") {
    s.etcd.ca_file = v;
  } else if (a == "--store-cert") {
    s.etcd.cert_file = v;
  } else if (a == "--store-key") {
    s.etcd.key_file = v;
  } else {
    std::optional<int64_t> ms = parse_duration_ms(v);
    if (!ms) usage_error(a + " takes a duration such as 30s, 500ms or 5m");
    s.fail_closed_after_ms = *ms;
  }
  return true;
}

// The input and output options; false when `a` is none of them.
bool file_option(const std::string& a, Reader& r, DaemonOptions& o, std::string& log_dir, std::string& eve,
                 std::string& forward) {
  EngineFiles& files = o.files;
  if (a == "-r" || a == "--read") o.offline.capture = r.value();
  else if (a == "-S" || a == "--rules") files.rule_files.push_back(r.value());
  else if (a == "--vars") files.var_files.push_back(r.value());
  else if (a == "--var") files.var_settings.push_back(r.value());
  else if (a == "--classification") files.classification_file = r.value();
  else if (a == "--identities") files.identity_file = r.value();
  else if (a == "--policy") files.policy_file = r.value();
  else if (a == "--strict") files.strict = true;
  else if (a == "-l" || a == "--log-dir") log_dir = r.value();
  else if (a == "--eve") eve = r.value();
  else if (a == "--forward") forward = r.value();
  else if (a == "-q" || a == "--quiet") o.quiet = true;
  else return redis_option(a, r, o) || store_option(a, r, o);
  return true;
}


}  // namespace

DaemonOptions parse_daemon_options(int argc, char** argv) {
  DaemonOptions o;
  std::string log_dir = ".", eve, forward;
  const std::vector<ConfigArg> args = gather(argc, argv);
  Reader r{args};
  for (; r.i < args.size(); ++r.i) {
    const std::string a = args[r.i].text;
    g_where = args[r.i].where;
    if (a == "--") {
      o.inline_mode = true;
      for (size_t j = r.i + 1; j < args.size(); ++j) o.online.eal_args.push_back(args[j].text);
      break;
    }
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--config") {
      if (!args[r.i].where.empty()) usage_error("a configuration file cannot name another");
      ++r.i;  // read by gather()
      continue;
    }
    if (!file_option(a, r, o, log_dir, eve, forward) && !engine_option(a, r, o) &&
        !inline_option(a, r, o.online, o.inline_mode)) {
      usage_error("unknown option '" + a + "'");
    }
  }
  g_where.clear();
  if (o.inline_mode && !o.offline.capture.empty()) usage_error("-r (offline) and EAL options (inline) do not go together");
  if (!o.inline_mode && o.offline.capture.empty()) usage_error("no capture given (-r CAPTURE), nor EAL options after --");
  const std::string eve_path = eve == "-" ? "" : eve.empty() ? log_dir + "/eve.json" : eve;
  o.offline.eve_path = eve_path;
  o.offline.forward_path = forward == "-" ? "" : forward.empty() ? log_dir + "/forwarded.pcap" : forward;
  o.offline.progress = !o.quiet;
  o.files.progress = !o.quiet;
  o.online.eve_path = eve_path;
  if (o.offline.redis && !o.redis_server) {
    g_where = o.redis_where;
    usage_error("--redis-key, --redis-mode and --redis-queue go with --redis HOST:PORT");
  }
  o.online.redis = o.offline.redis;
  if (o.store) {
    if (o.store_url.empty()) usage_error("--cluster and the --store-... settings go with --store etcd://HOST:PORT");
    if (!o.files.rule_files.empty() || !o.files.var_files.empty() || !o.files.var_settings.empty() ||
        !o.files.identity_file.empty() || !o.files.policy_file.empty()) {
      usage_error("with --store the rules, variables, bindings and policy come from the store: no -S, --vars, --var, "
                  "--identities or --policy");
    }
    if (o.store->cluster.empty()) o.store->cluster = "default";
    o.store->node = o.online.node;
  }
  o.online.quiet = o.quiet;
  return o;
}

}  // namespace picket
