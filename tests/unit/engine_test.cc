#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "testing/packet_builder.h"
#include "testing/tcp_conversation.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using Sids = std::vector<uint32_t>;

std::vector<uint8_t> udp(std::string_view payload, uint16_t dport = 9999, const char* src = "10.0.0.1",
                         const char* dst = "10.0.0.2") {
  return PacketBuilder().ipv4(src, dst).udp(5555, dport).payload(payload).build();
}

// One rule against one UDP payload: does it alert?
bool fires(std::string_view options, std::string_view payload) {
  EngineUnderTest e(std::string("alert udp any any -> any any (") + std::string(options) + " sid:1;)");
  return !e.run(udp(payload)).alerts.empty();
}

TEST(EngineContent, NocaseOffsetDepth) {
  EXPECT_TRUE(fires("content:\"EVIL\"; nocase;", "an evil thing"));
  EXPECT_FALSE(fires("content:\"EVIL\";", "an evil thing"));
  EXPECT_TRUE(fires("content:\"evil\"; offset:3; depth:4;", "an evil thing"));
  EXPECT_FALSE(fires("content:\"evil\"; offset:4;", "an evil thing"));
  EXPECT_FALSE(fires("content:\"evil\"; depth:6;", "an evil thing"));
  EXPECT_TRUE(fires("content:\"|00 01|\";", std::string("a\x00\x01", 3)));
}

TEST(EngineContent, DistanceWithinAndBacktracking) {
  EXPECT_TRUE(fires("content:\"GET\"; content:\"/admin\"; distance:1; within:6;", "GET /admin"));
  EXPECT_FALSE(fires("content:\"GET\"; content:\"/admin\"; distance:2;", "GET /admin"));
  EXPECT_FALSE(fires("content:\"GET\"; content:\"/admin\"; within:6;", "GET /admin"));
  // The first "a" is followed by "x"; the second by "b": Suricata retries the first content.
  EXPECT_TRUE(fires("content:\"a\"; content:\"b\"; distance:0; within:1;", "xaxab"));
  EXPECT_FALSE(fires("content:\"a\"; content:\"b\"; distance:0; within:1;", "xaxax b"));
  EXPECT_TRUE(fires("content:\"bc\"; content:\"a\"; distance:-3; within:1;", "abc"));
}

TEST(EngineContent, NegationStartsWithEndsWith) {
  EXPECT_TRUE(fires("content:\"login\"; content:!\"admin\";", "login user"));
  EXPECT_FALSE(fires("content:\"login\"; content:!\"admin\";", "login admin"));
  EXPECT_TRUE(fires("content:\"login\"; content:!\"admin\"; distance:0; within:8;", "login xx admin"));
  EXPECT_FALSE(fires("content:\"login\"; content:!\"admin\"; distance:0; within:9;", "login xx admin"));
  EXPECT_TRUE(fires("content:\"SSH-\"; startswith;", "SSH-2.0"));
  EXPECT_FALSE(fires("content:\"SSH-\"; startswith;", " SSH-2.0"));
  EXPECT_TRUE(fires("content:\".exe\"; endswith;", "setup.exe"));
  EXPECT_FALSE(fires("content:\".exe\"; endswith;", "setup.exe "));
}

TEST(EnginePcre, FlagsRelativeNegated) {
  EXPECT_TRUE(fires("pcre:\"/user=[a-z]+/i\";", "USER=root"));
  EXPECT_FALSE(fires("pcre:\"/user=[a-z]+/\";", "USER=root"));
  EXPECT_TRUE(fires("content:\"id=\"; pcre:\"/^\\d+/R\";", "x id=42"));
  EXPECT_FALSE(fires("content:\"id=\"; pcre:\"/^\\d+/R\";", "x id=a42"));
  EXPECT_TRUE(fires("content:\"GET\"; pcre:!\"/passwd/\";", "GET /index"));
  EXPECT_FALSE(fires("content:\"GET\"; pcre:!\"/passwd/\";", "GET /etc/passwd"));
}

