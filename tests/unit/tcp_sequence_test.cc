// TCP sequence numbers checked as the receiver checks them (flow/flow_table.h): data past the
// receiver's window and a RST off its sender's next sequence number are refused (dropped
// inline, recorded, judged alone) and change neither the flow nor its stream; windows scale
// only when both SYNs offer it. And --async-oneside, for flows seen from their client only, and
// the stream_size keyword, which counts on the same sequence numbers.
#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "testing/packet_builder.h"
#include "testing/tcp_conversation.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using Frame = std::vector<uint8_t>;

constexpr const char* kDropPasswd = "drop tcp any any -> any 80 (content:\"/etc/passwd\"; sid:1;)\n";
constexpr uint32_t kClientNext = 1001;  // TcpConversation's client ISN plus the SYN
constexpr uint32_t kWindow = 65535;     // what its frames advertise

struct Session {
  explicit Session(std::string_view rules = kDropPasswd, EngineConfig config = {}) : e(rules, "", "", config) {
    for (const Frame& f : c.handshake()) e.run(f, at);
  }
  Verdict send(const Frame& f, double later = 0.001) { return e.run(f, at += later); }
  TcpConversation c{"10.0.0.1", 40000, "10.0.0.2", 80};
  EngineUnderTest e;
  double at = 0;
};

