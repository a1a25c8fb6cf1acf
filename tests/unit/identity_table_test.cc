#include "identity/identity_table.h"

#include <gtest/gtest.h>

#include "identity/identity_matcher.h"

namespace picket {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kMinute = 60'000'000'000;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

Binding prefix(const char* text, IdentityId id, int64_t not_after = kNever) {
  std::string error;
  auto b = parse_prefix(text, error);
  EXPECT_TRUE(b.has_value()) << text << ": " << error;
  b->identity = id;
  b->not_after_ns = not_after;
  return *b;
}

TEST(IdentityRegistry, ReservedIdsAndInterning) {
  IdentityRegistry r;
  EXPECT_EQ(r.name(kUnknownIdentity), "unknown");
  EXPECT_EQ(r.name(kWorldIdentity), "world");
  EXPECT_EQ(r.find("world"), kWorldIdentity);
  auto a = r.intern("spiffe://d/a");
  auto b = r.intern("spiffe://d/b");
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 3);
  EXPECT_EQ(r.intern("spiffe://d/a"), 2);
  EXPECT_EQ(r.name(3), "spiffe://d/b");
  EXPECT_FALSE(r.find("spiffe://d/c").has_value());
}

TEST(IdentityTable, LongestApplyingPrefixWins) {
  IdentityTable t;
  IdentityId host = *t.registry().intern("spiffe://d/host");
  IdentityId subnet = *t.registry().intern("spiffe://d/subnet");
  t.bind(prefix("0.0.0.0/0", kWorldIdentity));
  t.bind(prefix("10.1.0.0/16", subnet));
  t.bind(prefix("10.1.2.3", host, kT0 + kMinute));
  EXPECT_EQ(t.lookup(ip("10.1.2.3"), kT0), host);
  EXPECT_EQ(t.lookup(ip("10.1.9.9"), kT0), subnet);
  EXPECT_EQ(t.lookup(ip("8.8.8.8"), kT0), kWorldIdentity);
  EXPECT_EQ(t.lookup(ip("2001:db8::1"), kT0), kUnknownIdentity);  // world is never implied
  // The host binding lapses: its address falls back to the subnet's.
  EXPECT_EQ(t.lookup(ip("10.1.2.3"), kT0 + kMinute), host);      // not_after is inclusive
  EXPECT_EQ(t.lookup(ip("10.1.2.3"), kT0 + kMinute + 1), subnet);
  EXPECT_TRUE(t.unbind(ip("10.1.0.0"), 96 + 16));
  EXPECT_FALSE(t.unbind(ip("10.1.0.0"), 96 + 16));
  EXPECT_EQ(t.lookup(ip("10.1.9.9"), kT0), kWorldIdentity);
  EXPECT_EQ(t.size(), 2u);
}

TEST(IdentityTable, Ipv6AndReplacement) {
  IdentityTable t;
  IdentityId a = *t.registry().intern("spiffe://d/a");
  IdentityId b = *t.registry().intern("spiffe://d/b");
  t.bind(prefix("2001:db8::/32", a));
  EXPECT_EQ(t.lookup(ip("2001:db8:1::5"), kT0), a);
  t.bind(prefix("2001:db8::/32", b));
  EXPECT_EQ(t.lookup(ip("2001:db8:1::5"), kT0), b);
  EXPECT_EQ(t.size(), 1u);
}