TEST(EngineHeader, DsizePortsAddressesDirection) {
  EXPECT_TRUE(fires("dsize:>3;", "abcd"));
  EXPECT_FALSE(fires("dsize:>3;", "abc"));
  EngineUnderTest e("alert udp 10.0.0.0/24 any -> any 53 (sid:1;)\n"
                    "alert udp any any <> 10.0.0.1 any (content:\"x\"; sid:2;)\n");
  EXPECT_EQ(e.sids(e.run(udp("q", 53))), Sids({1}));
  EXPECT_EQ(e.sids(e.run(udp("q", 54))), Sids{});
  EXPECT_EQ(e.sids(e.run(udp("q", 53, "10.1.0.1"))), Sids{});
  EXPECT_EQ(e.sids(e.run(udp("x", 9, "10.0.0.2", "10.0.0.1"))), Sids({2}));  // <> matches the reverse way
}

TEST(EngineHeader, TcpFlagsMssAndIcmpTypeAndCode) {
  EngineUnderTest e("alert tcp any any -> any any (flags:S; sid:1;)\n"
                    "alert tcp any any -> any any (flags:+A; sid:2;)\n"
                    "alert tcp any any -> any any (flags:*FR; sid:3;)\n"
                    "alert tcp any any -> any any (flags:!A,12; sid:4;)\n"
                    "alert tcp any any -> any any (tcp.mss:<536; sid:5;)\n"
                    "alert icmp any any -> any any (itype:8; icode:0; sid:6;)\n"
                    "alert icmp any any -> any any (itype:>30; sid:7;)\n");
  auto tcp = [](uint8_t flags, uint16_t mss = 0) {
    PacketBuilder b;
    b.ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, flags);
    if (mss) b.tcp_options({2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)});
    return b.build();
  };
  EXPECT_EQ(e.sids(e.run(tcp(tcp_flag::kSyn, 1460))), Sids({1, 4}));
  EXPECT_EQ(e.sids(e.run(tcp(tcp_flag::kSyn | tcp_flag::kEce | tcp_flag::kCwr, 500))), Sids({4, 5}));  // not exactly S
  EXPECT_EQ(e.sids(e.run(tcp(tcp_flag::kSyn | tcp_flag::kAck))), Sids({2}));
  EXPECT_EQ(e.sids(e.run(tcp(tcp_flag::kRst | tcp_flag::kAck))), Sids({2, 3}));
  EXPECT_EQ(e.sids(e.run(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp_echo(true, 1, 1).build())), Sids({6}));
  EXPECT_EQ(e.sids(e.run(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp(40, 1).build())), Sids({7}));
  EXPECT_EQ(e.sids(e.run(udp("x"))), Sids{});  // neither TCP nor ICMP
}

TEST(EngineHeader, PortGroupedRulesMatchOnTheirPortsEitherWay) {
  // No usable fast pattern ("|00|" is weak): these rules are tried by their ports.
  EngineUnderTest e("alert udp any any <> any 53 (content:\"|00|\"; sid:1;)\n"
                    "alert udp any 5353 -> any any (sid:2;)\n");
  auto dgram = [](uint16_t sport, uint16_t dport) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(sport, dport).payload(std::string("q\0", 2)).build();
  };
  EXPECT_EQ(e.sids(e.run(dgram(40000, 53))), Sids({1}));
  EXPECT_EQ(e.sids(e.run(dgram(53, 40000))), Sids({1}));  // <>: the rule's port as the source
  EXPECT_EQ(e.sids(e.run(dgram(5353, 9))), Sids({2}));
  EXPECT_EQ(e.sids(e.run(dgram(9, 5353))), Sids{});
}

