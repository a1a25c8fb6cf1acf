#include "policy/policy.h"

#include <gtest/gtest.h>

#include "packet/decoder.h"

namespace picket {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;
constexpr int64_t kMinute = 60'000'000'000;

struct Fixture {
  IdentityRegistry registry;
  Policy policy;
  IdentityId id(const char* name) { return *registry.find(name); }
};

Fixture load(std::string_view text) {
  Fixture f;
  std::vector<Diagnostic> errors;
  auto p = parse_policy(text, "test.policy", errors);
  for (const Diagnostic& d : errors) ADD_FAILURE() << d.to_string();
  if (p) f.policy = std::move(*p);
  f.policy.resolve(f.registry);
  return f;
}

TEST(Policy, DenyBeatsAllowWhereverItStands) {
  Fixture f = load(
      "allow any -> spiffe://d/db tcp/5432\n"
      "deny spiffe://d/frontend -> spiffe://d/db\n");
  IdentityId fe = f.id("spiffe://d/frontend"), db = f.id("spiffe://d/db");
  IdentityId api = *f.registry.intern("spiffe://d/api");
  f.policy.resolve(f.registry);
  PolicyDecision d = f.policy.judge(fe, db, ip_proto::kTcp, 5432, kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.statement, 2u);
  PolicyDecision ok = f.policy.judge(api, db, ip_proto::kTcp, 5432, kT0);
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.statement, 1u);
}

// A judgement looks only at the statements that can name its server, yet decides as if it had
// read them all in file order: the first allow, unless a deny anywhere matches.
TEST(Policy, ServerIndexKeepsFileOrder) {
  Fixture f = load(
      "allow spiffe://d/ns/* -> spiffe://d/db tcp/5432\n"
      "allow any -> spiffe://d/ns/* tcp/5432\n"
      "deny spiffe://d/ns/evil -> any\n"
      "allow spiffe://d/ns/a -> spiffe://d/db tcp/5432\n");
  IdentityId a = *f.registry.intern("spiffe://d/ns/a"), evil = *f.registry.intern("spiffe://d/ns/evil");
  // Enough identities that the prefix's ids span several of its bitmap's chunks.
  std::vector<IdentityId> many;
  for (int i = 0; i < 9000; ++i) many.push_back(*f.registry.intern("spiffe://d/ns/w" + std::to_string(i)));
  IdentityId outside = *f.registry.intern("spiffe://d/nsx/a");
  f.policy.resolve(f.registry);
  IdentityId db = f.id("spiffe://d/db");
  EXPECT_EQ(f.policy.judge(a, db, ip_proto::kTcp, 5432, kT0).statement, 1u);
  EXPECT_EQ(f.policy.judge(many.back(), db, ip_proto::kTcp, 5432, kT0).statement, 1u);
  EXPECT_EQ(f.policy.judge(outside, many[4500], ip_proto::kTcp, 5432, kT0).statement, 2u);
  EXPECT_FALSE(f.policy.judge(outside, db, ip_proto::kTcp, 5432, kT0).allowed);  // nsx is not ns
  PolicyDecision d = f.policy.judge(evil, db, ip_proto::kTcp, 5432, kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.statement, 3u);
}

TEST(Policy, DefaultDeny) {
  Fixture f = load("allow spiffe://d/a -> spiffe://d/b tcp/80\n");
  PolicyDecision d = f.policy.judge(f.id("spiffe://d/b"), f.id("spiffe://d/a"), ip_proto::kTcp, 80, kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.statement, 0u);
}

TEST(Policy, ProtocolsAndPorts) {
  Fixture f = load(
      "allow any -> world udp/53\n"
      "allow any -> spiffe://d/web tcp/80,443,8000-8010\n"
      "allow any -> spiffe://d/mon icmp\n"
      "allow any -> spiffe://d/any-port any/9000\n");
  IdentityId web = f.id("spiffe://d/web");
  EXPECT_TRUE(f.policy.judge(kUnknownIdentity, kWorldIdentity, ip_proto::kUdp, 53, kT0).allowed);
  EXPECT_FALSE(f.policy.judge(kUnknownIdentity, kWorldIdentity, ip_proto::kTcp, 53, kT0).allowed);
  EXPECT_TRUE(f.policy.judge(kUnknownIdentity, web, ip_proto::kTcp, 8005, kT0).allowed);
  EXPECT_FALSE(f.policy.judge(kUnknownIdentity, web, ip_proto::kTcp, 8011, kT0).allowed);
  EXPECT_TRUE(f.policy.judge(kUnknownIdentity, f.id("spiffe://d/mon"), ip_proto::kIcmpv6, std::nullopt, kT0).allowed);
  // Statements with ports never match ICMP, or packets without ports.
  EXPECT_FALSE(f.policy.judge(kUnknownIdentity, f.id("spiffe://d/any-port"), ip_proto::kIcmp, std::nullopt, kT0).allowed);
  EXPECT_TRUE(f.policy.judge(kUnknownIdentity, f.id("spiffe://d/any-port"), ip_proto::kUdp, 9000, kT0).allowed);
}

