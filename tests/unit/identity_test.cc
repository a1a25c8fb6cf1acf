#include <gtest/gtest.h>

#include "identity/selector.h"
#include "identity/spiffe_id.h"

namespace picket {
namespace {

TEST(SpiffeId, ValidIds) {
  for (const char* id : {"spiffe://example.org", "spiffe://example.org/ns/prod/sa/api",
                         "spiffe://a-b_c.d/Path.With-Mixed_Case/9"}) {
    EXPECT_FALSE(check_spiffe_id(id).has_value()) << id;
  }
}

TEST(SpiffeId, InvalidIdsSayWhyAndWhere) {
  struct Case {
    const char* id;
    size_t offset;
    const char* says;
  };
  const Case cases[] = {
      {"http://example.org/x", 0, "must start with \"spiffe://\""},
      {"spiffe:///x", 9, "empty trust domain"},
      {"spiffe://Example.org/x", 9, "upper case"},
      {"spiffe://example.org:443/x", 20, "a port"},
      {"spiffe://user@example.org/x", 13, "userinfo"},
      {"spiffe://example.org/x?y=1", 22, "a query"},
      {"spiffe://example.org/x#frag", 22, "a fragment"},
      {"spiffe://example.org/x/", 23, "cannot end with '/'"},
      {"spiffe://example.org//x", 21, "empty segment"},
      {"spiffe://example.org/./x", 21, "'.' or '..'"},
      {"spiffe://example.org/../x", 21, "'.' or '..'"},
  };
  for (const Case& c : cases) {
    auto e = check_spiffe_id(c.id);
    ASSERT_TRUE(e.has_value()) << c.id;
    EXPECT_EQ(e->offset, c.offset) << c.id;
    EXPECT_NE(e->message.find(c.says), std::string::npos) << c.id << ": " << e->message;
  }
  std::string long_id = "spiffe://example.org/" + std::string(2048, 'a');
  EXPECT_TRUE(check_spiffe_id(long_id).has_value());
  std::string long_domain = "spiffe://" + std::string(256, 'a');
  EXPECT_TRUE(check_spiffe_id(long_domain).has_value());
}

IdentitySelector sel(const char* text) {
  std::optional<IdentitySelector::Error> e;
  IdentitySelector s = IdentitySelector::parse(text, e);
  EXPECT_FALSE(e.has_value()) << text << ": " << (e ? e->message : "");
  return s;
}

TEST(Selector, KindsAndMatching) {
  EXPECT_TRUE(sel("any").matches("spiffe://x/y"));
  EXPECT_TRUE(sel("any").matches("", "unknown"));
  EXPECT_TRUE(sel("world").matches("", "world"));
  EXPECT_FALSE(sel("world").matches("", "unknown"));
  EXPECT_TRUE(sel("unknown").matches("", "unknown"));
  EXPECT_TRUE(sel("spiffe://d/api").matches("spiffe://d/api"));
  EXPECT_FALSE(sel("spiffe://d/api").matches("spiffe://d/api/v2"));
  IdentitySelector prefix = sel("spiffe://d/payments/*");
  EXPECT_EQ(prefix.kind, IdentitySelector::Kind::kPrefix);
  EXPECT_TRUE(prefix.matches("spiffe://d/payments/api"));
  EXPECT_TRUE(prefix.matches("spiffe://d/payments/api/v2"));
  EXPECT_FALSE(prefix.matches("spiffe://d/payments"));
  EXPECT_FALSE(prefix.matches("spiffe://d/payments-old/api"));
  EXPECT_EQ(prefix.to_string(), "spiffe://d/payments/*");
}

TEST(Selector, RejectsWhatIsNotASelector) {
  for (const char* bad : {"everyone", "spiffe://d/a*/b", "spiffe://D/x", "spiffe://d/x/", ""}) {
    std::optional<IdentitySelector::Error> e;
    IdentitySelector::parse(bad, e);
    EXPECT_TRUE(e.has_value()) << bad;
  }
}

}  // namespace
}  // namespace picket
