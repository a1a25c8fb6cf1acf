// Differential tests: the Verilator model of hw/picket_kernel.sv, completed by the host
// (DeviceEngine), against the software engine alone, packet by packet. Same verdict, same
// rule ids, same identity tags and policy statements, or the test fails. The device's own
// decisions are checked too: every frame it would drop or forward alone must agree with the
// host (DeviceEngine::disagreements).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.h"
#include "control/controller.h"
#include "daemon/engine_setup.h"
#include "device/device_engine.h"
#include "device/table_bits.h"
#include "testing/packet_builder.h"
#include "testing/tcp_conversation.h"
#include "io/pcap_file.h"
#include "plan/build.h"
#include "sim_device.h"
#include "tools/trafgen/scenario.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

std::string differences(const Verdict& sw, const Verdict& dev) {
  std::ostringstream s;
  auto field = [&](const char* name, auto a, auto b) {
    if (a != b) s << name << " sw " << +a << " sim " << +b << "; ";
  };
  field("drop", sw.drop, dev.drop);
  field("reason", static_cast<int>(sw.reason), static_cast<int>(dev.reason));
  field("malformed", static_cast<int>(sw.malformed), static_cast<int>(dev.malformed));
  field("src_id", sw.src_id, dev.src_id);
  field("dst_id", sw.dst_id, dev.dst_id);
  field("policy_checked", sw.policy_checked, dev.policy_checked);
  field("policy.allowed", sw.policy.allowed, dev.policy.allowed);
  field("policy.statement", sw.policy.statement, dev.policy.statement);
  field("audit_would_drop", sw.audit_would_drop, dev.audit_would_drop);
  field("blocking_rule", sw.blocking_rule, dev.blocking_rule);
  field("flow_was_blocked", sw.flow_was_blocked, dev.flow_was_blocked);
  field("reject", sw.reject, dev.reject);
  field("passed", sw.passed, dev.passed);
  if (sw.alerts != dev.alerts) s << "alerts differ (" << sw.alerts.size() << " vs " << dev.alerts.size() << "); ";
  return s.str();
}

struct Tally {
  size_t packets = 0, differences = 0;
  std::vector<std::string> notes;
};

// Runs both engines over `packets` in batches; the software engine is the reference.
void run_both(SoftwareEngine& sw, DeviceEngine& dev, const std::vector<Packet>& packets, Tally& t,
              const std::string& where) {
  constexpr size_t kBatch = 512;
  std::vector<Verdict> got;
  Verdict want;
  for (size_t at = 0; at < packets.size(); at += kBatch) {
    std::span<const Packet> batch(packets.data() + at, std::min(kBatch, packets.size() - at));
    std::string error;
    ASSERT_TRUE(dev.process(batch, got, error)) << error;
    for (size_t i = 0; i < batch.size(); ++i) {
      sw.process(batch[i], want);
      ++t.packets;
      std::string d = differences(want, got[i]);
      if (d.empty()) continue;
      ++t.differences;
      if (t.notes.size() < 10) t.notes.push_back(where + " packet " + std::to_string(batch[i].index) + ": " + d);
    }
  }
}

struct Pair {
  std::unique_ptr<SoftwareEngine> sw;
  std::unique_ptr<DeviceEngine> dev;
};

Pair make_pair(const EngineFiles& files, const EngineConfig& config, SimOptions sim = {}) {
  Pair p;
  EngineSetup a = set_up_engine(files, config), b = set_up_engine(files, config, true);
  for (const Diagnostic& d : a.diagnostics) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.to_string();
  }
  if (!a.engine || !b.engine) return p;
  std::string error;
  p.dev = DeviceEngine::create(std::make_unique<SimDevice>(sim), std::move(b.engine), error);
  EXPECT_TRUE(p.dev) << error;
  p.sw = std::move(a.engine);
  return p;
}

// Frames as packets a millisecond apart.
std::vector<Packet> packets_of(const std::vector<std::vector<uint8_t>>& frames) {
  std::vector<Packet> packets;
  for (const auto& f : frames) {
    Packet p;
    p.bytes = f;
    p.wire_length = static_cast<uint32_t>(f.size());
    p.timestamp_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(packets.size()) * 1'000'000;
    p.index = packets.size() + 1;
    packets.push_back(std::move(p));
  }
  return packets;
}

// A frame of a hand-made test, and whether the rules alert on it.
struct Frame {
  std::vector<uint8_t> bytes;
  bool alert;
};

std::vector<Packet> packets_of(const std::vector<Frame>& frames) {
  std::vector<std::vector<uint8_t>> bytes;
  for (const Frame& f : frames) bytes.push_back(f.bytes);
  return packets_of(bytes);
}