TEST(Policy, SelectorsPrefixWorldUnknown) {
  Fixture f = load(
      "allow spiffe://d/payments/* -> spiffe://d/db tcp/5432\n"
      "deny unknown -> any\n"
      "allow any -> any tcp/22\n");
  IdentityId pay = *f.registry.intern("spiffe://d/payments/api");
  f.policy.resolve(f.registry);
  IdentityId db = f.id("spiffe://d/db");
  EXPECT_TRUE(f.policy.judge(pay, db, ip_proto::kTcp, 5432, kT0).allowed);
  EXPECT_FALSE(f.policy.judge(kUnknownIdentity, db, ip_proto::kTcp, 22, kT0).allowed);
  EXPECT_TRUE(f.policy.judge(kWorldIdentity, db, ip_proto::kTcp, 22, kT0).allowed);
}

TEST(Policy, UntilEndsAGrant) {
  Fixture f = load("allow spiffe://d/batch -> spiffe://d/db tcp/5432 until 2023-11-14T22:14:20Z\n");
  IdentityId batch = f.id("spiffe://d/batch"), db = f.id("spiffe://d/db");
  PolicyDecision before = f.policy.judge(batch, db, ip_proto::kTcp, 5432, kT0);
  EXPECT_TRUE(before.allowed);
  EXPECT_EQ(before.valid_until_ns, kT0 + kMinute);
  EXPECT_FALSE(f.policy.judge(batch, db, ip_proto::kTcp, 5432, kT0 + kMinute + 1).allowed);
}

TEST(Policy, ModeAndStatementText) {
  Fixture f = load("mode audit\n  allow any -> any tcp/80   # web\n");
  EXPECT_EQ(f.policy.mode, PolicyMode::kAudit);
  ASSERT_EQ(f.policy.statements.size(), 1u);
  EXPECT_EQ(f.policy.statements[0].text, "allow any -> any tcp/80");
  EXPECT_EQ(f.policy.statements[0].location.line, 2u);
  EXPECT_EQ(f.policy.statements[0].location.column, 3u);
}

TEST(Policy, ErrorsNameTheirPlaceAndNothingLoads) {
  std::vector<Diagnostic> errors;
  auto p = parse_policy(
      "allow any -> any tcp/80\n"
      "permit any -> any\n"
      "allow any any\n"
      "allow spiffe://d/a:1 -> any\n"
      "allow any -> any tcp/70000\n"
      "allow any -> any icmp/8\n"
      "allow any -> any gre\n"
      "allow any -> any tcp/80 until never\n"
      "mode relaxed\n",
      "bad.policy", errors);
  EXPECT_FALSE(p.has_value());
  ASSERT_EQ(errors.size(), 8u);
  EXPECT_EQ(errors[0].to_string(), "bad.policy:2:1: error: expected 'allow', 'deny' or 'mode', found 'permit'");
  EXPECT_EQ(errors[1].location.column, 11u);
  EXPECT_EQ(errors[2].location.column, 19u);
  EXPECT_NE(errors[2].message.find("(':')"), std::string::npos);
  EXPECT_EQ(errors[3].location.column, 22u);
  EXPECT_NE(errors[3].message.find("'70000'"), std::string::npos);
  EXPECT_NE(errors[4].message.find("icmp has no ports"), std::string::npos);
  EXPECT_NE(errors[5].message.find("expected a protocol"), std::string::npos);
  EXPECT_NE(errors[6].message.find("RFC 3339"), std::string::npos);
  EXPECT_EQ(errors[7].location.line, 9u);
}

}  // namespace
}  // namespace picket
