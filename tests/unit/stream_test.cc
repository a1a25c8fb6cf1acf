// TCP streams, tried as an attacker splits an attack: each case sends the same request as
// segments in some order and checks what the server could read from the segments Picket
// forwarded, as a receiver would reassemble them (stream_session.h).
#include <gtest/gtest.h>


#include "packet/decoder.h"
#include "stream_session.h"
#include "testing/packet_builder.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using testing_support::Frame;
using testing_support::kClientFirstSeq;
using testing_support::kDropPasswd;
using testing_support::Session;

TEST(StreamEvasion, OneSegmentIsDropped) {
  Session s;
  EXPECT_TRUE(s.send(s.c.from_client("GET /etc/passwd HTTP/1.0\r\n\r\n")).drop);
  EXPECT_EQ(s.server.stream(), "");
}

TEST(StreamEvasion, TwoSegmentsTheSecondIsDropped) {
  Session s;
  EXPECT_FALSE(s.send(s.c.from_client("GET /etc/pa")).drop);
  Verdict second = s.send(s.c.from_client("sswd HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(second.drop);
  EXPECT_EQ(s.engine.sids(second), std::vector<uint32_t>{1});
  EXPECT_TRUE(second.stream_matched);
  EXPECT_EQ(s.server.stream(), "GET /etc/pa");
  // The flow stays blocked: a retransmission of the second segment does not get through.
  EXPECT_TRUE(s.send(s.c.from_client_at(11, "sswd HTTP/1.0\r\n\r\n")).drop);
  EXPECT_EQ(s.server.stream().find("/etc/passwd"), std::string::npos);
}

TEST(StreamEvasion, OneBytePerSegment) {
  Session s;
  const std::string request = "GET /etc/passwd HTTP/1.0\r\n\r\n";
  size_t dropped_at = request.size();
  for (size_t i = 0; i < request.size(); ++i) {
    if (s.send(s.c.from_client(request.substr(i, 1))).drop && dropped_at == request.size()) dropped_at = i;
  }
  EXPECT_EQ(dropped_at, request.find("/etc/passwd") + 10);  // the segment carrying the last 'd'
  EXPECT_EQ(s.server.stream(), "GET /etc/passw");
}

TEST(StreamEvasion, OutOfOrderTheGapFillerIsDropped) {
  Session s;
  // The tail first: queued behind the gap, forwarded (the server cannot read it yet).
  EXPECT_FALSE(s.send(s.c.from_client_at(11, "sswd HTTP/1.0\r\n\r\n")).drop);
  Verdict head = s.send(s.c.from_client_at(0, "GET /etc/pa"));
  EXPECT_TRUE(head.drop);
  EXPECT_EQ(s.engine.sids(head), std::vector<uint32_t>{1});
  EXPECT_EQ(s.server.stream(), "");
  EXPECT_EQ(s.engine.engine->streams().counters().out_of_order, 1u);
}

TEST(StreamEvasion, OverlapWithDifferentBytesIsDroppedEitherOrder) {
  {
    // In order: harmless bytes, then a "retransmission" that says something else.
    Session s;
    EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/paXXXX")).drop);
    Verdict rewrite = s.send(s.c.from_client_at(0, "GET /etc/passwd HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(rewrite.drop);
    EXPECT_EQ(rewrite.reason, DropReason::kStream);
    EXPECT_EQ(rewrite.stream_event, StreamEvent::kOverlapConflict);
    EXPECT_TRUE(rewrite.recorded());
    EXPECT_EQ(s.server.stream(), "GET /etc/paXXXX");
  }
  {
    // Out of order: the queued bytes stand, the conflicting segment is dropped, and the
    // segment that then completes the attack is dropped too.
    Session s;
    EXPECT_FALSE(s.send(s.c.from_client_at(11, "sswd HTTP/1.0\r\n\r\n")).drop);
    Verdict conflict = s.send(s.c.from_client_at(0, "GET /etc/paXXXX"));
    EXPECT_TRUE(conflict.drop);
    EXPECT_EQ(conflict.stream_event, StreamEvent::kOverlapConflict);
    EXPECT_TRUE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
    EXPECT_EQ(s.server.stream(), "");
    EXPECT_EQ(s.engine.engine->streams().counters().events[static_cast<size_t>(StreamEvent::kOverlapConflict)], 1u);
  }
}

TEST(StreamEvasion, SecondRequestOfAKeptAliveConnectionSplitInTwo) {
  Session s;
  EXPECT_FALSE(s.send(s.c.from_client("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")).drop);
  EXPECT_FALSE(s.send(s.c.from_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")).drop);
  EXPECT_FALSE(s.send(s.c.from_client("GET /etc/pas")).drop);
  EXPECT_TRUE(s.send(s.c.from_client("swd HTTP/1.1\r\n\r\n")).drop);
  EXPECT_EQ(s.server.stream().find("/etc/passwd"), std::string::npos);
}

TEST(StreamEvasion, DataOnTheSynIsInspectedAndStartsTheStreamWhenAcknowledged) {
  {
    EngineUnderTest e(kDropPasswd);
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    EXPECT_TRUE(e.run(c.syn_with_data("GET /etc/passwd")).drop);
  }
  {
    EngineUnderTest e(kDropPasswd);
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    EXPECT_FALSE(e.run(c.syn_with_data("GET /etc/pa")).drop);
    EXPECT_FALSE(e.run(c.syn_ack()).drop);  // acknowledges the SYN's data: the server took it
    EXPECT_TRUE(e.run(c.from_client_at(11, "sswd")).drop);
  }
  {
    // A SYN/ACK that acknowledges the SYN alone: the server dropped the data, the stream
    // starts empty, and a segment that sends other bytes there is no conflict.
    EngineUnderTest e(kDropPasswd);
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    EXPECT_FALSE(e.run(c.syn_with_data("GET /etc/pa")).drop);
    TcpConversation plain("10.0.0.1", 40000, "10.0.0.2", 80);
    plain.syn();
    EXPECT_FALSE(e.run(plain.syn_ack()).drop);
    EXPECT_FALSE(e.run(c.from_client_at(0, "GET /index")).drop);
    EXPECT_FALSE(e.run(c.from_client_at(10, "sswd")).drop);
  }
}

TEST(StreamDetection, AStreamMatchIsRecordedOnceAndRetransmissionsAddNothing) {
  Session s("alert tcp any any -> any 80 (content:\"secret\"; sid:7;)\n");
  EXPECT_TRUE(s.send(s.c.from_client("a sec")).alerts.empty());
  EXPECT_EQ(s.send(s.c.from_client("ret, and more")).alerts.size(), 1u);
  EXPECT_TRUE(s.send(s.c.from_client(" bytes")).alerts.empty());        // still in the window: not again
  EXPECT_TRUE(s.send(s.c.from_client_at(5, "ret, and more")).alerts.empty());  // a retransmission
  EXPECT_EQ(s.engine.engine->streams().counters().retransmissions, 1u);
}

TEST(StreamDetection, PacketRulesAndStreamRules) {
  const std::string rules =
      "alert tcp-pkt any any -> any 80 (content:\"secret\"; sid:1;)\n"
      "alert tcp-stream any any -> any 80 (content:\"secret\"; sid:2;)\n"
      "alert tcp any any -> any 80 (content:\"secret\"; flow:no_stream; sid:3;)\n"
      "alert tcp any any -> any 80 (content:\"secret\"; flow:only_stream; sid:4;)\n";
  {
    Session s(rules);
    EXPECT_TRUE(s.send(s.c.from_client("a sec")).alerts.empty());
    EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("ret"))), (std::vector<uint32_t>{2, 4}));
  }
  {
    Session s(rules);
    EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("a secret"))), (std::vector<uint32_t>{1, 2, 3, 4}));
  }
}