// Long repetitive patterns (a NOP sled, a run of 'A's or of zeros) are weak fast patterns,
// tried by port: each rule still matches wherever its pattern is, on the packet and on a
// stream that splits it, case-insensitively where the rule says so.
TEST(EnginePrefilter, LongRepetitivePatternsMatchInPacketsAndStreams) {
  EngineUnderTest e(
      "alert ip any any -> any any (content:\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"|90 90 90 90 90 90 90 90 90 90 90 90 90 90|\"; sid:2;)\n"
      "alert udp any any -> any 9 (content:\"|00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00|\"; sid:3;)\n"
      "alert udp any any -> any any (content:\"cccccccccccccccccccccccc\"; nocase; sid:4;)\n");
  auto udp = [](std::string payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, 9).payload(payload).build();
  };
  EXPECT_EQ(e.sids(e.run(udp("x" + std::string(31, 'A') + "y"))), Sids({1}));
  EXPECT_EQ(e.sids(e.run(udp(std::string(30, 'A')))), Sids{});
  EXPECT_EQ(e.sids(e.run(udp("z" + std::string(16, '\0')))), Sids({3}));
  EXPECT_EQ(e.sids(e.run(udp(std::string(24, 'C')))), Sids({4}));
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (auto& f : c.handshake()) e.run(f);
  EXPECT_EQ(e.sids(e.run(c.from_client("GET " + std::string(7, '\x90')))), Sids{});
  EXPECT_EQ(e.sids(e.run(c.from_client(std::string(7, '\x90') + " HTTP/1.0"))), Sids({2}));
}

// A long fast pattern still matches wherever a stream splits it (each segment's search
// reaches back as far as the longest literal), and only whole.
TEST(EnginePrefilter, ALongFastPatternMatchesWhereverAStreamSplitsIt) {
  const std::string pattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";  // 62 bytes
  for (size_t split = 1; split < pattern.size(); split += 7) {
    EngineUnderTest e("alert tcp any any -> any any (content:\"" + pattern + "\"; sid:1;)\n");
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    for (auto& f : c.handshake()) e.run(f);
    EXPECT_EQ(e.sids(e.run(c.from_client("x" + pattern.substr(0, split)))), Sids{}) << split;
    EXPECT_EQ(e.sids(e.run(c.from_client(pattern.substr(split) + "y"))), Sids({1})) << split;
  }
  EngineUnderTest e("alert udp any any -> any any (content:\"" + pattern + "\"; sid:1;)\n");
  auto udp = [](const std::string& payload) {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, 9).payload(payload).build();
  };
  EXPECT_EQ(e.sids(e.run(udp(pattern.substr(0, 40)))), Sids{});  // most of it is not enough
  EXPECT_EQ(e.sids(e.run(udp(pattern))), Sids({1}));
}

