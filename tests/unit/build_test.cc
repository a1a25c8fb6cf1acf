// The one compiler (plan/build.h): identity ids allocated from the sources alone, and the
// device's split of the host's literals made once, when the generation is built.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "plan/build.h"

namespace picket {
namespace {

using Kind = SourceFile::Kind;

std::shared_ptr<const Generation> build(std::vector<SourceFile> files, bool device = false) {
  BuildOptions options;
  options.device = device;
  Build b = build_generation(Sources{std::move(files)}, {}, options);
  for (const Diagnostic& d : b.diagnostics) ADD_FAILURE() << d.to_string();
  return b.generation;
}

std::vector<std::string> names(const IdentityRegistry& r) {
  std::vector<std::string> out;
  for (size_t id = 0; id < r.size(); ++id) out.push_back(r.name(static_cast<IdentityId>(id)));
  return out;
}

TEST(IdentityAllocation, TheSameSourcesInAnyOrderGiveTheSameIds) {
  const std::string rule_a = "alert udp any any -> any any (content:\"x\"; src_identity:\"spiffe://t/zeta\"; sid:1;)\n";
  const std::string rule_b = "alert udp any any -> any any (content:\"y\"; dst_identity:\"spiffe://t/alpha\"; sid:2;)\n";
  const std::string policy = "allow spiffe://t/mid -> spiffe://t/api/* udp\n";
  auto one = build({{Kind::kRules, "a.rules", rule_a + rule_b},
                    {Kind::kIdentities, "t.identities", "spiffe://t/web 10.0.0.1\nspiffe://t/api/db 10.0.0.2\n"},
                    {Kind::kPolicy, "t.policy", policy}});
  auto two = build({{Kind::kRules, "b.rules", rule_b},
                    {Kind::kRules, "a.rules", rule_a},
                    {Kind::kIdentities, "t.identities", "spiffe://t/api/db 10.0.0.2\nspiffe://t/web 10.0.0.1\n"},
                    {Kind::kPolicy, "t.policy", policy}});
  ASSERT_TRUE(one && two);
  const std::vector<std::string> want = {"unknown",         "world",           "spiffe://t/alpha", "spiffe://t/api/db",
                                         "spiffe://t/mid", "spiffe://t/web", "spiffe://t/zeta"};
  EXPECT_EQ(names(one->identities->registry()), want) << "reserved ids, then every named SPIFFE ID in byte order";
  EXPECT_EQ(names(two->identities->registry()), want);
  EXPECT_EQ(one->identities->lookup(*IpAddress::parse("10.0.0.1"), 0), 5);
  EXPECT_EQ(two->identities->lookup(*IpAddress::parse("10.0.0.1"), 0), 5);
}

TEST(Build, DeviceTablesComeWithTheGenerationAndOnlyThen) {
  const std::string rules = "drop udp any any -> any any (content:\"payload!\"; sid:1;)\n";
  auto host_only = build({{Kind::kRules, "t.rules", rules}});
  ASSERT_TRUE(host_only);
  EXPECT_FALSE(host_only->device);
  EXPECT_FALSE(host_only->signature_tables);
  auto with_device = build({{Kind::kRules, "t.rules", rules}}, true);
  ASSERT_TRUE(with_device && with_device->device && with_device->signature_tables);
  EXPECT_EQ(with_device->device->plan.report.final_rules, 1u);
  // The host's literal split is made at build time: the hardware's literal is in a database
  // of its own, searched only when the card's hits are incomplete, not in the payload one.
  EXPECT_NE(host_only->signatures->packet_database(), nullptr);
  EXPECT_EQ(with_device->signatures->packet_database(), nullptr);
  EXPECT_EQ(with_device->signatures->literal_count(), 1u);
}

TEST(Build, NothingIsBuiltWhenAnySourceHasAnError) {
  Build b = build_generation(Sources{{{Kind::kRules, "t.rules", "alert udp any any -> any any (sid:1;)\n"},
                                      {Kind::kPolicy, "t.policy", "allow any -> any udp\npermit\n"}}},
                             {}, {});
  EXPECT_FALSE(b.generation);
  ASSERT_FALSE(b.diagnostics.empty());
  EXPECT_EQ(b.diagnostics[0].location.file, "t.policy");
  EXPECT_EQ(b.diagnostics[0].location.line, 2u);
}

// Bindings and policy each stay under the 16-bit limit, but together name more SPIFFE IDs
// than the data plane can number: the build is refused with the count, not a generation whose
// policy names ids no binding can carry.
TEST(Build, MoreSpiffeIdsThanTheDataPlaneNumbersAreRefused) {
  std::string identities;
  for (int i = 0; i < 40000; ++i) {
    identities += "spiffe://t/bound/" + std::to_string(i) + " 10." + std::to_string(i >> 16) + "." +
                  std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255) + "\n";
  }
  auto policy_naming = [](int count) {
    std::string text;
    for (int i = 0; i < count; ++i) text += "allow spiffe://t/peer/" + std::to_string(i) + " -> any udp\n";
    return text;
  };
  const size_t room = kMaxIdentities - 2;  // besides unknown and world
  auto fits = build({{Kind::kIdentities, "t.identities", identities},
                     {Kind::kPolicy, "t.policy", policy_naming(static_cast<int>(room) - 40000)}});
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->identities->registry().size(), kMaxIdentities);