TEST(StreamDetection, AbsolutePositionsCountFromTheWindowsFirstSegment) {
  // The window starts at the stream's start while it is short: a request method at offset 0.
  Session s("alert tcp any any -> any 80 (content:\"GET\"; depth:3; content:\"/admin\"; distance:0; sid:1;)\n");
  EXPECT_TRUE(s.send(s.c.from_client("GET /ad")).alerts.empty());
  EXPECT_EQ(s.send(s.c.from_client("min HTTP/1.0\r\n\r\n")).alerts.size(), 1u);
}

// A rule whose fast pattern came segments before the content that completes it: the segment
// that completes it is dropped, and the server never reads the whole attack.
TEST(StreamDetection, TheFastPatternSegmentsBeforeTheCompletingContent) {
  Session s("drop tcp any any -> any 80 (content:\"/etc/passwd\"; content:\"HTTP/1.\"; distance:0; sid:1;)\n");
  EXPECT_FALSE(s.send(s.c.from_client("GET /etc/passwd")).drop);
  EXPECT_FALSE(s.send(s.c.from_client(std::string(100, ' '))).drop);
  EXPECT_TRUE(s.send(s.c.from_client(" HTTP/1.1\r\n\r\n")).drop);
  EXPECT_EQ(s.server.stream().find("HTTP/1."), std::string::npos);
}

