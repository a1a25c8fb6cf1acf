#include "rules/rule_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "test_dir.h"

namespace picket::rules {
namespace {

RuleSet load(std::string_view text, bool strict = false) {
  RuleLoader loader(Variables::defaults(), strict);
  loader.add_text(text, "set.rules");
  return loader.finish();
}

TEST(RuleSet, CommentsBlankLinesAndContinuations) {
  RuleSet s = load(
      "# a comment\n"
      "\n"
      "# alert tcp any any -> any any (sid:99;)\n"
      "alert tcp any any -> any any (msg:\"one\"; \\\n"
      "   content:\"abc\"; sid:1;)\n"
      "   alert udp any any -> any any (sid:2;)\r\n");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.report.rules_read, 2u);  // the commented-out rule is not read
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].location.line, 4u);
  EXPECT_EQ(s.rules[0].matches[0].bytes, "abc");
  EXPECT_EQ(s.rules[1].location.line, 6u);
  EXPECT_EQ(s.rules[1].location.column, 4u);
}

TEST(RuleSet, DuplicateSidKeepsTheFirstAndSaysWhere) {
  RuleSet s = load(
      "alert tcp any any -> any any (msg:\"first\"; sid:10;)\n"
      "alert tcp any any -> any any (msg:\"second\"; sid:10;)\n"
      "alert tcp any any -> any any (msg:\"other gid\"; gid:3; sid:10;)\n");
  EXPECT_TRUE(s.ok());
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].msg, "first");
  EXPECT_EQ(s.report.duplicate_sids, 1u);
  EXPECT_EQ(s.report.skip_reasons["duplicate sid"], 1u);
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].to_string(),
            "set.rules:2:1: warning: rule skipped: duplicate sid 10 (first at set.rules:1:1)");
}

TEST(RuleSet, OfOneSidTheHigherRevisionStandsAsInSuricata) {
  RuleSet s = load(
      "alert tcp any any -> any any (msg:\"old\"; sid:10; rev:1;)\n"
      "alert tcp any any -> any any (msg:\"new\"; sid:10; rev:3;)\n"
      "alert tcp any any -> any any (msg:\"older\"; sid:10; rev:2;)\n");
  EXPECT_TRUE(s.ok());
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0].msg, "new");
  EXPECT_EQ(s.report.accepted, 1u);
  EXPECT_EQ(s.report.duplicate_sids, 2u);
  ASSERT_EQ(s.diagnostics.size(), 2u);
  EXPECT_EQ(s.diagnostics[0].to_string(),
            "set.rules:2:1: warning: rule replaces the one at set.rules:1:1: duplicate sid 10, higher rev 3");
  EXPECT_EQ(s.diagnostics[1].to_string(),
            "set.rules:3:1: warning: rule skipped: duplicate sid 10 (first at set.rules:2:1)");
}

TEST(RuleSet, RequiresIsReadAsSuricata8ReadsIt) {
  RuleSet s = load(
      "alert tcp any any -> any any (requires: version >= 7.0.3; sid:1;)\n"
      "alert tcp any any -> any any (requires: version >= 7 < 8; sid:2;)\n"
      "alert tcp any any -> any any (requires: version >= 8, version < 9; sid:3;)\n"
      "alert tcp any any -> any any (requires: feature geoip; sid:4;)\n"
      "alert tcp any any -> any any (requires: version >= 8.1; sid:5;)\n");
  EXPECT_TRUE(s.ok());
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].sid, 1u);
  EXPECT_EQ(s.rules[1].sid, 3u);
  EXPECT_EQ(s.report.skip_reasons["requires version"], 2u);
  EXPECT_EQ(s.report.skip_reasons["requires feature geoip"], 1u);
  for (const char* bad : {"requires: version => 7;", "requires: version >= seven;", "requires: colour blue;",
                          "requires: version >=;"}) {
    RuleSet b = load(std::string("alert tcp any any -> any any (") + bad + " sid:1;)\n");
    EXPECT_FALSE(b.ok()) << bad;
    ASSERT_FALSE(b.diagnostics.empty()) << bad;
    EXPECT_NE(b.diagnostics[0].to_string().find("set.rules:1:"), std::string::npos) << b.diagnostics[0].to_string();
  }
}

