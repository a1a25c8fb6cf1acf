// IP defragmentation, tried as an attacker fragments an attack: in order, out of order, in
// tiny pieces, over IPv6, with overlaps that say other bytes, against timeouts and the memory
// cap. Each case checks what a receiver would get: which fragments are forwarded, and what the
// datagram they make says.
#include <gtest/gtest.h>

#include "defrag/ip_defrag.h"
#include "engine_fixture.h"
#include "packet/decoder.h"
#include "testing/ip_fragments.h"
#include "testing/packet_builder.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using testing_support::FragmentPiece;
using testing_support::fragments_of;
using testing_support::ip_payload;
using testing_support::ipv4_fragment_of;
using testing_support::ipv6_fragment_of;
using Frame = std::vector<uint8_t>;

constexpr const char* kDropPasswd = "drop tcp any any -> any 80 (content:\"/etc/passwd\"; sid:1;)\n";

Frame request_v4(std::string_view text = "GET /etc/passwd HTTP/1.0\r\n\r\n") {
  return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 1001, 1).payload(text).build();
}

Frame request_v6() {
  return PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(40000, 80, tcp_flag::kAck | tcp_flag::kPsh, 1001, 1)
      .payload("GET /etc/passwd HTTP/1.0\r\n\r\n").build();
}

TEST(Defrag, AnAttackInFragmentsIsDroppedOnTheFragmentThatCompletesIt) {
  EngineUnderTest e(kDropPasswd);
  std::vector<Frame> pieces = fragments_of(request_v4(), 16, 7);
  ASSERT_EQ(pieces.size(), 3u);  // 20 bytes of TCP header and 28 of request
  Verdict first = e.run(pieces[0]);
  EXPECT_FALSE(first.drop);
  EXPECT_TRUE(first.alerts.empty());
  EXPECT_FALSE(e.run(pieces[1]).drop);
  Verdict last = e.run(pieces[2]);
  EXPECT_TRUE(last.drop);
  EXPECT_EQ(e.sids(last), std::vector<uint32_t>{1});
  EXPECT_TRUE(last.decoded.reassembled);
  EXPECT_EQ(last.decoded.dst_port, 80);  // the datagram was judged, with its ports
  EXPECT_EQ(e.engine->defrag().counters().reassembled, 1u);
}

TEST(Defrag, OutOfOrderAndTinyFragmentsMakeTheSameDatagram) {
  EngineUnderTest e(kDropPasswd);
  std::vector<Frame> pieces = fragments_of(request_v4(), 8, 9);  // the TCP header itself is split
  ASSERT_EQ(pieces.size(), 6u);
  int dropped = 0;
  for (size_t i = pieces.size(); i-- > 0;) dropped += e.run(pieces[i]).drop;
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(e.engine->counters().dropped_packets[static_cast<size_t>(DropReason::kSignature)], 1u);
}

TEST(Defrag, Ipv6FragmentsAreReassembled) {
  EngineUnderTest e(kDropPasswd);
  std::vector<Frame> pieces = fragments_of(request_v6(), 24, 0xabcdef);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_FALSE(e.run(pieces[1]).drop);
  Verdict v = e.run(pieces[0]);
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.decoded.l3, L3::kIpv6);
  EXPECT_EQ(e.sids(v), std::vector<uint32_t>{1});
}

TEST(Defrag, AFragmentAloneMatchesNoRuleThatNamesPorts) {
  EngineUnderTest e("alert tcp any any -> any 80 (content:\"GET\"; sid:2;)\n");
  std::vector<Frame> pieces = fragments_of(request_v4(), 24, 3);
  EXPECT_TRUE(e.run(pieces[0]).alerts.empty());  // holds "GET", but no ports yet
  EXPECT_EQ(e.sids(e.run(pieces[1])), std::vector<uint32_t>{2});
}