TEST(TcpSequence, DataPastTheReceiversWindowIsDroppedAndJudgedAlone) {
  Session s;
  const Verdict past = s.send(s.c.from_client_at(kWindow + 1, "GET /etc/passwd"));
  EXPECT_TRUE(past.drop);
  EXPECT_EQ(past.reason, DropReason::kStream);
  EXPECT_EQ(past.stream_event, StreamEvent::kOutOfWindow);
  EXPECT_EQ(s.e.sids(past), std::vector<uint32_t>{1});  // recorded, as its own bytes match
  EXPECT_TRUE(past.recorded());
  // Two bytes from the window's edge are past it; one is a zero-window probe, taken.
  EXPECT_EQ(s.send(s.c.from_client_at(kWindow, "ab")).stream_event, StreamEvent::kOutOfWindow);
  const Verdict probe = s.send(s.c.from_client_at(kWindow, "a"));
  EXPECT_FALSE(probe.drop);
  EXPECT_EQ(probe.stream_event, StreamEvent::kNone);
  // The flow is not blocked by what its receiver never took.
  const Verdict next = s.send(s.c.from_client("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(next.drop);
  EXPECT_FALSE(next.flow_was_blocked);
  EXPECT_EQ(s.e.engine->streams().counters().events[static_cast<size_t>(StreamEvent::kOutOfWindow)], 2u);
}

TEST(TcpSequence, ARefusedSegmentTakesNoPlaceInTheStream) {
  EngineConfig config;
  config.stream.max_queued_segments = 2;
  config.stream.drop_invalid = false;  // --tcp-invalid forward
  Session s("alert tcp any any -> any 80 (content:\"x\"; sid:1;)\n", config);
  const Verdict past = s.send(s.c.from_client_at(kWindow + 100, "zz"));
  EXPECT_FALSE(past.drop);
  EXPECT_EQ(past.stream_event, StreamEvent::kOutOfWindow);
  // Had it been queued, the second of these would fill the queue.
  EXPECT_EQ(s.send(s.c.from_client_at(10, "a")).stream_event, StreamEvent::kNone);
  EXPECT_EQ(s.send(s.c.from_client_at(20, "b")).stream_event, StreamEvent::kNone);
  EXPECT_EQ(s.send(s.c.from_client_at(30, "c")).stream_event, StreamEvent::kQueueFull);
}

TEST(TcpSequence, IgnoreChecksNothing) {
  EngineConfig config;
  config.flows.check_sequence = false;  // --tcp-invalid ignore
  Session s(kDropPasswd, config);
  const Verdict past = s.send(s.c.from_client_at(kWindow + 1, "hello"));
  EXPECT_FALSE(past.drop);
  EXPECT_EQ(past.stream_event, StreamEvent::kNone);
}

// The client's SYN and the server's SYN/ACK, each with the window scale option or not, the
// client's ACK, and a server ACK advertising `window` (scaled when both offered it).
std::vector<Frame> handshake_scaled(bool client_scales, bool server_scales, uint16_t window) {
  auto tcp = [](bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, bool scale) {
    PacketBuilder b;
    if (from_client) b.ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, flags, seq, ack, win);
    else b.ipv4("10.0.0.2", "10.0.0.1").tcp(80, 40000, flags, seq, ack, win);
    if (scale) b.tcp_options({3, 3, 7});  // window scale 7: windows count 128 bytes
    return b.build();
  };
  return {tcp(true, tcp_flag::kSyn, 1000, 0, 65535, client_scales),
          tcp(false, tcp_flag::kSyn | tcp_flag::kAck, 5000, 1001, window, server_scales),
          tcp(true, tcp_flag::kAck, 1001, 5001, 65535, false),
          tcp(false, tcp_flag::kAck, 5001, 1001, window, false)};
}

TEST(TcpSequence, WindowsScaleOnlyWhenBothSynsOfferIt) {
  for (const bool both : {true, false}) {
    EngineUnderTest e(kDropPasswd);
    for (const Frame& f : handshake_scaled(true, both, 1000)) e.run(f, 0);
    // 100,000 bytes on: inside 1000 * 128, past 1000.
    const Frame far = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                          .tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, kClientNext + 100'000, 5001).payload("hi").build();
    EXPECT_EQ(e.run(far, 0.1).stream_event, both ? StreamEvent::kNone : StreamEvent::kOutOfWindow) << both;
  }
}

TEST(TcpSequence, ARstOffTheNextSequenceNumberClosesNothing) {
  Session s;
  s.send(s.c.from_client("hello"));  // the client's next sequence number is 1006
  const Frame off = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                        .tcp(40000, 80, tcp_flag::kRst | tcp_flag::kAck, kClientNext + 5 + 10, 5001).build();
  const Verdict refused = s.send(off);
  EXPECT_TRUE(refused.drop);
  EXPECT_EQ(refused.stream_event, StreamEvent::kInvalidRst);
  // Still established: 61 s later (past a closed flow's timeout) the same flow goes on.
  const Verdict later = s.send(s.c.from_client("again"), 61);
  EXPECT_EQ(later.flow_id, refused.flow_id);
  // The RST at the next sequence number closes it: 61 s later the 5-tuple is a new flow.
  const Verdict rst = s.send(s.c.rst_from_client());
  EXPECT_FALSE(rst.drop);
  EXPECT_EQ(rst.stream_event, StreamEvent::kNone);
  EXPECT_NE(s.send(s.c.from_client("new"), 61).flow_id, rst.flow_id);
}

TEST(TcpSequence, AsyncOnesideEstablishesAFlowSeenOnlyFromItsClient) {
  const char* rules = "alert tcp any any -> any 80 (flow:established,to_server; content:\"hello\"; sid:1;)\n";
  for (const bool async : {false, true}) {
    EngineConfig config;
    config.flows.async_oneside = async;
    EngineUnderTest e(rules, "", "", config);
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    e.run(c.syn(), 0);
    c.syn_ack();  // went another way: never seen here
    e.run(c.ack_from_client(), 0.001);
    EXPECT_EQ(e.sids(e.run(c.from_client("hello"), 0.002)), async ? std::vector<uint32_t>{1} : std::vector<uint32_t>{})
        << (async ? "with" : "without") << " --async-oneside";
  }
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

// stream_size (detect/keywords/stream_size.cc) counts each side's sequence numbers from its
// initial one: its SYN counts one, then each byte.
TEST(StreamSize, CountsEachSidesBytesAsSuricataDoes) {
  EngineUnderTest e("alert tcp any any -> any 80 (stream_size:server,>,20; content:\"x\"; sid:1;)\n"
                    "alert tcp any any -> any 80 (stream_size:client,=,3; sid:2;)\n"
                    "alert tcp any any -> any 80 (stream_size:both,>=,21; content:\"x\"; sid:3;)\n"
                    "alert tcp any any -> any 80 (stream_size:either,!=,1; content:\"x\"; sid:4;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  double at = 0;
  for (const Frame& f : c.handshake()) EXPECT_TRUE(e.sids(e.run(f, at += 0.001)).empty());
  EXPECT_EQ(e.sids(e.run(c.from_client("xy"), at += 0.001)), std::vector<uint32_t>({2, 4}));  // client 1 + 2
  e.run(c.from_server(std::string(20, 's')), at += 0.001);                                     // server 1 + 20
  EXPECT_EQ(e.sids(e.run(c.from_client("x" + std::string(17, '-')), at += 0.001)),
            std::vector<uint32_t>({1, 3, 4}));  // client 1 + 20
  // Not TCP: no stream, no size.
  EngineUnderTest udp("alert udp any any -> any any (stream_size:either,>=,0; sid:5;)\n");
  EXPECT_TRUE(udp.sids(udp.run(PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("x").build())).empty());
}

TEST(StreamSize, ABadValueNamesItsPlace) {
  for (const char* bad : {"stream_size:sever,>,1;", "stream_size:server,~,1;", "stream_size:server,>;",
                          "stream_size:server,>,lots;"}) {
    Sources sources;
    sources.files.push_back({SourceFile::Kind::kRules, "bad.rules",
                             std::string("alert tcp any any -> any any (") + bad + " sid:1;)\n"});
    Build build = build_generation(sources, EngineConfig{}, BuildOptions{});
    ASSERT_FALSE(build.diagnostics.empty()) << bad;
    EXPECT_NE(build.diagnostics[0].to_string().find("bad.rules:1:"), std::string::npos) << build.diagnostics[0].to_string();
    EXPECT_NE(build.diagnostics[0].to_string().find("stream_size"), std::string::npos) << build.diagnostics[0].to_string();
  }
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

// Data on a RST is no part of the stream: inspected as the packet's own only (as Suricata).
TEST(TcpSequence, DataOnARstIsThePacketsOwn) {
  EngineUnderTest e("alert tcp any any -> any 80 (flow:only_stream; content:\"Access\"; sid:1;)\n"
                    "alert tcp-pkt any any -> any 80 (flags:R; content:\"Access Denied\"; startswith; sid:2;)\n"
                    "alert tcp any any -> any 80 (content:\"Please Access\"; sid:3;)\n");
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  double at = 0;
  for (const Frame& f : c.handshake()) e.run(f, at += 0.001);
  EXPECT_TRUE(e.sids(e.run(c.from_client("Please "), at += 0.001)).empty());
  const Frame rst = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                        .tcp(40000, 80, tcp_flag::kRst, kClientNext + 7, 0).payload("Access Denied").build();
  EXPECT_EQ(e.sids(e.run(rst, at += 0.001)), std::vector<uint32_t>{2});
}

}  // namespace
}  // namespace picket