TEST(EngineFlow, EstablishedAndDirection) {
  EngineUnderTest e("alert tcp any any -> any any (flow:established,to_server; content:\"hi\"; sid:1;)\n"
                    "alert tcp any any -> any any (flow:to_client; content:\"hi\"; sid:2;)\n"
                    "alert tcp any any -> any any (flow:not_established; content:\"hi\"; sid:3;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  EXPECT_EQ(e.sids(e.run(c.from_client("hi"))), Sids({3}));  // no handshake seen: not established
  TcpConversation d("10.0.0.1", 40001, "10.0.0.2", 80);
  for (auto& f : d.handshake()) e.run(f);
  EXPECT_EQ(e.sids(e.run(d.from_client("hi"))), Sids({1}));
  EXPECT_EQ(e.sids(e.run(d.from_server("hi"))), Sids({2}));
}

TEST(EngineHttp, BuffersOnlyInHttpMessages) {
  EngineUnderTest e("alert http any any -> any any (http.uri; content:\"/admin\"; http.method; content:\"POST\"; sid:1;)\n"
                    "alert tcp any any -> any any (http.user_agent; content:\"sqlmap\"; nocase; sid:2;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (auto& f : c.handshake()) e.run(f);
  EXPECT_EQ(e.sids(e.run(c.from_client("POST /admin%2Fpanel HTTP/1.1\r\nUser-Agent: SQLMap/1.7\r\n\r\n"))), Sids({1, 2}));
  EXPECT_EQ(e.sids(e.run(c.from_client("GET /admin HTTP/1.1\r\n\r\n"))), Sids{});
  EXPECT_EQ(e.sids(e.run(c.from_client("POST /admin and sqlmap, but not HTTP"))), Sids{});
}

TEST(EngineActions, PassSuppressesThePacketOnly) {
  EngineUnderTest e("alert udp any any -> any any (content:\"hi\"; sid:1;)\n"
                    "pass udp any any -> any any (content:\"ok\"; sid:2;)\n");
  EXPECT_EQ(e.sids(e.run(udp("hi"))), Sids({1}));
  Verdict passed = e.run(udp("hi ok"));
  EXPECT_TRUE(passed.passed);
  EXPECT_EQ(e.sids(passed), Sids{});
  EXPECT_EQ(e.sids(e.run(udp("hi"))), Sids({1}));  // the next packet of the flow is inspected again
}

TEST(EngineActions, APassOnATcpStreamPassesTheRestOfTheFlow) {
  EngineUnderTest e("alert tcp any any -> any any (content:\"evil\"; sid:1;)\n"
                    "pass tcp any any -> any any (content:\"trusted\"; sid:2;)\n"
                    "pass tcp any any -> any any (flow:to_client; sid:3;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (auto& f : c.handshake()) e.run(f);
  EXPECT_EQ(e.sids(e.run(c.from_client("evil"))), Sids({1}));
  // A header-only pass (sid 3) passes its packet alone: the flow is still inspected.
  EXPECT_TRUE(e.run(c.from_server("hello")).passed);
  EXPECT_EQ(e.sids(e.run(c.from_client("evil"))), Sids({1}));
  Verdict pass = e.run(c.from_client("trusted"));
  EXPECT_TRUE(pass.passed);
  Verdict later = e.run(c.from_client("evil"));
  EXPECT_TRUE(later.flow_passed);
  EXPECT_EQ(e.sids(later), Sids{});
}

TEST(EngineActions, EveryMatchIsRecordedUpToPacketAlertMax) {
  EngineConfig config;
  config.packet_alert_max = 3;
  std::string rules = "drop udp any any -> any any (content:\"x\"; sid:100;)\n";
  for (int sid = 1; sid <= 5; ++sid) rules += "alert udp any any -> any any (content:\"x\"; sid:" + std::to_string(sid) + ";)\n";
  EngineUnderTest e(rules, "", "", config);
  Verdict v = e.run(udp("x"));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(e.sids(v), Sids({100, 1, 2}));  // the drop first (action order), then alerts up to 3
  EXPECT_EQ(e.engine->counters().alerts_discarded, 3u);
}

TEST(EngineActions, DropBlocksTheFlowBothWaysAndEveryMatchIsRecorded) {
  EngineUnderTest e("alert tcp any any -> any any (content:\"evil\"; sid:1;)\n"
                    "drop tcp any any -> any any (content:\"evil\"; sid:2;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (auto& f : c.handshake()) EXPECT_FALSE(e.run(f).drop);
  Verdict v = e.run(c.from_client("evil"));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kSignature);
  EXPECT_EQ(e.sids(v), Sids({2, 1}));  // pass, drop, reject, alert: the drop decides, the alert is recorded too
  Verdict reply = e.run(c.from_server("harmless"));
  EXPECT_TRUE(reply.drop);
  EXPECT_TRUE(reply.flow_was_blocked);
  EXPECT_EQ(e.sids(reply), Sids({2}));
  // Another flow is not blocked.
  TcpConversation other("10.0.0.1", 40001, "10.0.0.2", 80);
  EXPECT_FALSE(e.run(other.syn()).drop);
}

TEST(EngineActions, ActionOrderCanPutAlertFirst) {
  EngineConfig config;
  config.action_order = {rules::Action::kAlert, rules::Action::kPass, rules::Action::kDrop, rules::Action::kReject};
  EngineUnderTest e("drop udp any any -> any any (content:\"x\"; sid:1;)\n"
                    "alert udp any any -> any any (content:\"x\"; sid:2;)\n",
                    "", "", config);
  Verdict v = e.run(udp("x"));
  EXPECT_EQ(e.sids(v), Sids({2, 1}));
  EXPECT_TRUE(v.drop);
}

TEST(EngineActions, RejectDropsAndAsksForAnAnswer) {
  EngineUnderTest e("reject tcp any any -> any 80 (content:\"evil\"; sid:1;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (auto& f : c.handshake()) e.run(f);
  Verdict v = e.run(c.from_client("evil"));
  EXPECT_TRUE(v.drop);
  EXPECT_TRUE(v.reject);
  EXPECT_FALSE(e.run(c.from_client("fine")).reject) << "the rest of the flow is dropped without answers";

  EngineUnderTest u("reject udp any any -> any any (content:\"q\"; sid:1;)\n");
  Verdict uv = u.run(udp("q"));
  EXPECT_TRUE(uv.drop);
  EXPECT_TRUE(uv.reject);
}

constexpr const char* kIdentities =
    "spiffe://d/frontend   10.0.1.10\n"
    "spiffe://d/payments/api 10.0.2.0/24\n"
    "spiffe://d/batch      10.0.3.5     until 2023-11-14T22:14:20Z\n"
    "world                 0.0.0.0/0\n";

TEST(EngineIdentity, ExactPrefixLapsedAndRuleScope) {
  EngineUnderTest e("alert udp any any -> any any (content:\"x\"; src_identity:\"spiffe://d/frontend\"; "
                    "dst_identity:\"spiffe://d/payments/*\"; sid:1;)\n",
                    kIdentities);
  Verdict v = e.run(udp("x", 9, "10.0.1.10", "10.0.2.7"));
  EXPECT_EQ(e.identity(v.src_id), "spiffe://d/frontend");
  EXPECT_EQ(e.identity(v.dst_id), "spiffe://d/payments/api");
  EXPECT_EQ(e.sids(v), Sids({1}));
  EXPECT_EQ(e.sids(e.run(udp("x", 9, "10.0.1.11", "10.0.2.7"))), Sids{});  // world, not frontend
  EXPECT_EQ(e.identity(e.run(udp("x", 9, "10.0.3.5", "10.0.2.7"), 59).src_id), "spiffe://d/batch");
  EXPECT_EQ(e.identity(e.run(udp("x", 9, "10.0.3.5", "10.0.2.7"), 61).src_id), "world");  // lapsed
  EXPECT_EQ(e.identity(e.run(PacketBuilder().ipv6("::1", "::2").udp(1, 2).build()).src_id), "unknown");
}

constexpr const char* kPolicy =
    "allow spiffe://d/frontend -> spiffe://d/payments/* tcp/8443\n"
    "allow spiffe://d/batch -> spiffe://d/payments/* tcp/5432\n"
    "allow any -> world udp/53\n"
    "deny spiffe://d/frontend -> spiffe://d/payments/api tcp/8443 until 2023-11-14T22:13:10Z\n";

TEST(EnginePolicy, DenyBeatsAllowDefaultDenyAndRepliesPass) {
  EngineUnderTest e("", kIdentities, std::string(kPolicy) + "deny spiffe://d/frontend -> world udp/53\n");
  TcpConversation c("10.0.1.10", 40000, "10.0.2.7", 8443);
  for (auto& f : c.handshake()) EXPECT_FALSE(e.run(f).drop);
  Verdict reply = e.run(c.from_server("ok"));
  EXPECT_FALSE(reply.drop);  // client -> server on the server's port, both ways
  EXPECT_EQ(reply.policy.statement, 1u);
  TcpConversation wrong_port("10.0.1.10", 40001, "10.0.2.7", 22);
  Verdict d = e.run(wrong_port.syn());
  EXPECT_TRUE(d.drop);
  EXPECT_EQ(d.reason, DropReason::kPolicy);
  EXPECT_EQ(d.policy.statement, 0u);  // default deny
  Verdict dns = e.run(udp("q", 53, "10.0.1.10", "8.8.8.8"));
  EXPECT_TRUE(dns.drop);
  EXPECT_EQ(dns.policy.statement, 5u);  // the deny at the end beats the allow before it
  EXPECT_FALSE(e.run(udp("q", 53, "10.0.2.9", "8.8.8.8")).drop);
}

TEST(EnginePolicy, AuditForwardsAndRecordsWouldBeDrops) {
  EngineUnderTest e("alert tcp any any -> any any (content:\"evil\"; sid:1;)\n", kIdentities,
                    std::string("mode audit\n") + kPolicy);
  TcpConversation c("10.0.1.10", 40000, "10.0.2.7", 22);
  Verdict v = e.run(c.syn());
  EXPECT_FALSE(v.drop);
  EXPECT_TRUE(v.audit_would_drop);
  for (auto& f : {c.syn_ack(), c.ack_from_client()}) e.run(f);
  Verdict sig = e.run(c.from_client("evil"));
  EXPECT_EQ(e.sids(sig), Sids({1}));  // signatures still inspect in audit mode
}

TEST(EnginePolicy, ContinuousVerificationMidFlow) {
  EngineUnderTest e("", kIdentities, kPolicy);
  TcpConversation c("10.0.3.5", 40000, "10.0.2.7", 5432);
  for (auto& f : c.handshake()) EXPECT_FALSE(e.run(f, 10).drop);
  EXPECT_FALSE(e.run(c.from_client("SELECT 1"), 59).drop);
  EXPECT_FALSE(e.run(c.from_server("1"), 60).drop);
  // The batch job's binding lapses at +60 s: its flow's next packets are denied, both ways.
  Verdict after = e.run(c.from_client("SELECT 2"), 61);
  EXPECT_TRUE(after.drop);
  EXPECT_EQ(after.reason, DropReason::kPolicy);
  EXPECT_EQ(e.identity(after.src_id), "world");
  EXPECT_TRUE(e.run(c.from_server("2"), 62).drop);
}

TEST(EnginePolicy, GrantUntilEndsMidFlow) {
  EngineUnderTest e("", kIdentities,
                    "allow spiffe://d/frontend -> spiffe://d/payments/* tcp/9000 until 2023-11-14T22:13:50Z\n");
  TcpConversation c("10.0.1.10", 40000, "10.0.2.7", 9000);
  for (auto& f : c.handshake()) EXPECT_FALSE(e.run(f, 1).drop);
  EXPECT_FALSE(e.run(c.from_client("a"), 30).drop);
  EXPECT_TRUE(e.run(c.from_client("b"), 31).drop);
}

TEST(EngineMalformed, DroppedByDefaultForwardedWhenAsked) {
  auto bad = udp("x");
  bad[14] = 0x44;  // IHL 4
  EngineUnderTest drop("");
  Verdict v = drop.run(bad);
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kMalformed);
  EXPECT_EQ(v.malformed, Malformed::kIpv4BadIhl);
  EXPECT_FALSE(v.ip);
  EngineConfig config;
  config.drop_malformed = false;
  EngineUnderTest forward("", "", "", config);
  EXPECT_FALSE(forward.run(bad).drop);
  EXPECT_EQ(forward.engine->counters().malformed[static_cast<size_t>(Malformed::kIpv4BadIhl)], 1u);
}

}  // namespace
}  // namespace picket
