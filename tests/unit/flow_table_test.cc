#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/packet_builder.h"

namespace picket {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr uint8_t kSyn = tcp_flag::kSyn, kAck = tcp_flag::kAck, kFin = tcp_flag::kFin, kRst = tcp_flag::kRst,
                  kPsh = tcp_flag::kPsh;

DecodedPacket tcp(bool from_client, uint8_t flags, uint16_t vlan = 0) {
  PacketBuilder b;
  if (vlan) b.vlan(vlan);
  if (from_client) b.ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, flags);
  else b.ipv4("10.0.0.2", "10.0.0.1").tcp(80, 40000, flags);
  std::vector<uint8_t> f = b.payload("x").build();
  return decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()));
}

DecodedPacket udp(bool from_client, std::string_view client = "10.0.0.1") {
  std::vector<uint8_t> f = from_client ? PacketBuilder().ipv4(client, "10.0.0.53").udp(5000, 53).build()
                                       : PacketBuilder().ipv4("10.0.0.53", client).udp(53, 5000).build();
  return decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()));
}

struct Seen {
  Direction direction;
  bool established;
  bool created;
  TcpState state;
  uint64_t id;
};

Seen see(FlowTable& t, const DecodedPacket& p, int64_t now = 0) {
  auto ref = t.track(p, 100, now);
  EXPECT_TRUE(ref.has_value());
  if (!ref) return {};
  return {ref->direction, ref->flow->established, ref->created, ref->flow->tcp_state, ref->flow->id};
}

TEST(FlowTable, HandshakeMakesTheFlowEstablishedAtTheThirdPacket) {
  FlowTable t;
  Seen syn = see(t, tcp(true, kSyn));
  EXPECT_TRUE(syn.created);
  EXPECT_EQ(syn.direction, Direction::kToServer);
  EXPECT_FALSE(syn.established);
  EXPECT_EQ(syn.state, TcpState::kSynSent);

  Seen synack = see(t, tcp(false, kSyn | kAck));
  EXPECT_FALSE(synack.created);
  EXPECT_EQ(synack.direction, Direction::kToClient);
  EXPECT_FALSE(synack.established);

  Seen ack = see(t, tcp(true, kAck));
  EXPECT_TRUE(ack.established);
  EXPECT_EQ(ack.state, TcpState::kEstablished);
  EXPECT_EQ(ack.id, syn.id);

  Seen data = see(t, tcp(false, kAck | kPsh));
  EXPECT_EQ(data.direction, Direction::kToClient);
  EXPECT_TRUE(data.established);

  see(t, tcp(true, kFin | kAck));
  Seen last = see(t, tcp(false, kFin | kAck));
  EXPECT_EQ(last.state, TcpState::kClosed);
  EXPECT_TRUE(last.established);  // still established while it closes
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.counters().created, 1u);
}

TEST(FlowTable, WithoutMidstreamAFlowPickedUpLateIsNeverEstablished) {
  FlowTable t;
  Seen first = see(t, tcp(true, kAck | kPsh));
  EXPECT_FALSE(first.established);
  EXPECT_EQ(first.state, TcpState::kNone);
  EXPECT_FALSE(see(t, tcp(false, kAck)).established);
  EXPECT_FALSE(see(t, tcp(true, kAck | kPsh)).established);
}

TEST(FlowTable, MidstreamPickupIsEstablishedAtOnce) {
  FlowConfig c;
  c.midstream = true;
  FlowTable t(c);
  Seen first = see(t, tcp(true, kAck | kPsh));
  EXPECT_TRUE(first.established);
  EXPECT_EQ(first.direction, Direction::kToServer);
  EXPECT_EQ(see(t, tcp(false, kAck)).direction, Direction::kToClient);
}

TEST(FlowTable, FlowFirstSeenAtSynAckBelongsToTheOtherSide) {
  FlowConfig c;
  c.midstream = true;
  FlowTable t(c);
  Seen synack = see(t, tcp(false, kSyn | kAck));
  EXPECT_EQ(synack.direction, Direction::kToClient);
  EXPECT_EQ(see(t, tcp(true, kAck)).direction, Direction::kToServer);
}