// The device engine, fresh under `files`, alerts on exactly the frames that say so.
void expect_alerts(const EngineFiles& files, const std::vector<Packet>& packets, const std::vector<Frame>& frames) {
  auto check = make_pair(files, {});
  ASSERT_TRUE(check.dev);
  std::vector<Verdict> got;
  std::string error;
  ASSERT_TRUE(check.dev->process(packets, got, error)) << error;
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(!got[i].alerts.empty(), frames[i].alert) << "frame " << i;
}

void expect_agreement(const Tally& t, DeviceEngine& dev) {
  EXPECT_EQ(t.differences, 0u);
  for (const std::string& n : t.notes) ADD_FAILURE() << n;
  EXPECT_EQ(dev.stats().disagreements, 0u);
  for (const std::string& n : dev.disagreements()) ADD_FAILURE() << n;
  const DeviceEngineStats& s = dev.stats();
  std::printf("%zu packets, 0 differences; device: %llu punted (%.1f %%: %llu policy direction, %llu rules), "
              "%llu dropped alone, %llu needed flow state; flow direction known on the card for %llu, "
              "untrusted %llu, table full %llu\n",
              t.packets, static_cast<unsigned long long>(s.punted), 100.0 * double(s.punted) / double(std::max<uint64_t>(1, s.packets)),
              static_cast<unsigned long long>(s.punted_policy), static_cast<unsigned long long>(s.punted_rules),
              static_cast<unsigned long long>(s.device_drops), static_cast<unsigned long long>(s.needs_flow_state),
              static_cast<unsigned long long>(s.flow_known), static_cast<unsigned long long>(s.flow_untrusted),
              static_cast<unsigned long long>(s.flow_full));
  auto& sim = static_cast<SimDevice&>(dev.device());
  std::printf("model: %llu beats in, %llu cycles with a beat held back by tready\n",
              static_cast<unsigned long long>(sim.input_beats()), static_cast<unsigned long long>(sim.input_stall_cycles()));
}

std::vector<Packet> demo_packets() {
  fs::path path = fs::path(PICKET_SOURCE_DIR) / "policy" / "demo.scenario";
  std::optional<std::string> text = read_text_file(path.string());
  EXPECT_TRUE(text);
  std::vector<Diagnostic> errors;
  auto scenario = trafgen::parse_scenario(text.value_or(""), "demo.scenario", errors);
  EXPECT_TRUE(scenario);
  return scenario ? trafgen::generate_packets(*scenario) : std::vector<Packet>{};
}

EngineFiles demo_files() {
  fs::path policy = fs::path(PICKET_SOURCE_DIR) / "policy";
  EngineFiles files;
  files.rule_files = {(policy / "demo.rules").string()};
  files.identity_file = (policy / "demo.identities").string();
  files.policy_file = (policy / "demo.policy").string();
  return files;
}

// The output stalls at random nine cycles in ten: frames wait, the input is held back when
// the FIFO fills, and nothing is lost or reordered.
TEST(DeviceEngineDifferential, DemoCaptureUnderBackPressure) {
  std::vector<Packet> packets = demo_packets();
  auto pair = make_pair(demo_files(), {}, SimOptions{0.9, 7});
  ASSERT_TRUE(pair.dev);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "demo");
  expect_agreement(t, *pair.dev);
  auto& sim = static_cast<SimDevice&>(pair.dev->device());
  EXPECT_GT(sim.input_stall_cycles(), 0u);  // back-pressure did reach the input
}

TEST(DeviceEngineDifferential, DemoCapture) {
  std::vector<Packet> packets = demo_packets();
  auto pair = make_pair(demo_files(), {});
  ASSERT_TRUE(pair.dev);
  EXPECT_GT(pair.dev->plan().report.hardware_rules, 0u);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "demo");
  expect_agreement(t, *pair.dev);
  // The kernel took a beat every cycle: its output always kept up here.
  EXPECT_EQ(static_cast<SimDevice&>(pair.dev->device()).input_stall_cycles(), 0u);
  // The device did real work: it dropped on its own, and the counters it keeps say so.
  EXPECT_GT(pair.dev->stats().device_drops, 0u);
  DeviceCounters c = pair.dev->device().counters();
  EXPECT_EQ(c.packets, packets.size());
  EXPECT_EQ(c.drop_policy + c.drop_signature + c.drop_malformed, pair.dev->stats().device_drops);
}