TEST(Defrag, OverlapWithOtherBytesIsDroppedSoTheReceiverNeverCompletesIt) {
  // The attacker sends a harmless request, then rewrites its path with an overlapping fragment
  // a receiver that favours new bytes would take. Inline, that fragment is dropped.
  EngineUnderTest e(kDropPasswd + std::string("alert pkthdr any any -> any any (decode-event:ipv4.frag_overlap; sid:9;)\n"));
  const Frame whole = request_v4("GET /etc/passwx HTTP/1.0\r\n\r\n");
  const std::string p = ip_payload(whole);
  EXPECT_FALSE(e.run(ipv4_fragment_of(whole, {0, p.substr(0, 32), true}, 5)).drop);
  std::string rewrite = p.substr(24, 8);
  rewrite[7] = 'd';  // "/passwx" -> "/passwd"
  Verdict v = e.run(ipv4_fragment_of(whole, {24, rewrite, true}, 5));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kFragment);
  EXPECT_EQ(e.sids(v), std::vector<uint32_t>{9});
  // The rest completes the datagram as first given: harmless, forwarded.
  Verdict rest = e.run(ipv4_fragment_of(whole, {32, p.substr(32), false}, 5));
  EXPECT_FALSE(rest.drop);
  EXPECT_TRUE(rest.decoded.reassembled);
  EXPECT_EQ(e.engine->defrag().counters().conflicts, 1u);
}

TEST(Defrag, TheSameBytesAgainAreAnOverlapButNotAConflict) {
  EngineUnderTest e("alert tcp any any -> any 80 (content:\"HTTP/1.0\"; sid:3;)\n");
  const Frame whole = request_v4();
  const std::string p = ip_payload(whole);
  e.run(ipv4_fragment_of(whole, {0, p.substr(0, 32), true}, 5));
  EXPECT_FALSE(e.run(ipv4_fragment_of(whole, {16, p.substr(16, 16), true}, 5)).drop);
  EXPECT_EQ(e.sids(e.run(ipv4_fragment_of(whole, {32, p.substr(32), false}, 5))), std::vector<uint32_t>{3});
  // After completion, the same bytes again are forwarded; other bytes are dropped.
  EXPECT_FALSE(e.run(ipv4_fragment_of(whole, {32, p.substr(32), false}, 5)).drop);
  EXPECT_TRUE(e.run(ipv4_fragment_of(whole, {32, std::string(p.size() - 32, 'x'), false}, 5)).drop);
  EXPECT_EQ(e.engine->defrag().counters().overlaps, 3u);
  EXPECT_EQ(e.engine->defrag().counters().conflicts, 1u);
}

// Three fragments over 24 bytes, the second overlapping both others, as the overlap-policy
// papers draw it: what each policy makes of it, with overlaps accepted (as an IDS would).
//
//   offset   0       8       16      24
//   A        [AAAAAAAAAAAAAAAA)               first, 0..16
//   B                [BBBBBBBBBBBBBBBB)       second, 8..24 (more fragments)
//   C        [CCCCCCCC)                       third, 0..8
//   D                                [DDDD)   last, 24..32
std::string reassemble(FragmentPolicy policy) {
  DefragConfig config;
  config.policy = policy;
  config.drop_conflicts = false;
  Defragmenter defrag(config);
  const Frame whole = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(std::string(24, '-')).build();
  auto add = [&](uint32_t offset, char c, uint32_t length, bool more) {
    Frame f = ipv4_fragment_of(whole, {offset, std::string(length, c), more}, 11);
    DecodedPacket d = decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()));
    return defrag.add(f, d, 0);
  };
  add(0, 'A', 16, true);
  add(8, 'B', 16, true);
  add(0, 'C', 8, true);
  if (add(24, 'D', 8, false).outcome != Defragmenter::Outcome::kReassembled) return "incomplete";
  std::span<const uint8_t> dg = defrag.datagram();
  DecodedPacket d = decode(dg.data(), static_cast<uint32_t>(dg.size()), static_cast<uint32_t>(dg.size()));
  EXPECT_EQ(d.l3, L3::kIpv4);  // its UDP header is the fragments' letters: only the bytes matter
  EXPECT_FALSE(d.fragment);
  return std::string(dg.begin() + d.l4_offset, dg.end());
}