TEST(FlowTable, ResetDuringHandshakeNeverEstablishes) {
  FlowTable t;
  see(t, tcp(true, kSyn));
  Seen rst = see(t, tcp(false, kRst | kAck));
  EXPECT_FALSE(rst.established);
  EXPECT_EQ(rst.state, TcpState::kClosed);
}

TEST(FlowTable, UdpIsEstablishedOnceBothDirectionsAreSeen) {
  FlowTable t;
  EXPECT_FALSE(see(t, udp(true)).established);
  EXPECT_FALSE(see(t, udp(true)).established);
  Seen reply = see(t, udp(false));
  EXPECT_EQ(reply.direction, Direction::kToClient);
  EXPECT_TRUE(reply.established);
}

TEST(FlowTable, IcmpEchoRequestAndReplyAreOneFlow) {
  FlowTable t;
  auto req = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp_echo(true, 77, 1).build();
  auto rep = PacketBuilder().ipv4("10.0.0.2", "10.0.0.1").icmp_echo(false, 77, 1).build();
  auto other = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp_echo(true, 78, 1).build();
  Seen a = see(t, decode(req.data(), uint32_t(req.size()), uint32_t(req.size())));
  Seen b = see(t, decode(rep.data(), uint32_t(rep.size()), uint32_t(rep.size())));
  Seen c = see(t, decode(other.data(), uint32_t(other.size()), uint32_t(other.size())));
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(b.direction, Direction::kToClient);
  EXPECT_TRUE(b.established);
  EXPECT_NE(c.id, a.id);
}

TEST(FlowTable, VlanTagsSeparateFlows) {
  FlowTable t;
  Seen a = see(t, tcp(true, kSyn, 10));
  Seen b = see(t, tcp(true, kSyn, 20));
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(t.size(), 2u);
}

TEST(FlowTable, IdleFlowExpiresAndTheNextPacketStartsANewOne) {
  FlowTable t;
  Seen first = see(t, udp(true), 0);
  Seen again = see(t, udp(true), 29 * kSecond);
  EXPECT_EQ(again.id, first.id);
  Seen late = see(t, udp(true), 29 * kSecond + t.config().new_timeout_ns + 1);
  EXPECT_TRUE(late.created);
  EXPECT_NE(late.id, first.id);
  EXPECT_EQ(t.counters().expired, 1u);
}

// Idle time runs on the latest time seen: a packet stamped earlier than one before it does not
// bring back a flow already idle past its timeout at that later time, even one expire() had not
// reached yet (behind a flow with a longer timeout).
TEST(FlowTable, APacketStampedEarlierRevivesNoFlowThatHadEnded) {
  FlowTable t;
  see(t, tcp(true, kSyn), 0);                        // TCP, not established: 60 s
  Seen dns = see(t, udp(true), 1 * kSecond);         // UDP: 30 s, newer than the TCP flow
  see(t, udp(true, "10.0.0.7"), 45 * kSecond);       // the TCP flow is still alive: expire() stops there
  Seen back = see(t, udp(true), 10 * kSecond);       // earlier than 45 s, but 44 s idle at 45 s
  EXPECT_TRUE(back.created);
  EXPECT_NE(back.id, dns.id);
}

TEST(FlowTable, FullTableEvictsTheLeastRecentlySeenFlow) {
  FlowConfig c;
  c.max_flows = 2;
  FlowTable t(c);
  Seen a = see(t, udp(true, "10.0.0.1"), 1);
  see(t, udp(true, "10.0.0.2"), 2);
  see(t, udp(true, "10.0.0.1"), 3);  // a is now the most recent
  see(t, udp(true, "10.0.0.3"), 4);  // evicts 10.0.0.2's flow
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.counters().evicted, 1u);
  EXPECT_EQ(see(t, udp(true, "10.0.0.1"), 5).id, a.id);
  EXPECT_TRUE(see(t, udp(true, "10.0.0.2"), 6).created);
}