// The zeek and nDPI captures, every packet judged by both engines under `rule_files` (with
// the corpus's Suricata variables, mid-stream pickup on).
void differential_on_corpus_captures(const std::vector<std::string>& rule_files) {
  const fs::path corpus = fs::path(PICKET_SHARED_DIR) / "corpus";
  EngineFiles files;
  files.rule_files = rule_files;
  files.var_files = {(corpus / "rules" / "derived" / "vars.suricata-default.txt").string()};
  EngineConfig config;
  config.flows.midstream = true;
  auto pair = make_pair(files, config);
  ASSERT_TRUE(pair.dev);
  const auto& r = pair.dev->plan().report;
  std::printf("rules %zu: %zu found by hardware literals (%zu final), %zu anchored, %zu short, %zu host-only, "
              "%zu literal collisions\n",
              r.rules, r.hardware_rules, r.final_rules, r.anchored_rules, r.short_rules, r.host_rules,
              r.literal_collisions);
  Tally t;
  for (const char* dir : {"zeek", "ndpi"}) {
    std::vector<fs::path> paths;
    for (const auto& e : fs::recursive_directory_iterator(corpus / "pcaps" / dir)) {
      if (e.is_regular_file()) paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path& path : paths) {
      std::vector<Packet> packets;
      try {
        PcapReader reader(path.string());
        if (reader.link_type() != LinkType::kEthernet) continue;
        Packet p;
        while (reader.next(p)) packets.push_back(p);
      } catch (const PcapError&) {
        continue;
      }
      run_both(*pair.sw, *pair.dev, packets, t, path.filename().string());
    }
  }
  expect_agreement(t, *pair.dev);
  EXPECT_GT(t.packets, 100000u);
}

TEST(DeviceEngineDifferential, ZeekAndNdpiCapturesUnderEtOpenContentOnly) {
  const fs::path rules = fs::path(PICKET_SHARED_DIR) / "corpus" / "rules" / "derived" / "et-open.content-only.rules";
  if (!fs::exists(rules)) GTEST_SKIP() << "no ../shared corpus";
  differential_on_corpus_captures({rules.string()});
}

// Every ET Open file (14,438 rules load): hardware, anchored and short literals, host-only
// rules on ports and on HTTP flows, all at once.
TEST(DeviceEngineDifferential, ZeekAndNdpiCapturesUnderAllOfEtOpen) {
  const fs::path dir = fs::path(PICKET_SHARED_DIR) / "corpus" / "rules" / "et-open-2024-04-21";
  if (!fs::exists(dir)) GTEST_SKIP() << "no ../shared corpus";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".rules") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  differential_on_corpus_captures(files);
}

// A weak fast pattern (repetitive) on any port is both a hardware literal and a rule the host
// inspects on every packet: a frame that carries it alerts once, as on the software engine.
TEST(DeviceEngineDifferential, AWeakPatternOnAnyPortAlertsOnce) {
  fs::path dir = fs::temp_directory_path() / ("picket-weak-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "weak.rules") << "alert udp any any -> any any (msg:\"zeros\"; content:\"|00 00 00 00 00 01|\"; "
                                       "sid:50;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "weak.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  EXPECT_EQ(pair.dev->plan().report.hardware_rules, 1u);
  std::vector<Packet> packets(1);
  packets[0].bytes = PacketBuilder()
                         .ipv4("10.0.0.1", "10.0.0.2")
                         .udp(40000, 9999)
                         .payload(std::string("x\0\0\0\0\0\1y", 8))
                         .build();
  packets[0].wire_length = static_cast<uint32_t>(packets[0].bytes.size());
  packets[0].index = 1;
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "weak");
  expect_agreement(t, *pair.dev);
  std::vector<Verdict> got;
  std::string error;
  ASSERT_TRUE(pair.dev->process(packets, got, error)) << error;
  EXPECT_EQ(got[0].alerts.size(), 1u);
  fs::remove_all(dir);
}

// A fast pattern in an HTTP header value is a hardware literal searched on the raw frames: the
// frame that carries it goes to the host, the others are decided on the card. Requests whose
// header, or the literal itself, is split over two segments are judged as the software engine
// judges them, and the card claims nothing the host would not.
TEST(DeviceEngineDifferential, AnHttpHeaderFastPatternIsSearchedOnTheWire) {
  fs::path dir = fs::temp_directory_path() / ("picket-http-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ua.rules") << "alert http any any -> any any (msg:\"scanner\"; flow:established,to_server; "
                                     "http.user_agent; content:\"sqlmap\"; nocase; sid:60;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "ua.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  EXPECT_EQ(pair.dev->plan().report.host_rules, 0u);  // the rule is on a hardware literal
  std::vector<Diagnostic> errors;
  auto scenario = trafgen::parse_scenario(
      "start 2023-11-14T22:13:20Z\n"
      "host client 10.0.0.1\nhost server 10.0.0.2\n"
      "session 0 client:40000 -> server:80 tcp\n"
      "  > GET /a HTTP/1.1\\r\\nHost: x\\r\\nUser-Agent: SQLMap/1.0\\r\\n\n"
      "  > Accept: */*\\r\\n\\r\\n\n"
      "  < HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\n"
      "end\n"
      "session 1 client:40001 -> server:80 tcp\n"
      "  > GET /b HTTP/1.1\\r\\nUser-Agent: sql\n"
      "  > map/1.0\\r\\n\\r\\n\n"
      "  < HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\n"
      "end\n"
      "session 2 client:40002 -> server:80 tcp repeat 20 every 1\n"
      "  > GET /c HTTP/1.1\\r\\nUser-Agent: curl/8.0\\r\\n\\r\\n\n"
      "  < HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\n"
      "end\n",
      "http.scenario", errors);
  ASSERT_TRUE(scenario);
  std::vector<Packet> packets = trafgen::generate_packets(*scenario);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "http");
  expect_agreement(t, *pair.dev);
  // Both scanner requests alert, on the software engine as on the card's engine.
  std::vector<Verdict> got;
  size_t alerts = 0;
  auto check = make_pair(files, {});
  std::string error;
  ASSERT_TRUE(check.dev->process(packets, got, error)) << error;
  for (const Verdict& v : got) alerts += v.alerts.size();
  EXPECT_EQ(alerts, 2u);
  // The clean sessions' frames are decided on the card.
  const DeviceEngineStats& st = check.dev->stats();
  EXPECT_LT(st.punted, st.packets / 4);
  fs::remove_all(dir);
}

