#include "applayer/http/http_uri.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

// The spellings of one path a server reads as that path are that path to http.uri.
TEST(HttpUri, NormalisedAsLibhtpDoes) {
  EXPECT_EQ(normalize_uri("/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("//etc//passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/./etc/./passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/x/%2e%2e/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/x/y/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("\\etc\\passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/etc%2fpasswd"), "/etc/passwd");
  EXPECT_EQ(normalize_uri("/etc%252fpasswd"), "/etc%2fpasswd");  // decoded once
  EXPECT_EQ(normalize_uri("/a%20b/c.php?x=%41&y=/../z"), "/a b/c.php?x=A&y=/../z");  // the query kept
  EXPECT_EQ(normalize_uri("/a/b/.."), "/a/");  // RFC 3986 5.2.4 keeps the last slash
  EXPECT_EQ(normalize_uri("/a/."), "/a/");
  EXPECT_EQ(normalize_uri("%zz/%4"), "%zz/%4");
}

}  // namespace
}  // namespace picket
