// stream-event rules (detect/keywords/stream_event.cc): each event the stream and the sequence
// checks raise is recorded by the rule that names it, on the packet that raised it, whether
// that packet is then dropped (an overlap conflict), judged alone (out of the window) or
// forwarded (the depth reached); an event Picket does not raise skips the rule.
#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "testing/packet_builder.h"
#include "testing/tcp_conversation.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using Frame = std::vector<uint8_t>;
using Sids = std::vector<uint32_t>;

constexpr const char* kRules =
    "alert tcp any any -> any any (stream-event:reassembly_overlap_different_data; sid:1;)\n"
    "alert tcp any any -> any any (stream-event:stream.est_packet_out_of_window; sid:2;)\n"
    "alert tcp any any -> any any (stream-event:rst_invalid; sid:3;)\n"
    "alert tcp any any -> any any (stream-event:reassembly_depth_reached; flow:to_server; sid:4;)\n";

struct Session {
  explicit Session(EngineConfig config = {}) : e(kRules, "", "", config) {
    for (const Frame& f : c.handshake()) EXPECT_EQ(e.sids(e.run(f, at += 0.001)), Sids{});
  }
  Verdict send(const Frame& f) { return e.run(f, at += 0.001); }
  TcpConversation c{"10.0.0.1", 40000, "10.0.0.2", 80};
  EngineUnderTest e;
  double at = 0;
};

TEST(StreamEvent, AnOverlapConflictIsRecordedOnTheSegmentItDrops) {
  Session s;
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client_at(0, "GET /a"))), Sids{});
  const Verdict v = s.send(s.c.from_client_at(0, "GET /b"));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(s.e.sids(v), Sids{1});
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client_at(0, "GET /a"))), Sids{});  // the same bytes again: nothing
}

TEST(StreamEvent, SequenceNumbersTheReceiverRefuses) {
  Session s;
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client_at(70000, "zz"))), Sids{2});
  const Frame rst = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2")
                        .tcp(40000, 80, tcp_flag::kRst | tcp_flag::kAck, 1001 + 50, 5001).build();
  EXPECT_EQ(s.e.sids(s.send(rst)), Sids{3});
  EXPECT_EQ(s.e.sids(s.send(s.c.rst_from_client())), Sids{});  // at the next sequence number
}

TEST(StreamEvent, TheDepthIsReachedOncePerDirection) {
  EngineConfig config;
  config.stream.depth = 10;
  Session s(config);
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client("12345"))), Sids{});
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client("67890abc"))), Sids{4});  // takes the client's side past 10
  EXPECT_EQ(s.e.sids(s.send(s.c.from_client("more"))), Sids{});
  EXPECT_EQ(s.e.sids(s.send(s.c.from_server(std::string(20, 's')))), Sids{});  // to_client: not this rule
}

TEST(StreamEvent, AnEventPicketDoesNotRaiseSkipsTheRule) {
  Sources sources;
  sources.files.push_back({SourceFile::Kind::kRules, "x.rules",
                           "alert tcp any any -> any any (stream-event:3whs_wrong_seq_wrong_ack; sid:9;)\n"});
  Build build = build_generation(sources, EngineConfig{}, BuildOptions{});
  ASSERT_TRUE(build.generation);
  EXPECT_EQ(build.generation->signatures->rules().size(), 0u);
  ASSERT_FALSE(build.diagnostics.empty());
  EXPECT_NE(build.diagnostics[0].to_string().find("3whs_wrong_seq_wrong_ack"), std::string::npos);
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

TEST(StreamEvent, AnOverlapTheConfigurationAcceptsIsStillTheEvent) {
  EngineConfig config;
  config.stream.drop_conflicts = false;  // --stream-overlap accept
  Session s(config);
  s.send(s.c.from_client_at(0, "GET /a"));
  const Verdict v = s.send(s.c.from_client_at(0, "GET /bcd"));
  EXPECT_FALSE(v.drop);
  EXPECT_EQ(s.e.sids(v), Sids{1});
}

}  // namespace
}  // namespace picket