// More earlier fast patterns than a direction remembers (64), the rules' own first and 70
// decoys after them: the segment after them searches its whole window, and each rule still
// matches where it is completed.
TEST(StreamDetection, MoreEarlierFastPatternsThanRemembered) {
  std::string rules, bytes;
  for (uint32_t i = 1; i <= 75; ++i) {
    const std::string literal = "pattern" + std::to_string(1000 + i);
    const char* completion = i <= 5 ? "END" : "NEVER";
    rules += "alert tcp any any -> any 80 (content:\"" + literal + "\"; content:\"" + completion +
             "\"; distance:0; sid:" + std::to_string(i) + ";)\n";
    bytes += literal + " ";
  }
  Session s(rules);
  EXPECT_TRUE(s.send(s.c.from_client(bytes)).alerts.empty());
  EXPECT_TRUE(s.send(s.c.from_client("pad")).alerts.empty());
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client(" END"))), (std::vector<uint32_t>{1, 2, 3, 4, 5}));
}

TEST(StreamDetection, PastTheDepthSegmentsAreInspectedOneByOne) {
  EngineConfig config;
  config.stream.depth = 16;
  Session s(kDropPasswd, config);
  EXPECT_FALSE(s.send(s.c.from_client("0123456789")).drop);
  EXPECT_FALSE(s.send(s.c.from_client("abcdef/etc/pa")).drop);
  EXPECT_FALSE(s.send(s.c.from_client("sswd")).drop);  // past the depth, split: not seen
  EXPECT_TRUE(s.send(s.c.from_client("/etc/passwd")).drop);  // whole in one segment: seen
  EXPECT_EQ(s.engine.engine->streams().counters().depth_reached, 1u);
}

TEST(StreamExceptions, AFullQueueDropsTheFlowByDefault) {
  EngineConfig config;
  config.stream.max_queued_segments = 2;
  Session s("alert tcp any any -> any 80 (content:\"x\"; sid:1;)\n", config);
  EXPECT_FALSE(s.send(s.c.from_client_at(10, "a")).drop);
  EXPECT_FALSE(s.send(s.c.from_client_at(20, "b")).drop);
  Verdict third = s.send(s.c.from_client_at(30, "c"));
  EXPECT_TRUE(third.drop);
  EXPECT_EQ(third.reason, DropReason::kStream);
  EXPECT_EQ(third.stream_event, StreamEvent::kQueueFull);
  Verdict later = s.send(s.c.from_client_at(0, "hello"));
  EXPECT_TRUE(later.drop);
  EXPECT_TRUE(later.flow_was_blocked);
  EXPECT_EQ(later.reason, DropReason::kStream);
}