// Rules that need an HTTP flow (alert http, HTTP buffers) and have no literal on the card are
// handed over only for flows that may carry HTTP (hw/flow_table.sv): frames of other TCP
// flows, on the same port too, stay on the card. The device must never be sure of a flow the
// host parses HTTP on (DeviceEngine::disagreements), even when the request begins in a
// segment of two bytes.
TEST(DeviceEngineDifferential, RulesThatNeedHttpAreHandedOverOnlyOnHttpFlows) {
  fs::path dir = fs::temp_directory_path() / ("picket-httpflow-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "uri.rules") << "alert http any any -> any any (msg:\"admin\"; http.uri; content:\"/admin\"; sid:70;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "uri.rules").string()};
  auto scenario = [](const std::string& sessions) {
    std::vector<Diagnostic> errors;
    auto s = trafgen::parse_scenario("start 2023-11-14T22:13:20Z\nhost client 10.0.0.1\nhost server 10.0.0.2\n" + sessions,
                                     "http.scenario", errors);
    EXPECT_TRUE(s);
    return s ? trafgen::generate_packets(*s) : std::vector<Packet>{};
  };
  // Not HTTP: a mail dialogue on 25, binary data and a two-word line on 80.
  std::vector<Packet> other = scenario(
      "session 0 client:40000 -> server:25 tcp\n"
      "  < 220 mail ready\\r\\n\n  > EHLO client\\r\\n\n  < 250 ok\\r\\n\n"
      "end\n"
      "session 1 client:40001 -> server:80 tcp\n"
      "  > \\x16\\x03\\x01\\x00\\x05hello\n  < \\x16\\x03\\x03\\x00\\x02ok\n"
      "end\n"
      "session 2 client:40002 -> server:80 tcp\n"
      "  > USER anonymous\\r\\n\n  < 331 password\\r\\n\n"
      "end\n");
  // HTTP: a request whole, and one whose first segment is two bytes.
  std::vector<Packet> http = scenario(
      "session 3 client:40003 -> server:80 tcp\n"
      "  > GET /admin/x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n\n  < HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\n"
      "end\n"
      "session 4 client:40004 -> server:8080 tcp\n"
      "  > GE\n  > T /admin/y HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n\n  < HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\n"
      "end\n");
  ASSERT_FALSE(other.empty());
  ASSERT_FALSE(http.empty());

  auto quiet = make_pair(files, {});
  ASSERT_TRUE(quiet.dev);
  EXPECT_EQ(quiet.dev->plan().report.host_rules, 1u);  // the normalized URI is the host's
  Tally t;
  run_both(*quiet.sw, *quiet.dev, other, t, "other");
  expect_agreement(t, *quiet.dev);
  EXPECT_EQ(quiet.dev->stats().punted, 0u) << "a flow that carries no HTTP needs no HTTP rule";
  EXPECT_EQ(quiet.dev->stats().no_http, other.size());

  auto busy = make_pair(files, {});
  ASSERT_TRUE(busy.dev);
  Tally u;
  run_both(*busy.sw, *busy.dev, http, u, "http");
  expect_agreement(u, *busy.dev);
  EXPECT_GT(busy.dev->stats().punted_host_http, 0u);
  std::vector<Verdict> got;
  auto check = make_pair(files, {});
  std::string error;
  ASSERT_TRUE(check.dev->process(http, got, error)) << error;
  size_t alerts = 0;
  for (const Verdict& v : got) alerts += v.alerts.size();
  EXPECT_EQ(alerts, 2u);

  // The request's first segment out of order, one reaching into the stream from before its
  // start (the host trims it), and a flow picked up mid-stream: the card marks each before the
  // host parses its request.
  const std::string request = "GET /admin/z HTTP/1.1\r\nHost: a\r\n\r\n";
  TcpConversation late("10.0.0.1", 41000, "10.0.0.2", 80), early("10.0.0.1", 41001, "10.0.0.2", 80);
  std::vector<std::vector<uint8_t>> frames = late.handshake();
  frames.push_back(late.from_client_at(10, request.substr(10)));
  frames.push_back(late.from_client_at(0, request.substr(0, 10)));
  for (auto& f : early.handshake()) frames.push_back(f);
  frames.push_back(early.from_client_at(static_cast<uint32_t>(-3), "\x01\x02\x03" + request));
  TcpConversation picked("10.0.0.1", 41002, "10.0.0.2", 80);
  frames.push_back(picked.from_client(request));
  EngineConfig midstream;
  midstream.flows.midstream = true;
  auto edges = make_pair(files, midstream);
  ASSERT_TRUE(edges.dev);
  Tally v;
  run_both(*edges.sw, *edges.dev, packets_of(frames), v, "edges");
  expect_agreement(v, *edges.dev);
  auto count = make_pair(files, midstream);
  ASSERT_TRUE(count.dev->process(packets_of(frames), got, error)) << error;
  alerts = 0;
  for (const Verdict& w : got) alerts += w.alerts.size();
  EXPECT_EQ(alerts, 3u);
  fs::remove_all(dir);
}

// Short contents at fixed places near the payload's start (TFTP's opcodes, a header of two
// bytes) are anchored literals on the card: frames without them there stay on the card, those
// with them go to the host, which finds the rule. Nothing the host matches is forwarded alone.
TEST(DeviceEngineDifferential, AnchoredShortContentsHandOverOnlyTheFramesThatCarryThem) {
  fs::path dir = fs::temp_directory_path() / ("picket-anchored-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "short.rules")
      << "alert udp any any -> any 69 (msg:\"tftp read\"; content:\"|00 01|\"; depth:2; sid:80;)\n"
         "alert udp any any -> any 4660:4799 (msg:\"kad\"; content:\"|e3 96|\"; depth:2; sid:81;)\n"
         "alert tcp any any -> any 3389 (msg:\"rdp\"; content:\"|03|\"; depth:1; content:\"|d0|\"; offset:5; depth:1; sid:82;)\n"
         "alert udp any any -> any 161 (msg:\"snmp\"; content:\"pu\"; nocase; offset:5; depth:15; sid:83;)\n"
         "alert udp any [1024:3388,3390:65535] -> any 5000 (msg:\"two ranges\"; content:\"|e3 98|\"; depth:2; sid:84;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "short.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  EXPECT_EQ(pair.dev->plan().report.anchored_rules, 5u);  // the ports of sid 84 as one range that holds them
  EXPECT_EQ(pair.dev->plan().report.host_rules, 0u);
  auto udp = [](uint16_t dport, std::string_view payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, dport).payload(payload).build();
  };
  const std::string read_request("\x00\x01" "boot.img\x00octet\x00", 17);
  const std::vector<Frame> frames = {
      {udp(69, read_request), true},
      {udp(69, std::string("\x00\x03\x00\x01data", 8)), false},  // DATA block 1: |00 01| not at 0
      {udp(70, read_request), false},                                // another port
      {udp(4662, std::string("\xe3\x96kad", 5)), true},
      {udp(4662, std::string("x\xe3\x96", 3)), false},
      {PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40001, 3389, tcp_flag::kAck | tcp_flag::kPsh, 7)
           .payload(std::string("\x03\x00\x00\x13\x0e\xd0", 6)).build(), true},
      {PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40001, 3389, tcp_flag::kAck | tcp_flag::kPsh, 13)
           .payload(std::string("\x02\x00\x00\x13\x0e\xd0", 6)).build(), false},  // no |03| at 0
      {udp(161, std::string("\x30\x26\x02\x01\x01\x04\x06PUblic", 13)), true},  // "PU" at 7: in [5, 18]
      {udp(161, std::string(30, 'x') + "pu"), false},                                // past the window
      {udp(5000, std::string("\xe3\x98\x01", 3)), true},
      {udp(5000, std::string("\xe3\x99\x01", 3)), false},
  };
  std::vector<Packet> packets = packets_of(frames);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "anchored");
  expect_agreement(t, *pair.dev);
  size_t want_alerts = 0;
  for (const Frame& f : frames) want_alerts += f.alert;
  EXPECT_EQ(pair.dev->stats().punted, want_alerts);  // exactly the frames that carry one
  EXPECT_EQ(pair.dev->stats().punted_anchored, want_alerts);
  expect_alerts(files, packets, frames);
  fs::remove_all(dir);
}

