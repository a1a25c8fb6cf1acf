// The card's flow table (hw/flow_table.sv) alone, against the host's (host/flow/flow_table.h):
// wherever the card says it knows a flow's direction, it must be the host's, on random
// traffic of few endpoints (both directions, SYN, SYN/ACK and mid-stream starts, idle gaps
// around the timeouts, frames back to back); and the cases where it must not claim to know:
// a set that was full, a flow idle past the shortest timeout, an address pair the card could
// not key or only the host saw.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>

#include "Vpicket_stages.h"
#include "device/table_bits.h"
#include "sim_device.h"
#include "test_tables.h"
#include "flow/flow_table.h"
#include "packet/decoder.h"
#include "testing/packet_builder.h"
#include "verilated.h"
#include "vl_address.h"

namespace picket {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct FlowOut {
  hw::FlowState state;
  bool to_server, proven, learned;
};

class FlowSim {
 public:
  explicit FlowSim(const FlowConfig& c)
      : ctx_(std::make_unique<VerilatedContext>()), top_(std::make_unique<Vpicket_stages>(ctx_.get())) {
    top_->fl_min_idle = static_cast<uint64_t>(c.shortest_timeout_ns());
    top_->fl_max_idle = static_cast<uint64_t>(c.longest_timeout_ns());
    top_->rst = 1;
    tick();
    tick();
    top_->rst = 0;
    while (top_->fl_flushing) tick();  // the table empties itself after reset, a set a cycle
  }
  ~FlowSim() { top_->final(); }

  // Offers one decoded packet this cycle (keyed as the kernel keys it).
  void offer(const DecodedPacket& p, int64_t now) {
    top_->fl_in_valid = 1;
    top_->fl_in_keyed = p.ok() && p.has_l4 && !p.fragment && (p.is_tcp() || p.is_udp());
    top_->fl_in_unkeyed = p.ok() && p.is_ip() && p.fragment;
    top_->fl_in_now = static_cast<uint64_t>(now);
    set_address(top_->fl_in_src, p.src);
    set_address(top_->fl_in_dst, p.dst);
    top_->fl_in_src_port = p.src_port;
    top_->fl_in_dst_port = p.dst_port;
    top_->fl_in_ip_proto = p.ip_proto;
    top_->fl_in_tcp_flags = p.tcp_flags;
    top_->fl_in_vlan_count = p.vlan_count;
    top_->fl_in_vlan0 = p.vlan_count > 0 ? p.vlan_ids[0] : 0;
    top_->fl_in_vlan1 = p.vlan_count > 1 ? p.vlan_ids[1] : 0;
    tick();
    top_->fl_in_valid = 0;
  }
  void host_packet(const IpAddress& a, const IpAddress& b, int64_t now) {
    top_->fl_host_mark = 1;
    top_->fl_host_mark_pair = static_cast<uint16_t>(hw::flow_pair_hash(a.value(), b.value()));
    top_->fl_host_clock_valid = 1;
    top_->fl_host_clock = static_cast<uint64_t>(now);
    tick();
    top_->fl_host_mark = 0;
    top_->fl_host_clock_valid = 0;
  }
  void idle(int n) {
    for (int i = 0; i < n; ++i) tick();
  }

  std::vector<FlowOut> outs;