TEST(StreamExceptions, PassFlowForwardsTheRestUninspected) {
  EngineConfig config;
  config.stream.max_queued_segments = 1;
  config.stream.on_exception = StreamException::kPassFlow;
  Session s(kDropPasswd, config);
  EXPECT_FALSE(s.send(s.c.from_client_at(10, "a")).drop);
  EXPECT_TRUE(s.send(s.c.from_client_at(20, "b")).flow_passed);
  Verdict after = s.send(s.c.from_client_at(0, "/etc/passwd"));
  EXPECT_FALSE(after.drop);
  EXPECT_TRUE(after.flow_passed);
}

TEST(StreamExceptions, TheMemoryCapHoldsAndFlowsGiveTheirBytesBack) {
  EngineConfig config;
  config.stream.memcap = 64;
  config.flows.max_flows = 1;
  EngineUnderTest e("alert tcp any any -> any 80 (content:\"zz\"; sid:1;)\n", "", "", config);
  TcpConversation a("10.0.0.1", 40000, "10.0.0.2", 80);
  for (const Frame& f : a.handshake()) e.run(f);
  EXPECT_FALSE(e.run(a.from_client(std::string(60, 'a'))).drop);
  Verdict over = e.run(a.from_client(std::string(10, 'b')));
  EXPECT_EQ(over.stream_event, StreamEvent::kMemcap);
  EXPECT_LE(e.engine->streams().held_bytes(), 64u);
  // A second flow evicts the first (the table holds one): its bytes are given back.
  TcpConversation b("10.0.0.3", 40000, "10.0.0.2", 80);
  for (const Frame& f : b.handshake()) e.run(f);
  EXPECT_EQ(e.engine->streams().held_bytes(), 0u);
  EXPECT_FALSE(e.run(b.from_client(std::string(60, 'c'))).drop);
  EXPECT_EQ(e.engine->streams().held_bytes(), 60u);
}

TEST(StreamFlows, WithoutTheHandshakeOrMidstreamThereIsNoStream) {
  EngineUnderTest e(kDropPasswd);
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  EXPECT_FALSE(e.run(c.from_client("GET /etc/pa")).drop);
  EXPECT_FALSE(e.run(c.from_client("sswd")).drop);
  EXPECT_EQ(e.engine->streams().counters().unopened, 2u);

  EngineConfig midstream;
  midstream.flows.midstream = true;
  EngineUnderTest m(kDropPasswd, "", "", midstream);
  TcpConversation d("10.0.0.1", 40000, "10.0.0.2", 80);
  EXPECT_FALSE(m.run(d.from_client("GET /etc/pa")).drop);
  EXPECT_TRUE(m.run(d.from_client("sswd")).drop);
}

constexpr const char* kDropPasswdUri = "drop http any any -> any any (http.uri; content:\"/etc/passwd\"; sid:2;)\n";