// Contents of 2 or 3 bytes anywhere (a DNS zone transfer's |00 00 FC|, FTP's CWD, SNMP's %s)
// are short literals on the card, compared at every byte position, across beats too: frames
// without them stay on the card, those with them go to the host. A run of one byte value
// stays host-only (it is in nearly every frame).
TEST(DeviceEngineDifferential, ShortContentsAnywhereHandOverOnlyTheFramesThatCarryThem) {
  fs::path dir = fs::temp_directory_path() / ("picket-short-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "short.rules")
      << "alert udp any any -> any 53 (msg:\"zone transfer\"; content:\"|00 00 FC|\"; offset:14; sid:90;)\n"
         "alert tcp any any -> any 21 (msg:\"cwd root\"; content:\"CWD\"; nocase; content:\"|3a 5c|\"; distance:1; sid:91;)\n"
         "alert udp any any -> any 7000 (msg:\"zeros\"; content:\"|00 00 00|\"; sid:92;)\n"
         "alert udp any any -> any 162 (msg:\"format\"; content:\"%s\"; sid:93;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "short.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  EXPECT_EQ(pair.dev->plan().report.short_rules, 3u);
  EXPECT_EQ(pair.dev->plan().report.host_rules, 1u);  // sid 92
  auto udp = [](uint16_t dport, std::string_view payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, dport).payload(payload).build();
  };
  auto ftp = [](uint32_t seq, std::string_view payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.3").tcp(40001, 21, tcp_flag::kAck | tcp_flag::kPsh, seq)
        .payload(payload).build();
  };
  const std::string header("\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  const std::string name("\x07" "example" "\x03" "com" "\x00", 13);
  // Ethernet, IPv4 and UDP take 42 bytes: payload byte 21 is the frame's byte 63, the last of
  // its first beat.
  const std::string across = std::string(21, 'a') + std::string("\x00\x00\xfc", 3) + "zz";
  const std::vector<Frame> frames = {
      {udp(53, header + name + std::string("\x00\xfc\x00\x01", 4)), true},  // AXFR
      {udp(53, header + name + std::string("\x00\x01\x00\x01", 4)), false},  // A
      {udp(53, across), true},
      {udp(54, across), false},  // another port
      {ftp(7, "cwd C:\\windows\r\n"), true},
      {ftp(26, "LIST\r\n"), false},
      {udp(162, "x%sy"), true},
      {udp(162, "x%y s"), false},
      {udp(7000, "abc"), false},  // on the host-only rule's port: handed over whatever it carries
  };
  std::vector<Packet> packets = packets_of(frames);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "short");
  expect_agreement(t, *pair.dev);
  size_t want_alerts = 0;
  for (const Frame& f : frames) want_alerts += f.alert;
  EXPECT_EQ(pair.dev->stats().punted, want_alerts + 1);
  EXPECT_EQ(pair.dev->stats().punted_short, want_alerts);
  EXPECT_EQ(pair.dev->stats().punted_host_rules, 1u);
  expect_alerts(files, packets, frames);
  fs::remove_all(dir);
}

