// Registered rule keywords (detect/keywords/): the parser finds them by name, and a compiled
// rule carries exactly the conditions it uses, which the engine checks and the card may not.
#include <gtest/gtest.h>

#include "detect/keywords/keyword.h"
#include "plan/build.h"

namespace picket {
namespace {

std::shared_ptr<const Generation> build(const std::string& rules) {
  Build b = build_generation(Sources{{{SourceFile::Kind::kRules, "t.rules", rules}}}, {}, {});
  for (const Diagnostic& d : b.diagnostics) ADD_FAILURE() << d.to_string();
  return b.generation;
}

TEST(Keywords, TheParserFindsEachByItsNames) {
  for (const Keyword* k : keywords()) {
    for (std::string_view name : k->names) EXPECT_EQ(find_keyword(name), k) << name;
    EXPECT_TRUE(k->parse);
    EXPECT_EQ(k->used == nullptr, k->matches == nullptr) << k->names[0] << ": a condition has both";
  }
  EXPECT_EQ(find_keyword("flowbits"), nullptr);
  EXPECT_EQ(find_keyword("dst_identity"), &kIdentityKeyword);
}

TEST(Keywords, ARuleCarriesTheConditionsItUses) {
  auto g = build(
      "alert tcp any any -> any 80 (content:\"abcd\"; flow:established,to_server; dsize:>3; sid:1;)\n"
      "alert tcp any any -> any 80 (content:\"abcd\"; flow:stateless; msg:\"always holds\"; sid:2;)\n"
      "alert tcp-stream any any -> any 80 (content:\"abcd\"; sid:3;)\n"
      "alert udp any any -> any any (content:\"abcd\"; src_identity:\"spiffe://t/a\"; sid:4;)\n");
  ASSERT_TRUE(g);
  const auto& rules = g->signatures->rules();
  using List = std::vector<const Keyword*>;
  EXPECT_EQ(rules[0].conditions, (List{&kFlowKeyword, &kDsizeKeyword}));
  EXPECT_EQ(rules[1].conditions, List{}) << "flow:stateless asks nothing of a packet";
  EXPECT_EQ(rules[1].rule.msg, "always holds");
  EXPECT_EQ(rules[2].conditions, List{&kFlowKeyword}) << "tcp-stream is flow:only_stream";
  EXPECT_EQ(rules[3].conditions, List{&kIdentityKeyword});
}

TEST(Keywords, ARuleWithAConditionTheCardCannotCheckIsNotFinalThere) {
  BuildOptions device;
  device.device = true;
  Build b = build_generation(Sources{{{SourceFile::Kind::kRules, "t.rules",
                                       "drop tcp any any -> any any (content:\"abcdefgh\"; sid:1;)\n"
                                       "drop tcp any any -> any any (content:\"ijklmnop\"; dsize:>3; sid:2;)\n"
                                       "drop tcp any any -> any any (content:\"qrstuvwx\"; flow:stateless; sid:3;)\n"}}},
                             {}, device);
  ASSERT_TRUE(b.generation && b.generation->device);
  EXPECT_EQ(b.generation->device->plan.report.hardware_rules, 3u);
  EXPECT_EQ(b.generation->device->plan.report.final_rules, 2u) << "dsize is the host's to check";
}

}  // namespace
}  // namespace picket