TEST(HttpOverStreams, ARequestLineInThreeSegments) {
  Session s(kDropPasswdUri);
  EXPECT_FALSE(s.send(s.c.from_client("GET /et")).drop);
  EXPECT_FALSE(s.send(s.c.from_client("c/pass")).drop);
  Verdict last = s.send(s.c.from_client("wd HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(last.drop);
  EXPECT_EQ(s.engine.sids(last), std::vector<uint32_t>{2});
  EXPECT_EQ(s.server.stream().find("/etc/passwd"), std::string::npos);
}

TEST(HttpOverStreams, TheSecondRequestOfAKeptAliveConnectionSplitInTwo) {
  Session s(kDropPasswdUri);
  EXPECT_FALSE(s.send(s.c.from_client("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\nGET /etc/pa")).drop);
  EXPECT_FALSE(s.send(s.c.from_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")).drop);
  EXPECT_TRUE(s.send(s.c.from_client("sswd HTTP/1.1\r\nHost: a\r\n\r\n")).drop);
}

TEST(HttpOverStreams, NormalisedUrisAndTheRequestFormsServersAccept) {
  for (const char* request : {"GET /x/%2e%2e/etc//passwd HTTP/1.1\r\n\r\n", "get /etc/./passwd HTTP/1.1\r\n\r\n",
                              "GET\t/etc\\passwd\tHTTP/1.0\r\n\r\n", "GET /etc/passwd\r\n",
                              "GET /etc%2fpasswd HTTP/1.1\r\n\r\n"}) {
    Session s(kDropPasswdUri);
    EXPECT_TRUE(s.send(s.c.from_client(request)).drop) << request;
  }
  // A request that does not start its segment: the one before it ended in the segment before.
  Session s(kDropPasswdUri);
  EXPECT_FALSE(s.send(s.c.from_client("POST /form HTTP/1.1\r\nContent-Length: 10\r\n\r\nabcde")).drop);
  EXPECT_TRUE(s.send(s.c.from_client("fghijGET /etc/passwd HTTP/1.1\r\n\r\n")).drop);
}

TEST(HttpOverStreams, HeadersAndBodiesAcrossSegmentsAreRecordedOncePerMessage) {
  Session s(
      "alert http any any -> any any (http.user_agent; content:\"sqlmap\"; sid:3;)\n"
      "alert http any any -> any any (http.request_body; content:\"<soap:Envelope\"; sid:4;)\n");
  EXPECT_TRUE(s.send(s.c.from_client("POST /ws HTTP/1.1\r\nHost: a\r\n")).alerts.empty());
  EXPECT_TRUE(s.send(s.c.from_client("Content-Length: 20\r\n")).alerts.empty());
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("User-Agent: sqlmap/1.7\r\n\r\n"))), std::vector<uint32_t>{3});
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("<soap:Env"))), std::vector<uint32_t>{});
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("elope>xx"))), std::vector<uint32_t>{4});
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("yyy"))), std::vector<uint32_t>{});  // completes it: nothing new
  // The next request on the connection is a message of its own.
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("GET / HTTP/1.1\r\nUser-Agent: sqlmap\r\n\r\n"))),
            std::vector<uint32_t>{3});
}

// Each segment of a body still arriving searches only its new bytes for the body's fast
// patterns: a rule whose fast pattern came segments earlier, and whose other content comes
// now, is still tried; so is a fast pattern split over two segments.
TEST(HttpOverStreams, ABodyRuleCompletedSegmentsAfterItsFastPattern) {
  Session s(
      "alert http any any -> any any (http.request_body; content:\"long-fast-pattern\"; content:\"END\"; distance:0; sid:5;)\n"
      "alert http any any -> any any (http.request_body; content:\"split-over-two\"; sid:6;)\n");
  EXPECT_TRUE(s.send(s.c.from_client("POST /u HTTP/1.1\r\nContent-Length: 200\r\n\r\n")).alerts.empty());
  EXPECT_TRUE(s.send(s.c.from_client("xx long-fast-pattern yy")).alerts.empty());
  EXPECT_TRUE(s.send(s.c.from_client(std::string(40, 'z'))).alerts.empty());
  EXPECT_TRUE(s.send(s.c.from_client("split-ov")).alerts.empty());
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("er-two"))), std::vector<uint32_t>{6});
  EXPECT_EQ(s.engine.sids(s.send(s.c.from_client("then END"))), std::vector<uint32_t>{5});
}

TEST(HttpOverStreams, AFlowWithoutAStreamHasNoHttp) {
  EngineUnderTest e(kDropPasswdUri);
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  EXPECT_FALSE(e.run(c.from_client("GET /etc/passwd HTTP/1.1\r\n\r\n")).drop);
}

