// Table images and the table compiler: what picketc writes is what a device reads, and bad
// images are refused with the reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string_view>

#include "device/table_bits.h"
#include "plan/table_compiler.h"
#include "device/table_image.pb.h"
#include "device/xrt_device.h"
#include "engine_fixture.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;

constexpr const char* kRules = R"(alert tcp any any -> any 80 (msg:"short final"; content:"EVIL"; sid:1;)
drop tcp any any -> any any (msg:"window"; content:"payload!"; offset:2; depth:10; sid:2;)
alert tcp any any -> any any (msg:"long"; content:"a-much-longer-literal"; sid:3;)
alert tcp any any -> any any (msg:"flow"; flow:established; content:"EVIL"; sid:4;)
alert http any any -> any any (msg:"uri"; http.uri; content:"/admin"; sid:5;)
)";
constexpr const char* kIdentities = R"(spiffe://t/web 10.0.0.1
spiffe://t/db 10.0.0.0/24
world 0.0.0.0/0
)";
constexpr const char* kPolicy = "allow spiffe://t/web -> spiffe://t/db tcp/5432,6000-6010\n";

// The device tables of the generation built from these texts, as picketd builds it for a device.
CompiledTables compile(std::string_view rules, std::string_view identities = "", std::string_view policy = "") {
  EngineUnderTest e(rules, identities, policy, {}, true);
  if (!e.engine || !e.engine->generation()->device) {
    ADD_FAILURE() << "no device tables";
    return {};
  }
  return *e.engine->generation()->device;
}

TEST(TableCompiler, FilesRulesByWhatTheHardwareCanCheck) {
  CompiledTables t = compile(kRules, kIdentities, kPolicy);
  const auto& r = t.plan.report;
  EXPECT_EQ(r.rules, 5u);
  // "EVIL" is shared by sids 1 and 4: one literal, candidates only. "payload!" is final.
  EXPECT_EQ(r.literals, 3u);
  EXPECT_EQ(r.hardware_rules, 4u);
  EXPECT_EQ(r.final_rules, 1u);
  EXPECT_EQ(r.host_rules, 1u);  // the http.uri rule
  EXPECT_EQ(r.exact_bindings, 1u);
  EXPECT_EQ(r.prefix_bindings, 2u);
  EXPECT_EQ(r.policy_entries, 2u);  // one per port range
  // The http rule is TCP on any port: every TCP packet of a flow that may carry HTTP may need
  // the host, and no other packet.
  EXPECT_EQ((t.image.control >> hw::control::kHostHttp.lsb) & 3, 1u);
  EXPECT_EQ((t.image.control >> hw::control::kHostAlways.lsb) & 0xf, 0u);
  // No pass rule: final drops may drop on the card.
  EXPECT_TRUE((t.image.control >> hw::control::kSignatureDrop.lsb) & 1);
}

TEST(TableCompiler, PlacesAFinalLiteralWhereTheHardwareHashesIt) {
  CompiledTables t = compile(R"(drop tcp any any -> any any (content:"payload!"; offset:2; depth:10; sid:2;))");
  uint64_t folded = 0;
  std::string p = "payload!";
  for (size_t i = 0; i < 8; ++i) folded |= uint64_t(uint8_t(p[i])) << (8 * i);
  uint32_t slot = hw::literal_8_hash(folded);
  auto entry = t.image.entry(hw::table::literal_8::kId, slot);
  ASSERT_EQ(hw::get_field(entry, hw::table::literal_8::kValid), 1u);
  EXPECT_EQ(hw::get_field(entry, hw::table::literal_8::kBytes), folded);
  uint32_t id = static_cast<uint32_t>(hw::get_field(entry, hw::table::literal_8::kLiteral));
  auto d = t.image.entry(hw::table::descriptor::kId, id);
  EXPECT_EQ(hw::get_field(d, hw::table::descriptor::kFinal), 1u);
  EXPECT_EQ(hw::get_field(d, hw::table::descriptor::kDrop), 1u);
  EXPECT_EQ(hw::get_field(d, hw::table::descriptor::kStartLo), 2u);
  EXPECT_EQ(hw::get_field(d, hw::table::descriptor::kStartHi), 4u);  // offset + depth - length
  // Its filter bits are set in every bitmap of the 8-byte bucket, and only those.
  const uint64_t filter = hw::literal_8_filter_hash(folded);
  std::set<uint32_t> want;
  for (unsigned i = 0; i < hw::kLiteralFilterHashes; ++i) want.insert(hw::literal_filter_bit(filter, i));
  std::set<uint32_t> set;
  for (uint32_t w = 0; w < hw::table::literal_bitmap_8::kDepth; ++w) {
    const uint32_t bits = t.image.entry(hw::table::literal_bitmap_8::kId, w)[0];
    for (uint32_t b = 0; b < 32; ++b) {
      if (bits >> b & 1) set.insert(w * 32 + b);
    }
  }
  EXPECT_EQ(set, want);
}

