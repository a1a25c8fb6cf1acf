// The rule parser against real rule sets nobody on this project wrote (../shared/corpus).
// Skips when the corpus is absent, as in a user's clone.
#include <gtest/gtest.h>

#include <filesystem>

#include "rules/rule_set.h"

namespace picket::rules {
namespace {

namespace fs = std::filesystem;

fs::path rules_dir() { return fs::path(PICKET_SHARED_DIR) / "corpus" / "rules"; }

class DerivedRuleSet : public testing::TestWithParam<const char*> {};

// Every rule of the derived content-only and content+pcre sets is accepted.
TEST_P(DerivedRuleSet, EveryRuleIsAccepted) {
  fs::path file = rules_dir() / "derived" / GetParam();
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent (no ../shared corpus)";
  Variables vars = Variables::defaults();
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(vars.load((rules_dir() / "derived" / "vars.suricata-default.txt").string(), errors));
  RuleLoader loader(vars);
  loader.add_file(file.string());
  RuleSet set = loader.finish();
  for (const Diagnostic& d : set.diagnostics) ADD_FAILURE() << d.to_string();
  EXPECT_GT(set.report.rules_read, 500u);
  EXPECT_EQ(set.report.accepted, set.report.rules_read);
  for (const Rule& r : set.rules) EXPECT_TRUE(r.fast_pattern.has_value()) << "sid " << r.sid;
}

INSTANTIATE_TEST_SUITE_P(Corpus, DerivedRuleSet,
                         testing::Values("et-open.content-only.rules", "snort3-community.content-only.rules",
                                         "et-open.content+pcre.rules", "snort3-community.content+pcre.rules"),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (char& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// The full sets load without a single syntax error: what is not supported is skipped.
TEST(FullRuleSets, NoSyntaxErrors) {
  fs::path et = rules_dir() / "et-open-2024-04-21";
  fs::path snort = rules_dir() / "snort3-community";
  if (!fs::exists(et) || !fs::exists(snort)) GTEST_SKIP() << "no ../shared corpus";
  RuleLoader loader(Variables::defaults());
  for (const auto& entry : fs::directory_iterator(et)) {
    if (entry.path().extension() == ".rules") loader.add_file(entry.path().string());
  }
  loader.add_file((snort / "snort3-community.rules").string());
  RuleSet set = loader.finish();
  for (const Diagnostic& d : set.diagnostics) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.to_string();
  }
  EXPECT_EQ(set.report.rules_read, 24827u + 4004u);
  EXPECT_GT(set.report.accepted, set.report.rules_read / 2);
}

}  // namespace
}  // namespace picket::rules

namespace picket::rules {
namespace {

// Every rule of suricata-verify's tests in the slice is accepted, none skipped.
TEST(SuricataVerifyRules, AllAccepted) {
  fs::path root = fs::path(PICKET_SHARED_DIR) / "corpus" / "suricata-verify";
  if (!fs::exists(root)) GTEST_SKIP() << "no ../shared corpus";
  size_t tests = 0;
  for (const auto& test : fs::directory_iterator(root)) {
    if (!test.is_directory()) continue;
    ++tests;
    RuleLoader loader(Variables::defaults());
    for (const auto& f : fs::directory_iterator(test.path())) {
      if (f.path().extension() == ".rules") loader.add_file(f.path().string());
    }
    RuleSet set = loader.finish();
    for (const Diagnostic& d : set.diagnostics) ADD_FAILURE() << d.to_string();
    EXPECT_GT(set.report.accepted, 0u) << test.path();
  }
  EXPECT_EQ(tests, 24u);
}

}  // namespace
}  // namespace picket::rules
