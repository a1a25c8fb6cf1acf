// Per-rule counters: the kernel counts, per hardware literal, the frames whose verdict that
// literal's final rule decided. The counters live in a block RAM counted by read, add, write,
// so frames of one rule back to back, a cycle apart, are the case that must not lose a count.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "testing/packet_builder.h"
#include "sim_device.h"
#include "test_tables.h"

namespace picket {
namespace {

Packet udp_frame(const std::string& payload, uint64_t index) {
  Packet p;
  p.bytes = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(4000, 53).payload(payload).build();
  p.wire_length = static_cast<uint32_t>(p.bytes.size());
  p.timestamp_ns = 1'000'000'000;
  p.index = index;
  return p;
}

TEST(RuleCounters, CountEveryFrameTheirRuleDecidedBackToBack) {
  TestTables t = compile_test_tables("counted", "drop udp any any -> any any (content:\"first-li\"; sid:1;)\n"
                                                 "drop udp any any -> any any (content:\"second-l\"; sid:2;)\n");
  ASSERT_TRUE(t.ok);
  ASSERT_EQ(t.tables.plan.report.final_rules, 2u);

  // One-beat frames: runs of one rule (a count every cycle), the two in turn, clean frames.
  std::vector<Packet> packets;
  size_t want_first = 0, want_second = 0;
  auto add = [&](const char* payload, size_t n) {
    for (size_t i = 0; i < n; ++i) packets.push_back(udp_frame(payload, packets.size() + 1));
  };
  add("first-literal", 40);
  want_first += 40;
  for (int i = 0; i < 30; ++i) {
    add(i % 2 ? "second-literal" : "first-literal", 1);
    (i % 2 ? want_second : want_first) += 1;
  }
  add("second-literal", 25);
  want_second += 25;
  add("nothing to see", 5);
  add("first-literal", 7);
  want_first += 7;
  for (const Packet& p : packets) ASSERT_LE(p.bytes.size(), 64u);

  SimDevice sim;
  std::string error;
  ASSERT_TRUE(sim.load(t.tables.image, error)) << error;
  std::vector<DeviceResult> results;
  ASSERT_TRUE(sim.process(packets, results, error)) << error;
  ASSERT_EQ(results.size(), packets.size());

  std::map<uint16_t, uint64_t> decided;  // literal id -> frames its rule decided
  for (const DeviceResult& r : results) {
    if (r.rule_valid) ++decided[r.rule];
  }
  ASSERT_EQ(decided.size(), 2u);
  std::vector<uint64_t> counts;
  for (const auto& [literal, frames] : decided) {
    EXPECT_EQ(sim.rule_frames(literal), frames) << "literal " << literal;
    counts.push_back(frames);
  }
  std::sort(counts.begin(), counts.end());
  EXPECT_EQ(counts, (std::vector<uint64_t>{std::min(want_first, want_second), std::max(want_first, want_second)}));
  EXPECT_EQ(sim.counters().drop_signature, want_first + want_second);
}

}  // namespace
}  // namespace picket