TEST(Defrag, EachOverlapPolicyKeepsItsOwnBytes) {
  EXPECT_EQ(reassemble(FragmentPolicy::kFirst), "AAAAAAAAAAAAAAAABBBBBBBBDDDDDDDD");
  EXPECT_EQ(reassemble(FragmentPolicy::kLast), "CCCCCCCCBBBBBBBBBBBBBBBBDDDDDDDD");
  // bsd: a new fragment wins only where it begins lower; C begins where A does.
  EXPECT_EQ(reassemble(FragmentPolicy::kBsd), "AAAAAAAAAAAAAAAABBBBBBBBDDDDDDDD");
  // linux: ... or at the same offset, so C replaces A's first 8 bytes.
  EXPECT_EQ(reassemble(FragmentPolicy::kLinux), "CCCCCCCCAAAAAAAABBBBBBBBDDDDDDDD");
  // bsd-right: a new fragment wins where it begins higher: B over A.
  EXPECT_EQ(reassemble(FragmentPolicy::kBsdRight), "AAAAAAAABBBBBBBBBBBBBBBBDDDDDDDD");
  // windows and solaris: only a fragment beginning lower and covering the old one wins.
  EXPECT_EQ(reassemble(FragmentPolicy::kWindows), "AAAAAAAAAAAAAAAABBBBBBBBDDDDDDDD");
  EXPECT_EQ(reassemble(FragmentPolicy::kSolaris), "AAAAAAAAAAAAAAAABBBBBBBBDDDDDDDD");
}

TEST(Defrag, WindowsAndSolarisDifferWhereANewFragmentEndsWithTheOld) {
  // A: 8..16; B: 0..16 begins lower and ends where A ends: solaris takes it, windows does not.
  for (auto [policy, want] : {std::pair{FragmentPolicy::kSolaris, std::string(16, 'B')},
                              std::pair{FragmentPolicy::kWindows, std::string(8, 'B') + std::string(8, 'A')}}) {
    DefragConfig config;
    config.policy = policy;
    config.drop_conflicts = false;
    Defragmenter defrag(config);
    const Frame whole = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(std::string(8, '-')).build();
    auto add = [&](uint32_t offset, char c, uint32_t length, bool more) {
      Frame f = ipv4_fragment_of(whole, {offset, std::string(length, c), more}, 12);
      return defrag.add(f, decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size())), 0);
    };
    add(8, 'A', 8, false);
    ASSERT_EQ(add(0, 'B', 16, true).outcome, Defragmenter::Outcome::kReassembled);
    std::span<const uint8_t> dg = defrag.datagram();
    EXPECT_EQ(std::string(dg.end() - 16, dg.end()), want) << fragment_policy_name(policy);
  }
}

TEST(Defrag, ATargetPrefixChoosesItsPolicy) {
  std::string error;
  std::optional<FragmentTarget> t = parse_fragment_target("10.0.0.0/24=last", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->prefix.bits, 120);
  EXPECT_FALSE(parse_fragment_target("10.0.0.0/33=last", error));
  EXPECT_FALSE(parse_fragment_target("10.0.0.0/8=beos", error));
  EXPECT_FALSE(parse_fragment_target("nowhere=linux", error));
  DefragConfig config;
  config.targets.push_back(*t);
  config.drop_conflicts = false;
  Defragmenter defrag(config);
  const Frame whole = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(std::string(8, '-')).build();
  for (auto [c, more] : {std::pair{'A', true}, std::pair{'B', true}}) {
    Frame f = ipv4_fragment_of(whole, {0, std::string(8, c), more}, 13);
    defrag.add(f, decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size())), 0);
  }
  Frame last = ipv4_fragment_of(whole, {8, std::string(8, 'Z'), false}, 13);
  ASSERT_EQ(defrag.add(last, decode(last.data(), static_cast<uint32_t>(last.size()), static_cast<uint32_t>(last.size())), 0).outcome,
            Defragmenter::Outcome::kReassembled);
  EXPECT_EQ(std::string(defrag.datagram().end() - 16, defrag.datagram().end()), std::string(8, 'B') + std::string(8, 'Z'));
}

TEST(Defrag, FragmentsOlderThanTheTimeoutNeverComplete) {
  EngineConfig config;
  config.defrag.timeout_ns = 2'000'000'000;
  EngineUnderTest e(kDropPasswd, "", "", config);
  std::vector<Frame> pieces = fragments_of(request_v4(), 24, 21);
  e.run(pieces[0], 0);
  Verdict late = e.run(pieces[1], 5);
  EXPECT_FALSE(late.decoded.reassembled);
  EXPECT_FALSE(late.drop);  // the receiver has timed the first one out as well
  EXPECT_EQ(e.engine->defrag().counters().timeouts, 1u);
}