TEST(Fragments, MatchNoRuleThatNamesPorts) {
  EngineUnderTest e(
      "alert tcp any any -> any 80 (content:\"frag\"; sid:1;)\n"
      "alert ip any any -> any any (content:\"frag\"; sid:2;)\n");
  Frame f = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_fragment(64, true).tcp(40000, 80, 0).payload("frag").build();
  Verdict v = e.run(f);
  ASSERT_TRUE(v.decoded.fragment);
  EXPECT_EQ(e.sids(v), std::vector<uint32_t>{2});
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

// Flows an attacker cannot steer: the table's limits and timeouts, and the order of packets.
TEST(SteeredFlows, ABlockedFlowStaysBlockedWhenTheTableEvictsIt) {
  EngineConfig config;
  config.flows.max_flows = 100;
  EngineUnderTest e(kDropPasswd, "", "", config);
  TcpConversation victim("10.0.0.1", 40000, "10.0.0.2", 80);
  double t = 0;
  for (const Frame& f : victim.handshake()) e.run(f, t += 0.001);
  EXPECT_TRUE(e.run(victim.from_client("GET /etc/passwd"), t += 0.001).drop);
  // 1,000 other connections, handshakes complete: the table evicts the victim's flow.
  for (int i = 0; i < 1000; ++i) {
    TcpConversation other("192.0.2." + std::to_string(i % 250 + 1), static_cast<uint16_t>(1000 + i), "10.0.0.2", 80);
    for (const Frame& f : other.handshake()) e.run(f, t += 0.001);
  }
  EXPECT_GT(e.engine->flows().counters().evicted_established, 800u);
  Verdict later = e.run(victim.from_client("more"), t += 0.001);
  EXPECT_TRUE(later.drop);
  EXPECT_TRUE(later.flow_was_blocked);
  EXPECT_EQ(e.sids(later), std::vector<uint32_t>{1});
  EXPECT_EQ(e.engine->blocks().counters().revived, 1u);
}

TEST(SteeredFlows, IdlenessAndASpoofedRstDoNotLiftABlock) {
  EngineUnderTest e(kDropPasswd);
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  for (const Frame& f : c.handshake()) e.run(f, 0);
  EXPECT_TRUE(e.run(c.from_client("GET /etc/passwd"), 1).drop);
  EXPECT_TRUE(e.run(c.from_client("x"), 1000).flow_was_blocked);  // idle past 600 s
  e.run(c.rst_from_client(), 1001);
  EXPECT_TRUE(e.run(c.from_client("y"), 1100).flow_was_blocked);  // RST, then 99 s
  EXPECT_FALSE(e.run(c.from_client("z"), 1100 + 3601).drop);     // the block's own timeout
}

TEST(SteeredFlows, EmbryonicFlowsAreEvictedBeforeEstablishedOnes) {
  EngineConfig config;
  config.flows.max_flows = 10;
  EngineUnderTest e("alert tcp any any -> any any (flow:established; content:\"x\"; sid:1;)\n", "", "", config);
  TcpConversation kept("10.0.0.1", 40000, "10.0.0.2", 80);
  double t = 0;
  for (const Frame& f : kept.handshake()) e.run(f, t += 0.001);
  for (int i = 0; i < 50; ++i) {
    TcpConversation spoof("192.0.2." + std::to_string(i + 1), 1000, "10.0.0.2", 80);
    e.run(spoof.syn(), t += 0.001);
  }
  EXPECT_EQ(e.engine->flows().counters().evicted_established, 0u);
  EXPECT_EQ(e.run(kept.from_client("x"), t += 0.001).alerts.size(), 1u);  // still established
}

TEST(SteeredFlows, ASynAckFirstIsJudgedInItsOwnDirectionToo) {
  const std::string identities = "spiffe://t/bad 10.0.0.66\nspiffe://t/db 10.0.0.5\n";
  const std::string policy = "deny spiffe://t/bad -> spiffe://t/db\nallow any -> any tcp/443\n";
  EngineUnderTest e("", identities, policy);
  // bad (10.0.0.66:443) sends a SYN/ACK to db (10.0.0.5:5000) first: the flow takes db as its
  // client, which 'allow any -> any tcp/443' would let through; in its own direction it is
  // bad -> db, denied.
  TcpConversation c("10.0.0.5", 5000, "10.0.0.66", 443);
  Verdict v = e.run(c.syn_ack());
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kPolicy);
  EXPECT_TRUE(e.run(c.from_server("data")).drop);
  // With its SYN seen, the same pair the other way round is the flow's client's business.
  TcpConversation proper("10.0.0.5", 5001, "10.0.0.66", 443);
  EXPECT_FALSE(e.run(proper.syn()).drop);
  EXPECT_FALSE(e.run(proper.syn_ack()).drop);
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

Frame with_bad_checksum(Frame f) {
  f[14 + 20 + 16] ^= 0x5a;  // the TCP checksum (Ethernet, IPv4 without options)
  return f;
}

TEST(Checksums, ABadSegmentChangesNothingAndIsNotInspected) {
  Session s;
  // The server discards it, so it must not move the stream either: were its bytes taken, the
  // real "/etc/pa" after it would look like a retransmission.
  Verdict bad = s.send(with_bad_checksum(s.c.from_client_at(0, "harmless...")));
  EXPECT_TRUE(bad.bad_checksum);
  EXPECT_FALSE(bad.drop);
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  EXPECT_TRUE(s.send(s.c.from_client_at(11, "sswd")).drop);
  EXPECT_EQ(s.engine.engine->counters().bad_checksum, 1u);
  // A bad RST never reaches the flow table: it closes nothing.
  EXPECT_FALSE(s.send(with_bad_checksum(s.c.rst_from_client())).has_flow);
}

TEST(Checksums, DropAndNone) {
  EngineConfig drop;
  drop.checksums = ChecksumMode::kDrop;
  Session d(kDropPasswd, drop);
  Verdict v = d.send(with_bad_checksum(d.c.from_client("x")));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kChecksum);
  EXPECT_TRUE(v.recorded());
  EngineConfig none;
  none.checksums = ChecksumMode::kNone;
  Session n(kDropPasswd, none);
  EXPECT_TRUE(n.send(with_bad_checksum(n.c.from_client("/etc/passwd"))).drop);  // inspected as it is
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

TEST(StreamGaps, AGapTheReceiverAcknowledgesIsSkipped) {
  Session s("alert tcp any any -> any 80 (content:\"after\"; sid:5;)\n");
  s.send(s.c.from_client_at(100, "the bytes after the gap"));  // 0..99 never seen (lost)
  EXPECT_EQ(s.engine.engine->streams().counters().gaps, 0u);
  // The server acknowledges everything: it had the lost bytes.
  s.c.from_client(std::string(123, 'x'));  // moves the conversation's sequence numbers on
  s.send(s.c.ack_from_server());
  EXPECT_EQ(s.engine.engine->streams().counters().gaps, 1u);
  // The stream goes on after the queued bytes: the next segment is in order, not queued.
  const uint64_t queued = s.engine.engine->streams().counters().out_of_order;
  s.send(s.c.from_client_at(123, "more"));
  EXPECT_EQ(s.engine.engine->streams().counters().out_of_order, queued);
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

// Every flow leaves one record as it ends: evicted, timed out, or live at the end of the run.
TEST(FlowRecords, EvictedBlockedAndLiveFlowsEachLeaveOne) {
  EngineConfig config;
  config.flows.max_flows = 2;
  testing_support::EngineUnderTest e(kDropPasswd, "", "", config);
  TcpConversation victim("10.0.0.1", 40000, "10.0.0.2", 80);
  double t = 0;
  for (const Frame& f : victim.handshake()) e.run(f, t += 0.001);
  EXPECT_TRUE(e.run(victim.from_client("GET /etc/passwd"), t += 0.001).drop);
  TcpConversation a("10.0.0.3", 40001, "10.0.0.2", 80), b("10.0.0.4", 40002, "10.0.0.2", 80);
  for (const Frame& f : a.handshake()) e.run(f, t += 0.001);
  e.run(b.syn(), t += 0.001);  // the table holds two, both established: the older one goes
  std::vector<EndedFlow> ended = e.engine->take_ended_flows();
  ASSERT_EQ(ended.size(), 1u);
  const EndedFlow& v = ended[0];
  EXPECT_EQ(v.reason, FlowEnd::kEvicted);
  EXPECT_EQ(v.client_addr.to_string(), "10.0.0.1");
  EXPECT_EQ(v.server_port, 80);
  EXPECT_EQ(v.action, EndedFlow::Action::kBlocked);
  EXPECT_EQ(e.engine->signatures().rules()[v.blocking_rule].rule.sid, 1u);
  EXPECT_EQ(v.packets[static_cast<size_t>(Direction::kToServer)], 3u);
  EXPECT_EQ(v.facts.alerts, 1u);
  EXPECT_EQ(v.facts.dropped, 1u);
  EXPECT_TRUE(e.engine->take_ended_flows().empty());  // taken once
  e.engine->end_all_flows();
  ended = e.engine->take_ended_flows();
  ASSERT_EQ(ended.size(), 2u);
  for (const EndedFlow& f : ended) {
    EXPECT_EQ(f.reason, FlowEnd::kShutdown);
    EXPECT_EQ(f.action, EndedFlow::Action::kForwarded);
  }
}

TEST(FlowRecords, AnIdleFlowTimesOutAndTheFlagTurnsThemOff) {
  testing_support::EngineUnderTest e("");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  e.run(c.syn(), 0);
  e.run(TcpConversation("10.0.0.5", 40005, "10.0.0.2", 80).syn(), 120);  // the first is idle past 60 s
  std::vector<EndedFlow> ended = e.engine->take_ended_flows();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].reason, FlowEnd::kTimeout);
  EngineConfig off;
  off.flow_records = false;
  testing_support::EngineUnderTest quiet("", "", "", off);
  quiet.run(c.syn(), 0);
  quiet.engine->end_all_flows();
  EXPECT_TRUE(quiet.engine->take_ended_flows().empty());
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

// A TCP flow picked up without its handshake, --midstream off: what --midstream-policy says.
TEST(MidstreamPolicy, DropFlowPassFlowBypassAndIgnore) {
  for (MidstreamPolicy policy : {MidstreamPolicy::kIgnore, MidstreamPolicy::kDropFlow, MidstreamPolicy::kPassFlow,
                                 MidstreamPolicy::kBypass}) {
    EngineConfig config;
    config.midstream_policy = policy;
    testing_support::EngineUnderTest e("alert tcp any any -> any any (content:\"uid=0\"; sid:7;)\n", "", "", config);
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    Verdict first = e.run(c.from_server("uid=0(root)"));  // the flow's first packet: no SYN seen
    Verdict second = e.run(c.from_server("uid=0(root)"), 1);
    const std::string name(midstream_policy_name(policy));
    switch (policy) {
      case MidstreamPolicy::kIgnore:
        EXPECT_FALSE(first.drop) << name;
        EXPECT_EQ(e.sids(second), std::vector<uint32_t>{7}) << name;  // inspected packet by packet
        break;
      case MidstreamPolicy::kDropFlow:
        EXPECT_EQ(first.reason, DropReason::kMidstream) << name;
        EXPECT_TRUE(second.drop && second.flow_was_blocked) << name;
        break;
      case MidstreamPolicy::kPassFlow:
      case MidstreamPolicy::kBypass:
        EXPECT_TRUE(first.flow_passed && second.flow_passed) << name;
        EXPECT_TRUE(second.alerts.empty()) << name;
        break;
    }
    // A flow whose handshake was seen is not touched.
    TcpConversation seen("10.0.0.3", 40001, "10.0.0.2", 80);
    for (const Frame& f : seen.handshake()) EXPECT_FALSE(e.run(f, 2).drop) << name;
    EXPECT_EQ(e.sids(e.run(seen.from_server("uid=0(root)"), 2)), std::vector<uint32_t>{7}) << name;
    e.engine->end_all_flows();
    std::vector<EndedFlow> ended = e.engine->take_ended_flows();
    ASSERT_EQ(ended.size(), 2u);
    EXPECT_EQ(ended[0].bypassed, policy == MidstreamPolicy::kBypass) << name;
  }
}

}  // namespace
}  // namespace picket