// A control change copies the table in force and changes the copy, while workers go on
// judging by the original: the two share storage (base/shared_shards.h), so every kind of
// change to the copy must leave the original as it was, and the copy must see all of them.
TEST(IdentityTable, ACopyChangesAloneThoughItSharesTheStorage) {
  IdentityTable original;
  for (uint32_t i = 0; i < 5000; ++i) {  // enough to fill every shard
    const std::string name = "spiffe://t/pod-" + std::to_string(i % 700);
    const IdentityId id = *original.registry().intern(name);
    const std::string address = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    original.bind(prefix(address.c_str(), id));
  }
  original.bind(prefix("10.0.0.0/16", kWorldIdentity));
  const IdentityId pod7 = *original.registry().find("spiffe://t/pod-7");

  IdentityTable copy = original;
  const IdentityId fresh = *copy.registry().intern("spiffe://t/new");
  copy.bind(prefix("10.0.0.7", fresh));                  // replaced
  copy.bind(prefix("10.1.0.1", fresh));                  // added
  ASSERT_TRUE(copy.unbind(ip("10.0.0.8"), 128));         // removed: falls back to the /16
  ASSERT_TRUE(copy.unbind(ip("10.0.0.0"), 96 + 16));     // and the /16 itself

  EXPECT_EQ(original.lookup(ip("10.0.0.7"), 0), pod7);
  EXPECT_EQ(original.lookup(ip("10.1.0.1"), 0), kUnknownIdentity);
  EXPECT_EQ(original.lookup(ip("10.0.0.8"), 0), *original.registry().find("spiffe://t/pod-8"));
  EXPECT_EQ(original.lookup(ip("10.0.200.1"), 0), kWorldIdentity);
  EXPECT_EQ(original.size(), 5001u);
  EXPECT_FALSE(original.registry().find("spiffe://t/new"));
  EXPECT_EQ(original.registry().size(), 702u);
  EXPECT_EQ(original.registry().name(fresh), "unknown") << "an id the original never had";

  EXPECT_EQ(copy.lookup(ip("10.0.0.7"), 0), fresh);
  EXPECT_EQ(copy.lookup(ip("10.1.0.1"), 0), fresh);
  EXPECT_EQ(copy.lookup(ip("10.0.0.8"), 0), kUnknownIdentity);
  EXPECT_EQ(copy.lookup(ip("10.0.200.1"), 0), kUnknownIdentity);
  EXPECT_EQ(copy.size(), 5000u);  // one added, two removed
  EXPECT_EQ(copy.registry().name(fresh), "spiffe://t/new");
  EXPECT_EQ(copy.registry().name(pod7), "spiffe://t/pod-7");

  // Listing is longest prefix first, then by address, however the table was built.
  const std::vector<Binding> listed = copy.bindings();
  ASSERT_EQ(listed.size(), copy.size());
  for (size_t i = 1; i < listed.size(); ++i) {
    const Binding &a = listed[i - 1], &b = listed[i];
    EXPECT_TRUE(a.prefix_bits > b.prefix_bits || (a.prefix_bits == b.prefix_bits && a.network.value() < b.network.value()));
  }
}

TEST(IdentityTable, ParsePrefixRefusesHostBitsAndBadLengths) {
  std::string e;
  EXPECT_FALSE(parse_prefix("10.1.2.3/16", e));
  EXPECT_NE(e.find("host bits"), std::string::npos);
  EXPECT_FALSE(parse_prefix("10.0.0.0/33", e));
  EXPECT_FALSE(parse_prefix("2001:db8::/129", e));
  EXPECT_FALSE(parse_prefix("frontend", e));
  EXPECT_EQ(parse_prefix("10.0.0.0/8", e)->prefix_text(), "10.0.0.0/8");
  EXPECT_EQ(parse_prefix("::1", e)->prefix_text(), "::1");
}

TEST(IdentityFile, LoadsBindingsWithTheirTimes) {
  IdentityTable t;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(load_identities(
      "# workloads\n"
      "spiffe://demo/frontend  10.10.1.10\n"
      "spiffe://demo/batch     10.10.4.0/28   until 2023-11-14T22:14:20Z\n"
      "world                   0.0.0.0/0\n",
      "demo.identities", t, errors));
  EXPECT_TRUE(errors.empty());
  IdentityId batch = *t.registry().find("spiffe://demo/batch");
  EXPECT_EQ(t.lookup(ip("10.10.4.5"), kT0), batch);
  EXPECT_EQ(t.lookup(ip("10.10.4.5"), kT0 + kMinute + 1), kWorldIdentity);
  EXPECT_EQ(t.registry().name(t.lookup(ip("10.10.1.10"), kT0)), "spiffe://demo/frontend");
}