TEST(Defrag, TheMemoryCapRefusesFragmentsAndDropsThem) {
  EngineConfig config;
  config.defrag.memcap = 4096;
  EngineUnderTest e("", "", "", config);
  const Frame big = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(std::string(1400, 'x')).build();
  int refused = 0;
  for (uint16_t id = 1; id <= 20; ++id) {
    Verdict v = e.run(ipv4_fragment_of(big, {0, ip_payload(big).substr(0, 1000), true}, id));
    refused += v.drop && v.reason == DropReason::kFragment;
  }
  EXPECT_GT(refused, 10);
  EXPECT_LE(e.engine->defrag().memory(), 4096u);
  EXPECT_EQ(e.engine->defrag().counters().memcap, static_cast<uint64_t>(refused));
}

// Buffers grow by doubling, so a cap checked against the bytes a fragment adds is passed by
// what the allocator really holds. Fragments that each reach a little further, and many tiny
// ones, must never take the held memory past the cap; a first fragment refused leaves no
// tracker behind to fill the table.
TEST(Defrag, GrowingAndTinyFragmentsNeverPassTheMemoryCap) {
  EngineConfig config;
  config.defrag.memcap = 16384;
  EngineUnderTest e("", "", "", config);
  const Frame big = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(std::string(9000, 'x')).build();
  const std::string body = ip_payload(big);
  uint64_t refused = 0;
  for (uint32_t offset = 0; offset + 64 <= body.size(); offset += 56) {  // each piece reaches 56 bytes further
    Verdict v = e.run(ipv4_fragment_of(big, {offset, body.substr(offset, 64), true}, 7));
    refused += v.drop && v.reason == DropReason::kFragment;
    ASSERT_LE(e.engine->defrag().memory(), config.defrag.memcap) << "at offset " << offset;
  }
  for (uint32_t offset = 0; offset < 8000; offset += 8) {  // 1,000 pieces of 8 bytes
    Verdict v = e.run(ipv4_fragment_of(big, {offset, body.substr(offset, 8), true}, 8));
    refused += v.drop && v.reason == DropReason::kFragment;
    ASSERT_LE(e.engine->defrag().memory(), config.defrag.memcap) << "at offset " << offset;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(e.engine->defrag().counters().memcap, refused);

  EngineUnderTest tight("", "", "", [] {
    EngineConfig c;
    c.defrag.memcap = 512;  // less than one tracker with 1,000 bytes of data
    return c;
  }());
  Verdict v = tight.run(ipv4_fragment_of(big, {0, body.substr(0, 1000), true}, 9));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(tight.engine->defrag().trackers(), 0u);
  EXPECT_EQ(tight.engine->defrag().memory(), 0u);
}

TEST(Defrag, ALengthNotAMultipleOfEightOrPast64KIsRefused) {
  EngineUnderTest e("alert pkthdr any any -> any any (decode-event:ipv4.frag_invalid_length; sid:5;)\n"
                    "alert pkthdr any any -> any any (decode-event:ipv4.frag_pkt_too_large; sid:6;)\n");
  const Frame whole = request_v4();
  Verdict odd = e.run(ipv4_fragment_of(whole, {0, ip_payload(whole).substr(0, 13), true}, 31));
  EXPECT_TRUE(odd.drop);
  EXPECT_EQ(e.sids(odd), std::vector<uint32_t>{5});
  Verdict far = e.run(ipv4_fragment_of(whole, {65528, std::string(16, 'x'), false}, 32));
  EXPECT_TRUE(far.drop);
  EXPECT_EQ(e.sids(far), std::vector<uint32_t>{6});
}

TEST(Defrag, AnAtomicIpv6FragmentIsAnEventAndJudgedAsItIs) {
  EngineUnderTest e(kDropPasswd + std::string("alert pkthdr any any -> any any (decode-event:ipv6.exthdr_useless_fh; sid:7;)\n"));
  const Frame whole = request_v6();
  Verdict v = e.run(ipv6_fragment_of(whole, {0, ip_payload(whole), false}, 41));
  EXPECT_FALSE(v.decoded.fragment);
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(e.sids(v), (std::vector<uint32_t>{1, 7}));
}

}  // namespace
}  // namespace picket
