// A table update during traffic: the host loads new tables while frames stream through the
// kernel, some of them half sent. Every frame must come out, in order, judged wholly under the
// tables that were active when its first beat entered — the bank in its result says which,
// and its verdict must be that bank's.

#include <gtest/gtest.h>

#include "testing/packet_builder.h"
#include "sim_device.h"
#include "test_tables.h"

namespace picket {
namespace {

// Tables for one rule file's text, with no identities or policy.
TableImage image_of(const std::string& rules, const std::string& name, size_t final_rules) {
  TestTables t = compile_test_tables(name, rules);
  if (!t.ok) return {};
  EXPECT_EQ(t.tables.plan.report.final_rules, final_rules);  // the card drops on its own
  return t.tables.image;
}

// UDP frames of many sizes (one to 24 beats), carrying one of two payloads in turn.
std::vector<Packet> traffic(size_t count) {
  std::vector<Packet> packets;
  for (size_t i = 0; i < count; ++i) {
    std::string payload = i % 2 ? "second-literal" : "first-literal";
    payload.resize(18 + (i * 97) % 1480, '.');
    Packet p;
    p.bytes = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(4000, 53).payload(payload).build();
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = 1'000'000'000;
    p.index = i + 1;
    packets.push_back(std::move(p));
  }
  return packets;
}

// Frame i's first beat's index in the batch.
std::vector<uint64_t> first_beats(const std::vector<Packet>& packets) {
  std::vector<uint64_t> at;
  uint64_t beat = 0;
  for (const Packet& p : packets) {
    at.push_back(beat);
    beat += (p.bytes.size() + 63) / 64;
  }
  return at;
}

TEST(TableSwap, EveryFrameIsJudgedUnderExactlyOneGeneration) {
  const std::string first = "drop udp any any -> any any (content:\"first-li\"; sid:1;)\n";
  const std::string second = "drop udp any any -> any any (content:\"second-l\"; sid:2;)\n";
  TableImage drop_first = image_of(first, "first.rules", 1);
  TableImage drop_second = image_of(second, "second.rules", 1);
  TableImage drop_both = image_of(first + second, "both.rules", 2);
  // The output stalls at random half the time, so frames queue in the kernel and the second
  // load must wait for frames still in flight under the bank it is about to rewrite.
  SimDevice sim(SimOptions{0.5, 3});
  std::string error;
  ASSERT_TRUE(sim.load(drop_first, error)) << error;
  uint8_t first_bank = 0;
  {
    std::vector<DeviceResult> warm;
    std::vector<Packet> one = traffic(1);
    ASSERT_TRUE(sim.process(one, warm, error)) << error;
    first_bank = warm[0].bank;
  }

  std::vector<Packet> packets = traffic(3000);
  std::vector<uint64_t> starts = first_beats(packets);
  // Load the second tables mid-frame (before frame 1000's third beat), then, mid-frame three
  // frames later, the third ones into the bank the first ones held.
  ASSERT_GE((packets[1000].bytes.size() + 63) / 64, 3u);
  const uint64_t swap1 = starts[1000] + 2, swap2 = starts[1003] + 1;
  bool loaded1 = false, loaded2 = false;
  sim.before_beat(swap1, [&] {
    loaded1 = sim.load(drop_second, error);
    // The next action is set from within this one, after the first load is done.
    sim.before_beat(swap2, [&] { loaded2 = sim.load(drop_both, error); });
  });
  std::vector<DeviceResult> results;
  ASSERT_TRUE(sim.process(packets, results, error)) << error;
  ASSERT_TRUE(loaded1 && loaded2) << error;
  ASSERT_EQ(results.size(), packets.size());  // none lost

  size_t differences = 0, under_second = 0, under_third = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    int tables = starts[i] < swap1 ? 1 : starts[i] < swap2 ? 2 : 3;
    uint8_t want_bank = tables == 2 ? first_bank ^ 1 : first_bank;
    // Even frames carry the first literal, odd ones the second.
    bool want_drop = tables == 3 || (i % 2 == 1) == (tables == 2);
    under_second += tables == 2;
    under_third += tables == 3;
    const DeviceResult& r = results[i];
    bool dropped = r.verdict == hw::Verdict::kDrop && r.reason == hw::Reason::kSignature;
    if (r.bank != want_bank || dropped != want_drop) {
      if (++differences <= 5) {
        ADD_FAILURE() << "frame " << i << ": bank " << +r.bank << " (want " << +want_bank << "), "
                      << (dropped ? "dropped" : "not dropped") << " (want " << (want_drop ? "dropped" : "not dropped")
                      << ")";
      }
    }
  }
  EXPECT_EQ(differences, 0u);
  // Frames 1001 to 1003 ran under the second tables; 1000 had entered before the first load.
  EXPECT_EQ(under_second, 3u);
  EXPECT_EQ(under_third, packets.size() - 1004);
  EXPECT_EQ(sim.generation(), 3u);
  DeviceCounters c = sim.counters();
  EXPECT_EQ(c.packets, packets.size() + 1);
}

}  // namespace
}  // namespace picket