uint64_t folded_word(std::string_view eight) {
  uint64_t w = 0;
  for (size_t i = 0; i < 8; ++i) w |= uint64_t(uint8_t(eight[i])) << (8 * i);
  return w;
}

TEST(TableCompiler, ALiteralBumpedFromItsSlotIsSplitByTheContentsItsRulesCameFrom) {
  // Two rules filed by one window, "kqzjvwxy", cut from two different contents; a literal that
  // sorts before it takes its slot in the 8-byte table. Each rule must find a slot through
  // another window of its own content, not be left to the host.
  const uint32_t slot = hw::literal_8_hash(folded_word("kqzjvwxy"));
  std::string taker;
  for (uint32_t n = 0; taker.empty(); ++n) {
    char candidate[9];
    std::snprintf(candidate, sizeof candidate, "a%07u", n);
    if (hw::literal_8_hash(folded_word(candidate)) == slot) taker = candidate;
  }
  const std::string rules = "alert tcp any any -> any any (content:\"" + taker + "\"; sid:1;)\n"
                            "alert tcp any any -> any any (content:\"kqzjvwxyMMMM\"; sid:2;)\n"
                            "alert tcp any any -> any any (content:\"kqzjvwxyPPPP\"; sid:3;)\n";
  CompiledTables t = compile(rules);
  EXPECT_EQ(t.plan.report.hardware_rules, 3u);
  EXPECT_EQ(t.plan.report.literal_collisions, 0u);
  EXPECT_EQ(t.plan.report.literals, 3u);  // the taker, and one window of each content
  EXPECT_EQ(t.plan.report.host_rules, 0u);
}

TEST(TableCompiler, SaysWhyEachHostOnlyRuleIsLeftThere) {
  CompiledTables t = compile(R"(alert tcp any any -> any 21 (content:"|00 00|"; sid:1;)
alert tcp any any -> any 80 (pcre:"/a+b/"; sid:2;)
alert http any any -> any any (http.uri; content:"/admin.php"; sid:3;)
alert tcp any any -> any any (content:"on-the-card"; sid:4;)
alert tcp any any -> any 21 (content:"CWD"; nocase; content:"|00 01|"; sid:5;)
)");
  ASSERT_EQ(t.plan.host_reason.size(), 5u);
  EXPECT_EQ(t.plan.host_reason[0], HostReason::kShortLiteral);  // a run of one byte value
  EXPECT_EQ(t.plan.host_reason[1], HostReason::kNoLiteral);
  EXPECT_EQ(t.plan.host_reason[2], HostReason::kBuiltBuffer);
  EXPECT_EQ(t.plan.host_reason[3], HostReason::kOnCard);
  EXPECT_EQ(t.plan.host_reason[4], HostReason::kOnCard);  // a short literal, its longest content
  EXPECT_TRUE(t.plan.short_literal[4]);
  EXPECT_EQ(t.plan.report.short_rules, 1u);
  EXPECT_EQ(t.plan.report.short_entries, 1u);
  EXPECT_EQ(t.plan.report.host_rules, 3u);
  EXPECT_EQ(t.plan.report.host_by_reason[static_cast<size_t>(HostReason::kShortLiteral)], 1u);
}

TEST(TableImage, RoundTripsThroughItsFileFormat) {
  CompiledTables t = compile(kRules, kIdentities, kPolicy);
  std::string error;
  auto back = parse_table_image(serialize_table_image(t.image), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->tables, t.image.tables);
  EXPECT_EQ(back->control, t.image.control);
}

TEST(TableImage, RefusesDamagedAndForeignImages) {
  std::string bytes = serialize_table_image(compile(kRules, kIdentities, kPolicy).image);
  std::string error;
  EXPECT_FALSE(parse_table_image("not an image at all \xff\xff\xff", error));
  EXPECT_FALSE(error.empty());

  // Cut short: the bytes no longer parse.
  EXPECT_FALSE(parse_table_image(bytes.substr(0, bytes.size() / 2), error));

  // One flipped bit in a table word, the file otherwise well formed: the checksum catches it.
  image::TableImage msg;
  ASSERT_TRUE(msg.ParseFromString(bytes));
  ASSERT_GT(msg.regions_size(), 0);
  msg.mutable_regions(0)->set_words(0, msg.regions(0).words(0) ^ 1u);
  EXPECT_FALSE(parse_table_image(msg.SerializeAsString(), error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;

  TableImage other = compile(kRules, kIdentities, kPolicy).image;
  other.format_version = hw::kRegmapVersion + 1;
  EXPECT_FALSE(parse_table_image(serialize_table_image(other), error));
  EXPECT_NE(error.find("recompile"), std::string::npos) << error;
}

TEST(XrtDevice, SaysPlainlyThatThereIsNoCard) {
  std::string error;
  auto device = XrtDevice::open({}, error);
  if (device) GTEST_SKIP() << "an Alveo card is present";
  EXPECT_NE(error.find("no Alveo card found"), std::string::npos) << error;
}

}  // namespace
}  // namespace picket