// A 1-byte content (a finger query's `@`) is a short literal too: it counts only where it is in
// the payload, so a frame whose headers hold that byte (a TTL of 64 is `@`) stays on the card.
// A 4-byte content whose slot in the literal tables another literal took is one as well,
// found across a beat boundary. A fragment, which has no ports, matches no entry that names
// them.
TEST(DeviceEngineDifferential, OneAndFourByteShortLiteralsCountOnlyInThePayload) {
  // A lowercase 4-letter word in the same LITERAL_4 slot as "quit" (the tables key them folded,
  // in order: "quit" is placed first, as the other sorts after it).
  auto folded = [](std::string_view w) {  // the table's key: byte k at bits 8k
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v |= uint32_t{static_cast<uint8_t>(w[k])} << (8 * k);
    return v;
  };
  const uint32_t want = hw::literal_4_hash(folded("quit"));
  std::string rival;
  for (uint32_t n = 0; rival.empty() && n < 26u * 26 * 26 * 26; ++n) {
    std::string w = {static_cast<char>('r' + n % 9), static_cast<char>('a' + n / 9 % 26),
                     static_cast<char>('a' + n / 234 % 26), static_cast<char>('a' + n / 6084 % 26)};
    if (hw::literal_4_hash(folded(w)) == want) rival = w;
  }
  ASSERT_FALSE(rival.empty());
  fs::path dir = fs::temp_directory_path() / ("picket-short14-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "short.rules")
      << "alert tcp any any -> any 79 (msg:\"finger redirection\"; content:\"@\"; sid:94;)\n"
         "alert tcp any any -> any 21 (msg:\"quit\"; content:\"quit\"; sid:96;)\n"
         "alert tcp any any -> any 21 (msg:\"rival\"; content:\"" << rival << "\"; sid:97;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "short.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  EXPECT_EQ(pair.dev->plan().report.hardware_rules, 1u);  // sid 96
  EXPECT_EQ(pair.dev->plan().report.short_rules, 2u);     // sid 94, and sid 97 for want of a slot
  EXPECT_EQ(pair.dev->plan().report.host_rules, 0u);
  auto tcp = [](uint16_t dport, uint32_t seq, std::string_view payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.4").tcp(40002, dport, tcp_flag::kAck | tcp_flag::kPsh, seq)
        .payload(payload).build();
  };
  // Ethernet, IPv4 and TCP take 54 bytes.
  const std::vector<Frame> frames = {
      {tcp(79, 7, "root@example.org\r\n"), true},
      {tcp(79, 30, "root\r\n"), false},  // its TTL byte is '@'
      {tcp(21, 9, std::string(7, 'x') + rival + "\r\n"), true},  // the rival at frame bytes 61..64: 3 in the first beat, 1 in the second
      {tcp(21, 30, "NOOP\r\n"), false},
      // A later fragment of a segment to port 79: no ports, so no rule on port 79 for the host.
      {PacketBuilder().ipv4("10.0.0.1", "10.0.0.4").ipv4_fragment(64, false, 9).tcp(40002, 79, tcp_flag::kAck)
           .payload("x@y").build(), false},
  };
  std::vector<Packet> packets = packets_of(frames);
  ASSERT_NE(std::find(packets[1].bytes.begin(), packets[1].bytes.begin() + 54, uint8_t{'@'}),
            packets[1].bytes.begin() + 54);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "short14");
  expect_agreement(t, *pair.dev);
  EXPECT_EQ(pair.dev->stats().punted, 2u);
  EXPECT_EQ(pair.dev->stats().punted_short, 2u);
  expect_alerts(files, packets, frames);
  fs::remove_all(dir);
}