TEST(RuleSet, ReportCountsSkipsByReason) {
  RuleSet s = load(
      "alert tcp any any -> any any (content:\"GET\"; sid:1;)\n"
      "alert dns any any -> any any (sid:2;)\n"
      "alert tls any any -> any any (sid:3;)\n"
      "alert tcp any any -> any any (flowbits:isset,x; sid:4;)\n"
      "alert tcp any any -> any any (content:\"|00|\"; pcre:\"/a/\"; http.uri; content:\"b\"; sid:5;)\n");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.report.rules_read, 5u);
  EXPECT_EQ(s.report.accepted, 2u);
  EXPECT_EQ(s.report.skipped, 3u);
  EXPECT_EQ(s.report.skip_reasons.at("protocol dns"), 1u);
  EXPECT_EQ(s.report.skip_reasons.at("protocol tls"), 1u);
  EXPECT_EQ(s.report.skip_reasons.at("keyword flowbits"), 1u);
  EXPECT_EQ(s.report.fast_patterns, 2u);
  EXPECT_EQ(s.report.http_rules, 1u);
  EXPECT_EQ(s.report.pcre_rules, 1u);
}

TEST(RuleSet, StrictTurnsSkipsIntoErrors) {
  std::string_view text = "alert tcp any any -> any any (sid:1;)\nalert dns any any -> any any (sid:2;)\n";
  EXPECT_TRUE(load(text).ok());
  RuleSet strict = load(text, true);
  EXPECT_FALSE(strict.ok());
  EXPECT_EQ(strict.report.errors, 1u);
  EXPECT_EQ(strict.diagnostics[0].severity, Severity::kError);
}

TEST(RuleSet, OneSyntaxErrorMakesTheWholeSetUnfit) {
  RuleSet s = load(
      "alert tcp any any -> any any (sid:1;)\n"
      "alert tcp any any -> any any (content:\"x\"; depth:0; sid:2;)\n"
      "alert tcp any any -> any any (sid:3;)\n");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.report.errors, 1u);
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].location.line, 2u);
  EXPECT_NE(s.diagnostics[0].message.find("depth must be between 1"), std::string::npos) << s.diagnostics[0].message;
}

TEST(RuleSet, UnreadableFileIsAnError) {
  RuleLoader loader(Variables::defaults());
  loader.add_file("/nonexistent/picket.rules");
  RuleSet s = loader.finish();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.diagnostics[0].to_string(), "/nonexistent/picket.rules: error: cannot read the rule file");
}

TEST(RuleSet, ReadsFiles) {
  testing_support::TestDir dir;
  std::string path = dir.file("a.rules");
  std::ofstream(path) << "alert tcp any any -> any any (content:\"abc\"; sid:1;)\n";
  RuleLoader loader(Variables::defaults());
  loader.add_file(path);
  RuleSet s = loader.finish();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.report.files, 1u);
  EXPECT_EQ(s.rules[0].location.file, path);
}

// A rule file of outside bytes: what reaches the operator's terminal is escaped, short, and
// at most 20 lines a file, then a count.
TEST(RuleSet, DiagnosticsQuoteInputSafelyAndStopAtTwenty) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "\x1b]0;bogus" + std::string(500, 'x') + " tcp any any -> any any (sid:1;)\n";
  RuleLoader loader(Variables::defaults(), false);
  loader.add_text(text, "junk.rules");
  RuleSet s = loader.finish();
  ASSERT_EQ(s.diagnostics.size(), 50u);
  std::vector<std::string> lines = diagnostic_lines(s.diagnostics);
  ASSERT_EQ(lines.size(), 21u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(lines[i].find('\x1b'), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find("'\\x1b]0;bogus"), std::string::npos) << lines[i];
    EXPECT_LT(lines[i].size(), 200u) << lines[i];
  }
  EXPECT_EQ(lines[20], "junk.rules: 30 more diagnostics not shown (the first 20 are above)");
  EXPECT_EQ(quote("a\tb"), "'a\\x09b'");
  EXPECT_EQ(quote(std::string(100, 'y'), 3), "'yyy'...");
}

}  // namespace
}  // namespace picket::rules