TEST(IdentityFile, BadLinesNameTheirPlaceAndNothingIsApplied) {
  IdentityTable t;
  t.bind(prefix("192.168.0.0/16", kWorldIdentity));
  std::vector<Diagnostic> errors;
  EXPECT_FALSE(load_identities(
      "spiffe://demo/ok 10.0.0.1\n"
      "spiffe://Demo/x 10.0.0.2\n"
      "spiffe://demo/y 10.0.0.300\n"
      "spiffe://demo/z 10.0.0.0/8 until tomorrow\n"
      "unknown 10.0.0.4\n"
      "spiffe://demo/w 10.0.0.1\n"
      "spiffe://demo/v\n",
      "bad.identities", t, errors));
  ASSERT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors[0].to_string(), "bad.identities:2:10: error: trust domain cannot contain upper case ('D')");
  EXPECT_EQ(errors[1].location.line, 3u);
  EXPECT_EQ(errors[1].location.column, 17u);
  EXPECT_NE(errors[2].message.find("RFC 3339"), std::string::npos);
  EXPECT_EQ(errors[2].location.column, 34u);
  EXPECT_NE(errors[3].message.find("'unknown' cannot be bound"), std::string::npos);
  EXPECT_NE(errors[4].message.find("bound twice (first on line 1)"), std::string::npos);
  EXPECT_NE(errors[5].message.find("expected IDENTITY ADDRESS"), std::string::npos);
  // Nothing applied: the one good line did not bind, the old binding stays.
  EXPECT_EQ(t.lookup(ip("10.0.0.1"), kT0), kUnknownIdentity);
  EXPECT_EQ(t.lookup(ip("192.168.1.1"), kT0), kWorldIdentity);
  EXPECT_FALSE(t.registry().find("spiffe://demo/ok").has_value());
}

TEST(IdentityMatcher, ResolvesSelectorsToIdsAndSeesNewIdentities) {
  IdentityRegistry r;
  IdentityId api = *r.intern("spiffe://d/pay/api");
  std::optional<IdentitySelector::Error> e;
  IdentityMatcher m(IdentitySelector::parse("spiffe://d/pay/*", e), r);
  EXPECT_TRUE(m.matches(api));
  EXPECT_FALSE(m.matches(kUnknownIdentity));
  IdentityId db = *r.intern("spiffe://d/pay/db");
  EXPECT_FALSE(m.matches(db));  // not seen yet
  m.refresh(r);
  EXPECT_TRUE(m.matches(db));
  IdentityMatcher world(IdentitySelector::parse("world", e), r);
  EXPECT_TRUE(world.matches(kWorldIdentity));
  EXPECT_FALSE(world.matches(api));
  EXPECT_TRUE(IdentityMatcher().matches(kUnknownIdentity));
}

TEST(Time, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20Z"), kT0);
  EXPECT_EQ(parse_rfc3339("2023-11-14T23:13:20+01:00"), kT0);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.5Z"), kT0 + 500'000'000);
  EXPECT_FALSE(parse_rfc3339("2023-11-14T22:13:20"));  // no zone
  EXPECT_FALSE(parse_rfc3339("2023-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));  // beyond 64-bit nanoseconds (found by fuzzing)
  EXPECT_FALSE(parse_rfc3339("1000-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2262-04-11T23:47:16Z"));
  EXPECT_EQ(format_eve_time(kT0 + 123'456'789), "2023-11-14T22:13:20.123456+0000");
  EXPECT_EQ(format_rfc3339(kT0), "2023-11-14T22:13:20Z");
}

}  // namespace
}  // namespace picket
