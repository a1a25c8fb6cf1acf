// Target-based stream reassembly (stream/tcp_stream.h): with overlaps accepted
// (--stream-overlap accept), where a segment overlaps bytes held out of order the stream takes
// the bytes the receiver's operating system keeps, so detection reads what the server reads.
// Each case queues "BBBB" at stream offset 2 behind a gap, sends an overlapping segment, then
// fills the gap before both (or the new segment fills it); a stream-only rule for each way the
// bytes could come out says which one the stream held.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "engine_fixture.h"
#include "testing/tcp_conversation.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;

struct Overlap {
  const char* name;
  uint32_t offset;  // of the new segment
  std::string bytes;
  std::map<StreamPolicy, std::string> read;  // what the receiver reads from offset 0
};

std::string read_under(const Overlap& o, StreamPolicy policy, const std::vector<StreamTarget>& targets = {}) {
  std::set<std::string> outcomes;
  for (const auto& [p, r] : o.read) outcomes.insert(r);
  std::string rules;
  std::vector<std::string> by_sid;
  for (const std::string& r : outcomes) {
    by_sid.push_back(r);
    rules += "alert tcp any any -> any 80 (flow:only_stream; content:\"" + r + "\"; sid:" + std::to_string(by_sid.size()) + ";)\n";
  }
  EngineConfig config;
  config.stream.drop_conflicts = false;
  config.stream.policy = policy;
  config.stream.targets = targets;
  EngineUnderTest e(rules, "", "", config);
  TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
  double at = 0;
  std::string seen;
  for (const auto& frame : {c.syn(), c.syn_ack(), c.ack_from_client(), c.from_client_at(2, "BBBB"),
                            c.from_client_at(o.offset, o.bytes), c.from_client_at(0, std::string(std::min<uint32_t>(o.offset, 2), 'x'))}) {
    const Verdict v = e.run(frame, at += 0.001);
    EXPECT_FALSE(v.drop) << o.name;
    for (uint32_t sid : e.sids(v)) seen += (seen.empty() ? "" : " or ") + by_sid.at(sid - 1);
  }
  return seen;
}

const std::vector<Overlap>& overlaps() {
  using P = StreamPolicy;
  static const std::vector<Overlap> cases = {
      {"starts before and ends past", 1, "CCCCCCC",
       {{P::kFirst, "xCBBBBCC"}, {P::kVista, "xCBBBBCC"}, {P::kLast, "xCCCCCCC"}, {P::kBsd, "xCCCCCCC"},
        {P::kWindows, "xCCCCCCC"}, {P::kLinux, "xCCCCCCC"}, {P::kSolaris, "xCCCCCCC"}}},
      {"fills the gap, starts before and ends past", 0, "CCCCCCCC",
       {{P::kFirst, "CCBBBBCC"}, {P::kVista, "CCBBBBCC"}, {P::kBsd, "CCCCCCCC"}, {P::kSolaris, "CCCCCCCC"}}},
      {"starts before and ends inside", 1, "CCC",
       {{P::kBsd, "xCCCBB"}, {P::kLinux, "xCCCBB"}, {P::kSolaris, "xCBBBB"}, {P::kHpux11, "xCBBBB"},
        {P::kFirst, "xCBBBB"}}},
      {"starts with it and ends past", 2, "CCCCCC",
       {{P::kBsd, "xxBBBBCC"}, {P::kMacos, "xxBBBBCC"}, {P::kLinux, "xxCCCCCC"}, {P::kOldLinux, "xxCCCCCC"},
        {P::kSolaris, "xxCCCCCC"}, {P::kFirst, "xxBBBBCC"}, {P::kLast, "xxCCCCCC"}}},
      {"the same bytes' places", 2, "CCCC",
       {{P::kBsd, "xxBBBB"}, {P::kLinux, "xxBBBB"}, {P::kOldLinux, "xxCCCC"}, {P::kSolaris, "xxCCCC"},
        {P::kHpux11, "xxCCCC"}, {P::kLast, "xxCCCC"}}},
      {"starts inside and ends past", 4, "CCCC",
       {{P::kBsd, "xxBBBBCC"}, {P::kWindows2k3, "xxBBBBCC"}, {P::kLinux, "xxBBBBCC"}, {P::kSolaris, "xxBBCCCC"},
        {P::kLast, "xxBBCCCC"}, {P::kVista, "xxBBBBCC"}}},
  };
  return cases;
}

TEST(StreamPolicy, TheStreamReadsWhatTheReceiversStackKeeps) {
  for (const Overlap& o : overlaps()) {
    for (const auto& [policy, want] : o.read) {
      EXPECT_EQ(read_under(o, policy), want) << o.name << " under " << stream_policy_name(policy);
    }
  }
}

TEST(StreamPolicy, ATargetPrefixChoosesTheServersPolicy) {
  std::string error;
  std::optional<StreamTarget> t = parse_stream_target("10.0.0.0/24=last", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->prefix.bits, 120);
  const Overlap& o = overlaps()[3];  // starts with it and ends past: bsd keeps BBBB, last does not
  EXPECT_EQ(read_under(o, StreamPolicy::kBsd, {*t}), "xxCCCCCC");
  std::optional<StreamTarget> other = parse_stream_target("10.0.1.0/24=last", error);
  ASSERT_TRUE(other);
  EXPECT_EQ(read_under(o, StreamPolicy::kBsd, {*other}), "xxBBBBCC");
  // A longer prefix wins over a shorter one.
  std::optional<StreamTarget> host = parse_stream_target("10.0.0.2=first", error);
  ASSERT_TRUE(host);
  EXPECT_EQ(read_under(o, StreamPolicy::kBsd, {*t, *host}), "xxBBBBCC");

  EXPECT_FALSE(parse_stream_target("10.0.0.0/8=beos", error));
  EXPECT_NE(error.find("windows2k3"), std::string::npos) << error;
  EXPECT_FALSE(parse_stream_target("10.0.0.0/33=linux", error));
  EXPECT_FALSE(parse_stream_target("linux", error));
  for (const std::string_view name : {"first", "old-linux", "hpux10", "irix", "windows2k3"}) {
    ASSERT_TRUE(parse_stream_policy(name)) << name;
    EXPECT_EQ(stream_policy_name(*parse_stream_policy(name)), name);
  }
}

}  // namespace
}  // namespace picket