// Many flows come and go (the index grows, and evictions take entries out of the middle of
// its probe runs): every flow still in the table is found again as itself, every evicted one
// starts anew.
TEST(FlowTable, UnderChurnEveryLiveFlowIsFoundAndEveryEvictedOneIsNew) {
  FlowConfig c;
  c.max_flows = 3000;
  FlowTable t(c);
  auto client = [](int n) {
    return "10." + std::to_string(n >> 16 & 255) + "." + std::to_string(n >> 8 & 255) + "." + std::to_string(n & 255);
  };
  constexpr int kFlows = 20000;
  std::vector<uint64_t> ids(kFlows);
  for (int n = 0; n < kFlows; ++n) {
    Seen s = see(t, udp(true, client(n)), n);
    ASSERT_TRUE(s.created);
    ids[n] = s.id;
  }
  EXPECT_EQ(t.size(), c.max_flows);
  EXPECT_EQ(t.counters().evicted, uint64_t{kFlows} - c.max_flows);
  for (int n = kFlows - 1; n >= kFlows - static_cast<int>(c.max_flows); --n) {  // newest first: no eviction on the way
    Seen s = see(t, udp(false, client(n)), kFlows);
    ASSERT_FALSE(s.created) << client(n);
    EXPECT_EQ(s.id, ids[n]);
    EXPECT_EQ(s.direction, Direction::kToClient);
  }
  EXPECT_TRUE(see(t, udp(true, client(0)), kFlows).created) << "evicted long ago";
  size_t live = 0;
  t.for_each_flow([&](Flow&) { ++live; });
  EXPECT_EQ(live, t.size());
}

TEST(FlowTable, MalformedPacketsAndFragmentsHaveNoFlow) {
  FlowTable t;
  auto frag = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_fragment(8, false).udp(1, 2).build();
  EXPECT_FALSE(t.track(decode(frag.data(), uint32_t(frag.size()), uint32_t(frag.size())), 60, 0));
  auto bad = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  bad[14] = 0x41;  // IHL 1
  EXPECT_FALSE(t.track(decode(bad.data(), uint32_t(bad.size()), uint32_t(bad.size())), 60, 0));
  auto arp = PacketBuilder().payload("who-has").build();
  EXPECT_FALSE(t.track(decode(arp.data(), uint32_t(arp.size()), uint32_t(arp.size())), 60, 0));
  EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, CountsPacketsAndBytesPerDirection) {
  FlowTable t;
  see(t, udp(true));
  see(t, udp(true));
  auto ref = t.track(udp(false), 100, 0);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->flow->packets[0], 2u);
  EXPECT_EQ(ref->flow->packets[1], 1u);
  EXPECT_EQ(ref->flow->bytes[0], 200u);
}

struct Marked : FlowData {
  int mark = 0;
  static int alive;
  Marked() { ++alive; }
  ~Marked() override { --alive; }
};
int Marked::alive = 0;

TEST(FlowSlots, StateHangsOffItsFlowAndGoesWithIt) {
  const FlowSlot a = register_flow_slot("test.a");
  const FlowSlot b = register_flow_slot("test.b");
  EXPECT_NE(a, b);
  EXPECT_EQ(register_flow_slot("test.a"), a) << "one name, one slot";
  EXPECT_EQ(flow_slot_name(b), "test.b");

  FlowConfig config;
  config.new_timeout_ns = config.established_timeout_ns = 10 * kSecond;
  FlowTable t(config);
  auto ref = t.track(udp(true), 100, 0);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->flow->data.find<Marked>(a), nullptr) << "a new flow has no state";
  ref->flow->data.emplace<Marked>(a).mark = 7;
  EXPECT_EQ(ref->flow->data.find<Marked>(b), nullptr) << "each slot apart";
  ref->flow->data.emplace<Marked>(b).mark = 9;

  auto again = t.track(udp(false), 100, kSecond);  // the reply: the same flow, its state kept
  ASSERT_TRUE(again);
  ASSERT_NE(again->flow->data.find<Marked>(a), nullptr);
  EXPECT_EQ(again->flow->data.find<Marked>(a)->mark, 7);
  EXPECT_EQ(again->flow->data.emplace<Marked>(a).mark, 7) << "emplace finds what is there";
  again->flow->data.erase(a);
  EXPECT_EQ(again->flow->data.find<Marked>(a), nullptr);
  EXPECT_EQ(again->flow->data.find<Marked>(b)->mark, 9);
  EXPECT_EQ(Marked::alive, 1);

  // Idle past its timeout, the flow is gone with its state; the next packet starts afresh.
  auto later = t.track(udp(true), 100, 60 * kSecond);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->created);
  EXPECT_EQ(later->flow->data.find<Marked>(b), nullptr);
  EXPECT_EQ(Marked::alive, 0);
}

}  // namespace
}  // namespace picket