  Build over = build_generation(Sources{{{Kind::kIdentities, "t.identities", identities},
                                         {Kind::kPolicy, "t.policy", policy_naming(static_cast<int>(room) - 40000 + 1)}}},
                                {}, {});
  EXPECT_FALSE(over.generation);
  ASSERT_EQ(over.diagnostics.size(), 1u);
  EXPECT_NE(over.diagnostics[0].message.find("name 65535 SPIFFE IDs"), std::string::npos) << over.diagnostics[0].message;
}

// The line an operator sees while a long build runs: the program, the seconds so far and the
// step, as build_generation names it; nothing at all once the line is quiet.
TEST(BuildProgress, TheLineNamesTheStepTheBuildIsIn) {
  // The line writes through its own FILE; the test reads the file by name.
  auto read_all = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  char path_template[] = "/tmp/picket-progress-XXXXXX";
  const int fd = mkstemp(path_template);
  ASSERT_GE(fd, 0);
  const std::string path = path_template;
  BuildProgress progress;
  BuildOptions options;
  options.progress = &progress;
  Build b = build_generation(Sources{{{Kind::kRules, "t.rules", "alert udp any any -> any any (content:\"x\"; sid:1;)\n"},
                                      {Kind::kPolicy, "t.policy", "allow any -> any udp\n"}}},
                             {}, options);
  ASSERT_TRUE(b.generation);
  EXPECT_EQ(progress.current(), "resolving the policy (1 statement) and building the tables");  // the last step

  progress.step("compiling 24827 rules");
  std::FILE* out = fdopen(fd, "w");
  ASSERT_NE(out, nullptr);
  std::string text;
  {
    BuildProgressLine line(progress, "picketd", true, std::chrono::milliseconds(5), out);
    for (int i = 0; i < 500 && text.find('\n') == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      text = read_all(path);  // each line is flushed as it is printed
    }
  }
  EXPECT_TRUE(std::regex_match(text.substr(0, text.find('\n')), std::regex("picketd: loading, [0-9]+ s: compiling 24827 rules")))
      << text;
  const std::string stopped = read_all(path);  // the line's destructor has joined its thread
  const auto lines_when_stopped = std::count(stopped.begin(), stopped.end(), '\n');
  {
    BuildProgressLine quiet(progress, "picketd", false, std::chrono::milliseconds(1), out);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string after = read_all(path);
  EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), lines_when_stopped) << "a quiet line prints nothing";
  std::fclose(out);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace picket