 private:
  void tick() {
    top_->clk = 0;
    top_->eval();
    top_->clk = 1;
    top_->eval();
    if (top_->fl_out_valid) {
      outs.push_back({static_cast<hw::FlowState>(top_->fl_out_state), bool(top_->fl_out_to_server),
                      bool(top_->fl_out_client_proven), bool(top_->fl_out_learned)});
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vpicket_stages> top_;
};

DecodedPacket tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags) {
  auto f = PacketBuilder().ipv4(src, dst).tcp(sport, dport, flags).build();
  return decode(f.data(), uint32_t(f.size()), uint32_t(f.size()));
}
DecodedPacket udp(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  auto f = PacketBuilder().ipv4(src, dst).udp(sport, dport).build();
  return decode(f.data(), uint32_t(f.size()), uint32_t(f.size()));
}

// Both tables see the same packets; the card's answers come two cycles on.
struct BothTables {
  FlowTable host;
  FlowSim card;
  std::vector<FlowRef> refs;
  std::vector<bool> proven;  // the host's, when tracked: a FlowRef's flow may move after
  explicit BothTables(FlowConfig c = {}) : host(c), card(c) {}
  void packet(const DecodedPacket& p, int64_t now, int gap = 0) {
    std::optional<FlowRef> r = host.track(p, 100, now);
    refs.push_back(r.value_or(FlowRef{}));
    proven.push_back(r && r->flow->client_proven);
    card.offer(p, now);
    card.idle(gap);
  }
  // How many answers the card claimed to know; each one must be the host's.
  size_t check() {
    card.idle(4);
    EXPECT_EQ(card.outs.size(), refs.size());
    size_t known = 0;
    for (size_t i = 0; i < std::min(card.outs.size(), refs.size()); ++i) {
      const FlowOut& o = card.outs[i];
      if (o.state != hw::FlowState::kKnown) continue;
      ++known;
      EXPECT_TRUE(refs[i].flow) << "packet " << i;
      if (!refs[i].flow) continue;
      EXPECT_EQ(o.to_server, refs[i].direction == Direction::kToServer) << "packet " << i;
      EXPECT_EQ(o.proven, proven[i]) << "packet " << i;
    }
    return known;
  }
};

TEST(FlowTableRtl, RandomTrafficDirectionsAreTheHostsWhereverTheCardKnowsThem) {
  std::mt19937 rng(20261203);
  const char* hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
  const uint16_t ports[] = {80, 443, 40000, 40001};
  const uint8_t flags[] = {tcp_flag::kSyn, tcp_flag::kSyn | tcp_flag::kAck, tcp_flag::kAck,
                           tcp_flag::kAck | tcp_flag::kPsh, tcp_flag::kRst, tcp_flag::kFin | tcp_flag::kAck};
  BothTables run;
  int64_t now = 1'700'000'000 * kSecond;
  for (int n = 0; n < 4000; ++n) {
    // Mostly close together, sometimes past the shortest timeout (30 s) or the longest (600 s),
    // and now and then a little back in time.
    const int r = int(rng() % 100);
    now += r < 90 ? int64_t(rng() % 1000) * 1'000'000 : r < 96 ? 45 * kSecond : r < 98 ? 700 * kSecond : -kSecond;
    const char* a = hosts[rng() % 3];
    const char* b = hosts[rng() % 3];
    uint16_t pa = ports[rng() % 4], pb = ports[rng() % 4];
    DecodedPacket p = rng() % 4 == 0 ? udp(a, pa, b, pb) : tcp(a, pa, b, pb, flags[rng() % std::size(flags)]);
    run.packet(p, now, rng() % 3 == 0 ? int(rng() % 3) : 0);
  }
  const size_t known = run.check();
  std::printf("%zu of %zu packets with a direction the card knew\n", known, run.refs.size());
  EXPECT_GT(known, run.refs.size() / 2);  // the table answers for most, or the test means little
}

TEST(FlowTableRtl, TwoFramesOfANewFlowBackToBackMakeOneFlow) {
  BothTables run;
  const int64_t t = 1'700'000'000 * kSecond;
  run.packet(tcp("10.1.0.1", 5000, "10.1.0.2", 80, tcp_flag::kSyn), t);
  run.packet(tcp("10.1.0.2", 80, "10.1.0.1", 5000, tcp_flag::kSyn | tcp_flag::kAck), t + 1);
  run.packet(tcp("10.1.0.1", 5000, "10.1.0.2", 80, tcp_flag::kAck), t + 2);
  EXPECT_EQ(run.check(), 3u);
  ASSERT_EQ(run.card.outs.size(), 3u);
  EXPECT_TRUE(run.card.outs[0].learned);
  EXPECT_FALSE(run.card.outs[1].learned);  // found in the set the first frame was writing
  EXPECT_FALSE(run.card.outs[1].to_server);
  EXPECT_TRUE(run.card.outs[2].to_server);
}

TEST(FlowTableRtl, AFlowIdlePastTheShortestTimeoutIsNoLongerKnownAndPastTheLongestBeginsAgain) {
  BothTables run;
  const int64_t t = 1'700'000'000 * kSecond;
  run.packet(udp("10.2.0.1", 53000, "10.2.0.2", 53), t);
  run.packet(udp("10.2.0.2", 53, "10.2.0.1", 53000), t + 40 * kSecond);  // past UDP's 30 s
  run.packet(udp("10.2.0.2", 53, "10.2.0.1", 53000), t + 41 * kSecond);  // stays unknown
  run.packet(udp("10.2.0.2", 53, "10.2.0.1", 53000), t + 700 * kSecond);  // a new flow, this side the client
  run.check();
  ASSERT_EQ(run.card.outs.size(), 4u);
  EXPECT_EQ(run.card.outs[1].state, hw::FlowState::kUntrusted);
  EXPECT_EQ(run.card.outs[2].state, hw::FlowState::kUntrusted);
  EXPECT_EQ(run.card.outs[3].state, hw::FlowState::kKnown);
  EXPECT_TRUE(run.card.outs[3].learned);
  EXPECT_TRUE(run.card.outs[3].to_server);
}

TEST(FlowTableRtl, PairsTheCardCannotKeyOrOnlyTheHostSawAreNoLongerKnown) {
  BothTables run;
  const int64_t t = 1'700'000'000 * kSecond;
  run.packet(tcp("10.3.0.1", 6000, "10.3.0.2", 80, tcp_flag::kSyn), t);
  run.packet(tcp("10.4.0.1", 6000, "10.4.0.2", 80, tcp_flag::kSyn), t);
  // A fragment between the first pair: its datagram's flow is the host's to key.
  auto frag = PacketBuilder().ipv4("10.3.0.2", "10.3.0.1").ipv4_fragment(0, true, 9).udp(7, 8).payload("x").build();
  run.packet(decode(frag.data(), uint32_t(frag.size()), uint32_t(frag.size())), t);
  run.card.host_packet(IpAddress::parse("10.4.0.2").value(), IpAddress::parse("10.4.0.1").value(), t);
  run.packet(tcp("10.3.0.2", 80, "10.3.0.1", 6000, tcp_flag::kSyn | tcp_flag::kAck), t + 1);
  run.packet(tcp("10.4.0.2", 80, "10.4.0.1", 6000, tcp_flag::kSyn | tcp_flag::kAck), t + 1);
  run.packet(tcp("10.5.0.1", 6000, "10.5.0.2", 80, tcp_flag::kSyn), t + 1);  // another pair: known
  run.check();
  ASSERT_EQ(run.card.outs.size(), 6u);
  EXPECT_EQ(run.card.outs[3].state, hw::FlowState::kUntrusted);
  EXPECT_EQ(run.card.outs[4].state, hw::FlowState::kUntrusted);
  EXPECT_EQ(run.card.outs[5].state, hw::FlowState::kKnown);
}

// Flows whose keys fall in one set (found with the card's own hash): past its ways, a new flow
// is FULL, and flows that come to the set afterwards are not trusted, since one was lost.
TEST(FlowTableRtl, AFullSetHandsNewFlowsOverAndTrustsNoLaterNewcomer) {
  const IpAddress a = IpAddress::parse("10.6.0.1").value(), b = IpAddress::parse("10.6.0.2").value();
  auto set_of = [&](uint16_t sport, uint16_t dport) {
    // The key as hw/flow_table.sv packs it: lo, hi, lo_port, hi_port, proto, VLANs (none).
    std::array<uint64_t, 6> k{};
    const uint128 lo = a.value(), hi = b.value();
    k[0] = uint64_t(lo);
    k[1] = uint64_t(lo >> 64);
    k[2] = uint64_t(hi);
    k[3] = uint64_t(hi >> 64);
    k[4] = uint64_t{sport} | uint64_t{dport} << 16 | uint64_t{6} << 32;
    return static_cast<uint32_t>(hw::h3(hw::kFlowHashColumns, k));
  };
  // The hash is linear: over one port's 16 bits a set has at most 4 keys, so both ports vary.
  std::map<uint32_t, std::vector<std::pair<uint16_t, uint16_t>>> by_set;
  std::vector<std::pair<uint16_t, uint16_t>> same;
  for (uint32_t dport = 1; dport < 64 && same.size() < hw::kFlowWays + 2; ++dport) {
    for (uint32_t sport = 1024; sport < 4096 && same.size() < hw::kFlowWays + 2; ++sport) {
      auto& v = by_set[set_of(uint16_t(sport), uint16_t(dport))];
      v.emplace_back(uint16_t(sport), uint16_t(dport));
      if (v.size() > same.size()) same = v;
    }
  }
  ASSERT_EQ(same.size(), hw::kFlowWays + 2);
  BothTables run;
  const int64_t t = 1'700'000'000 * kSecond;
  for (auto [sport, dport] : same) run.packet(tcp("10.6.0.1", sport, "10.6.0.2", dport, tcp_flag::kSyn), t);
  run.check();
  ASSERT_EQ(run.card.outs.size(), same.size());
  for (unsigned w = 0; w < hw::kFlowWays; ++w) EXPECT_EQ(run.card.outs[w].state, hw::FlowState::kKnown);
  EXPECT_EQ(run.card.outs[hw::kFlowWays].state, hw::FlowState::kFull);
  EXPECT_EQ(run.card.outs[hw::kFlowWays + 1].state, hw::FlowState::kFull);
  // Past the longest timeout the ways are free again, but the set lost a flow once.
  run.packet(tcp("10.6.0.1", same[0].first, "10.6.0.2", same[0].second, tcp_flag::kSyn), t + 700 * kSecond);
  run.check();
  EXPECT_TRUE(run.card.outs.back().learned);
  EXPECT_EQ(run.card.outs.back().state, hw::FlowState::kUntrusted);
}

// The whole kernel: minimum-size frames back to back, every one a new flow. The input takes a
// beat every cycle, and every flow is learned (or, where its set is full, counted so).
TEST(FlowTableRtl, EverySixtyFourByteFrameANewFlowAtLineRate) {
  TestTables t = compile_test_tables("line-rate.rules", "alert tcp any any -> any 9 (content:\"needle-8\"; sid:1;)\n");
  ASSERT_TRUE(t.ok);
  SimDevice sim;
  std::string error;
  ASSERT_TRUE(sim.set_flows({30 * kSecond, 600 * kSecond, true}, error)) << error;
  ASSERT_TRUE(sim.load(t.tables.image, error)) << error;
  sim.use_packet_time(true);
  std::vector<Packet> frames;
  for (uint32_t i = 0; i < 4000; ++i) {
    Packet p;
    p.bytes = PacketBuilder()
                  .ipv4(IpAddress::from_v4(0x0a000000 | (i >> 8)), IpAddress::from_v4(0x0b000000 | (i & 0xff)))
                  .tcp(static_cast<uint16_t>(1024 + i), 80, tcp_flag::kSyn)
                  .build();
    p.bytes.resize(60, 0);  // Ethernet's minimum without the FCS: one beat
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = 1'700'000'000 * kSecond + i;
    frames.push_back(std::move(p));
  }
  std::vector<DeviceResult> results;
  const uint64_t stalls = sim.input_stall_cycles();
  ASSERT_TRUE(sim.process(frames, results, error)) << error;
  ASSERT_EQ(results.size(), frames.size());
  EXPECT_EQ(sim.input_stall_cycles(), stalls);  // never held back
  const DeviceCounters c = sim.counters();
  EXPECT_EQ(c.flow_learned + c.flow_full, frames.size());
  // Learned flows are known, but for those a set takes after it was once full.
  size_t known = 0, untrusted = 0;
  for (const DeviceResult& r : results) {
    known += r.flow_state == hw::FlowState::kKnown && r.to_server && r.client_proven;
    untrusted += r.flow_state == hw::FlowState::kUntrusted;
  }
  EXPECT_EQ(known + untrusted, c.flow_learned);
  EXPECT_GT(known, frames.size() * 9 / 10);
  std::printf("%zu new flows in %zu one-beat frames: %llu learned, %llu in full sets\n", frames.size(), frames.size(),
              static_cast<unsigned long long>(c.flow_learned), static_cast<unsigned long long>(c.flow_full));
}

// A card keeps its flow table across host runs; the host's begins empty, so setting the flows
// up again empties the card's: a flow it knew is learned anew from its next frame.
TEST(FlowTableRtl, SettingUpFlowsAgainForgetsEveryFlow) {
  TestTables t = compile_test_tables("forget.rules", "alert tcp any any -> any 9 (content:\"needle-8\"; sid:1;)\n");
  ASSERT_TRUE(t.ok);
  SimDevice sim;
  std::string error;
  const DeviceFlowSettings flows{30 * kSecond, 600 * kSecond, true};
  ASSERT_TRUE(sim.set_flows(flows, error)) << error;
  ASSERT_TRUE(sim.load(t.tables.image, error)) << error;
  sim.use_packet_time(true);
  auto frame = [](uint8_t flags, bool from_client) {
    Packet p;
    p.bytes = from_client ? PacketBuilder().ipv4("10.7.0.1", "10.7.0.2").tcp(5000, 80, flags).build()
                          : PacketBuilder().ipv4("10.7.0.2", "10.7.0.1").tcp(80, 5000, flags).build();
    p.wire_length = static_cast<uint32_t>(p.bytes.size());
    p.timestamp_ns = 1'700'000'000 * kSecond;
    return std::vector<Packet>{p};
  };
  std::vector<DeviceResult> r;
  ASSERT_TRUE(sim.process(frame(tcp_flag::kSyn, true), r, error)) << error;
  ASSERT_TRUE(sim.process(frame(tcp_flag::kSyn | tcp_flag::kAck, false), r, error)) << error;
  EXPECT_EQ(sim.counters().flow_learned, 1u);
  EXPECT_FALSE(r[0].to_server);
  ASSERT_TRUE(sim.set_flows(flows, error)) << error;
  ASSERT_TRUE(sim.process(frame(tcp_flag::kAck, false), r, error)) << error;
  EXPECT_EQ(sim.counters().flow_learned, 2u);  // begun again, by the server's ACK
  EXPECT_TRUE(r[0].to_server);
}

}  // namespace
}  // namespace picket