// A run of zeros from the TCP header into the payload is reported where it begins, in the
// headers: the hit must count all the same (the descriptor's run bit). And a literal with no
// final rule, listed once a frame past the longest headers only, is not hidden by its hits in
// the IPv6 addresses.
TEST(DeviceEngineDifferential, ALiteralInTheHeadersAndThePayloadIsFoundInThePayload) {
  fs::path dir = fs::temp_directory_path() / ("picket-once-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "zeros.rules")
      << "alert tcp any any -> any any (msg:\"zeros\"; content:\"|00 00 00 00 00 00 00 00|\"; content:\"zz\"; sid:95;)\n";
  EngineFiles files;
  files.rule_files = {(dir / "zeros.rules").string()};
  auto pair = make_pair(files, {});
  ASSERT_TRUE(pair.dev);
  ASSERT_EQ(pair.dev->plan().report.hardware_rules, 1u);
  auto tcp6 = [](uint32_t seq, std::string_view payload) {
    return PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(40000, 5000, tcp_flag::kAck | tcp_flag::kPsh, seq)
        .payload(payload).build();
  };
  const std::vector<Frame> frames = {
      {tcp6(7, std::string(8, '\0') + "zz"), true},
      {tcp6(17, std::string(8, '\x01') + "zz"), false},
  };
  std::vector<Packet> packets = packets_of(frames);
  Tally t;
  run_both(*pair.sw, *pair.dev, packets, t, "once");
  expect_agreement(t, *pair.dev);
  EXPECT_EQ(pair.dev->stats().punted_candidates, 2u);  // the addresses' zeros are a run hit in both
  expect_alerts(files, packets, frames);
  fs::remove_all(dir);
}

// Control changes reach the device: each generation the controller publishes comes with its
// table image, which the device worker loads into the idle bank. The device and the software
// engine, both taking the same generations up, agree packet by packet after every change.
TEST(DeviceGenerations, BindingsRulesAndPolicyChangesReachTheDeviceTables) {
  constexpr int64_t kT0 = 1'700'000'000'000'000'000;
  Sources sources;
  sources.files = {{SourceFile::Kind::kRules, "first.rules",
                    "drop udp any any -> any any (msg:\"evil\"; content:\"evil\"; sid:7;)\n"},
                   {SourceFile::Kind::kIdentities, "t.identities", "spiffe://t/api 10.0.0.2\n"},
                   {SourceFile::Kind::kPolicy, "t.policy", "allow spiffe://t/web -> spiffe://t/api udp/80\n"}};
  EngineConfig config;
  BuildOptions options;
  options.device = true;
  Build build = build_generation(sources, config, options);
  ASSERT_TRUE(build.generation);
  std::shared_ptr<const Generation> first = build.generation;
  std::string why;
  auto dev = DeviceEngine::create(std::make_unique<SimDevice>(), std::make_unique<SoftwareEngine>(config, first), why);
  ASSERT_TRUE(dev) << why;
  SoftwareEngine sw(config, first);
  Controller controller(rules::Variables::defaults(), false, config, first);
  ASSERT_TRUE(controller.device_tables());

  uint64_t index = 0;
  auto frames = [&](std::initializer_list<const char*> payloads) {
    std::vector<Packet> out;
    for (const char* payload : payloads) {
      Packet p;
      p.bytes = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, 80).payload(payload).build();
      p.wire_length = static_cast<uint32_t>(p.bytes.size());
      p.index = ++index;
      p.timestamp_ns = kT0 + static_cast<int64_t>(index) * 1'000'000;
      out.push_back(std::move(p));
    }
    return out;
  };
  // Judges on both; returns the device's verdicts, checked to be the software engine's.
  auto judge = [&](const std::vector<Packet>& packets, const char* where) {
    std::vector<Verdict> got;
    EXPECT_TRUE(dev->process(packets, got, why)) << why;
    for (size_t i = 0; i < got.size(); ++i) {
      Verdict want;
      sw.process(packets[i], want);
      EXPECT_EQ(differences(want, got[i]), "") << where << ", packet " << packets[i].index;
    }
    return got;
  };
  auto take_up = [&] {
    auto next = controller.current();
    ASSERT_TRUE(next->device);
    sw.adopt(next);
    ASSERT_TRUE(dev->adopt(next, why)) << why;
  };
  const uint32_t loads = dev->device().generation();

  std::vector<Verdict> v = judge(frames({"hello"}), "before");
  EXPECT_TRUE(v[0].drop);  // the client is unknown: no statement allows it
  EXPECT_EQ(v[0].reason, DropReason::kPolicy);

  ASSERT_TRUE(controller.upsert({{"spiffe://t/web", "10.0.0.1", 0}}, kT0).ok);
  take_up();
  v = judge(frames({"hello", "evil"}), "after the upsert");
  EXPECT_FALSE(v[0].drop);
  EXPECT_EQ(sw.identities().registry().name(v[0].src_id), "spiffe://t/web");  // tagged by the device's table
  EXPECT_EQ(v[1].reason, DropReason::kSignature);

  ChangeResult swapped = controller.load_rules(
      {{"second.rules", "drop udp any any -> any any (msg:\"worse\"; content:\"worse\"; sid:40;)\n"}}, kT0);
  ASSERT_TRUE(swapped.ok) << swapped.message;
  take_up();
  v = judge(frames({"evil", "worse"}), "after the rule swap");
  EXPECT_FALSE(v[0].drop);
  EXPECT_EQ(v[1].reason, DropReason::kSignature);

  ASSERT_TRUE(controller.replace_policy({"narrower.policy", "allow spiffe://t/web -> spiffe://t/api udp/81\n"}, kT0).ok);
  take_up();
  v = judge(frames({"hello"}), "after the policy change");
  EXPECT_EQ(v[0].reason, DropReason::kPolicy);
  EXPECT_EQ(dev->device().generation(), loads + 3);  // one image loaded per generation taken up
  EXPECT_EQ(dev->stats().disagreements, 0u);
  for (const std::string& n : dev->disagreements()) ADD_FAILURE() << n;

  // More prefixes than the device's prefix table holds: refused, and nothing changes.
  std::vector<BindingChange> many;
  for (int i = 0; i < 40; ++i) many.push_back({"spiffe://t/web", "10.9." + std::to_string(i) + ".0/24", 0});
  const auto before = controller.current();
  ChangeResult refused = controller.upsert(many, kT0);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.message.find("do not fit the device"), std::string::npos) << refused.message;
  EXPECT_EQ(controller.current(), before);
}

}  // namespace
}  // namespace picket
