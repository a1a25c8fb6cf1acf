#include "rules/rule_parser.h"

#include <gtest/gtest.h>

#include "applayer/http/http_buffers.h"

namespace picket::rules {
namespace {

ParseOutcome parse(std::string_view text) { return parse_rule(text, {"t.rules", 7, 1}, Variables::defaults()); }

Rule ok(std::string_view text) {
  ParseOutcome o = parse(text);
  EXPECT_TRUE(o.rule.has_value()) << text << "\n" << (o.diagnostic ? o.diagnostic->to_string() : "");
  return o.rule ? *o.rule : Rule{};
}

// The diagnostic, and the 1-based column of `at` in `text`, for errors that must point there.
Diagnostic refused(std::string_view text) {
  ParseOutcome o = parse(text);
  EXPECT_FALSE(o.rule.has_value()) << text;
  EXPECT_TRUE(o.diagnostic.has_value()) << text;
  return o.diagnostic.value_or(Diagnostic{});
}
uint32_t col(std::string_view text, std::string_view at) { return static_cast<uint32_t>(text.find(at) + 1); }

void expect_error(std::string_view text, std::string_view at, std::string_view says) {
  Diagnostic d = refused(text);
  EXPECT_EQ(d.severity, Severity::kError) << d.to_string();
  EXPECT_EQ(d.location.file, "t.rules");
  EXPECT_EQ(d.location.line, 7u);
  EXPECT_EQ(d.location.column, col(text, at)) << d.to_string();
  EXPECT_NE(d.message.find(says), std::string::npos) << d.to_string();
}

void expect_skip(std::string_view text, std::string_view reason) {
  Diagnostic d = refused(text);
  EXPECT_EQ(d.severity, Severity::kWarning) << d.to_string();
  EXPECT_EQ(d.skip_reason, reason) << d.to_string();
}

uint128 ip(const char* s) { return IpAddress::parse(s)->value(); }

TEST(RuleHeader, ActionsProtocolsAddressesPorts) {
  Rule r = ok(R"(drop tcp $HOME_NET any -> $EXTERNAL_NET [80,443] (msg:"m"; sid:5; rev:2;))");
  EXPECT_EQ(r.action, Action::kDrop);
  EXPECT_EQ(r.protocol, Transport::kTcp);
  EXPECT_TRUE(r.src_addr.contains(ip("10.1.1.1")));
  EXPECT_FALSE(r.src_addr.contains(ip("8.8.8.8")));
  EXPECT_TRUE(r.dst_addr.contains(ip("8.8.8.8")));
  EXPECT_TRUE(r.src_ports.is_all());
  EXPECT_TRUE(r.dst_ports.contains(443));
  EXPECT_FALSE(r.dst_ports.contains(8080));
  EXPECT_FALSE(r.bidirectional);
  EXPECT_EQ(r.sid, 5u);
  EXPECT_EQ(r.rev, 2u);
  EXPECT_EQ(r.location.line, 7u);

  EXPECT_EQ(ok("alert udp any any <> any 53 (sid:1;)").bidirectional, true);
  EXPECT_EQ(ok("pass icmp any any -> any any (sid:1;)").action, Action::kPass);
  EXPECT_EQ(ok("reject ip any any -> any any (sid:1;)").action, Action::kReject);
  EXPECT_EQ(ok("alert tcp-pkt any any -> any any (sid:1;)").protocol, Transport::kTcp);
  Rule stream = ok("alert tcp-stream any any -> any any (sid:1;)");
  EXPECT_EQ(stream.protocol, Transport::kTcp);
  EXPECT_TRUE(stream.flow.only_stream);
}

TEST(RuleHeader, HttpIsTcpWithTheHttpApplication) {
  Rule r = ok("alert http any any -> any any (sid:1;)");
  EXPECT_EQ(r.protocol, Transport::kTcp);
  EXPECT_EQ(r.app, AppProtocol::kHttp);
  EXPECT_TRUE(r.dst_ports.is_all());  // no port restriction: HTTP is recognised by content
  EXPECT_TRUE(r.uses_http());
}

TEST(RuleHeader, Snort3ServiceRuleHasNoAddresses) {
  Rule r = ok(R"(alert http (msg:"svc"; http_uri; content:"/x"; service:http; sid:9;))");
  EXPECT_TRUE(r.src_addr.is_all());
  EXPECT_TRUE(r.bidirectional);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].buffer, http_buffers().uri);
}

TEST(RuleHeader, Errors) {
  expect_error("alrt tcp any any -> any any (sid:1;)", "alrt", "expected an action");
  expect_error("alert tcp any any => any any (sid:1;)", "=>", "expected '->' or '<>'");
  expect_error("alert tcp any any -> any any sid:1;", "sid", "expected '('");
  expect_error("alert tcp any 99999 -> any any (sid:1;)", "99999", "above 65535");
  expect_error("alert tcp 10.0.0.256 any -> any any (sid:1;)", "10.0.0.256", "not an address");
  expect_error("alert tcp [10.0.0.1 any -> any any (sid:1;)", "[10", "unclosed '['");
  expect_error("alert tcp !any any -> any any (sid:1;)", "!any", "matches nothing");
  expect_error("alert t@p any any -> any any (sid:1;)", "t@p", "expected a protocol");
  expect_skip("alert dns any any -> any any (sid:1;)", "protocol dns");
  expect_skip("alert tcp $NOT_DEFINED any -> any any (sid:1;)", "undefined variable");
  expect_skip("log tcp any any -> any any (sid:1;)", "action log");
}

TEST(RuleOptions, MetadataKeywords) {
  Rule r = ok(R"(alert tcp any any -> any any (msg:"a \"quoted\"\; b"; gid:3; sid:77; rev:4; )"
              R"(classtype:trojan-activity; priority:2; reference:cve,2021-44228; )"
              R"(metadata:created_at 2024_01_01, deployment Perimeter; target:dest_ip;))");
  EXPECT_EQ(r.msg, "a \"quoted\"; b");
  EXPECT_EQ(r.gid, 3u);
  EXPECT_EQ(r.sid, 77u);
  EXPECT_EQ(r.rev, 4u);
  EXPECT_EQ(r.classtype, "trojan-activity");
  EXPECT_EQ(r.priority, 2);
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(r.references[0], "cve,2021-44228");
  ASSERT_EQ(r.metadata.size(), 1u);
}

TEST(RuleOptions, ContentHexEscapesAndModifiers) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"GET |20 2f|a\"b\;c\\"; nocase; offset:2; depth:30; )"
              R"(content:!"evil"; distance:-3; within:10; rawbytes; sid:1;))");
  ASSERT_EQ(r.matches.size(), 2u);
  const Match& a = r.matches[0];
  EXPECT_EQ(a.kind, Match::Kind::kContent);
  EXPECT_EQ(a.bytes, "GET  /a\"b;c\\");
  EXPECT_TRUE(a.nocase);
  EXPECT_EQ(a.offset, 2);
  EXPECT_EQ(a.depth, 30);
  EXPECT_FALSE(a.negated);
  const Match& b = r.matches[1];
  EXPECT_TRUE(b.negated);
  EXPECT_EQ(b.distance, -3);
  EXPECT_EQ(b.within, 10);
  EXPECT_TRUE(b.is_relative());
  EXPECT_EQ(b.location.line, 7u);
  EXPECT_EQ(b.location.column, 91u);  // where "content:!" stands
}

TEST(RuleOptions, StartsWithEndsWithAndFastPatternForms) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"abc"; startswith; content:"xyz"; endswith; )"
              R"(content:"longer literal"; fast_pattern:3,4; sid:1;))");
  EXPECT_TRUE(r.matches[0].startswith);
  EXPECT_TRUE(r.matches[1].endswith);
  ASSERT_TRUE(r.fast_pattern.has_value());
  EXPECT_EQ(r.fast_pattern->match, 2);
  EXPECT_EQ(r.fast_pattern->bytes, "ger ");
  Rule only = ok(R"(alert tcp any any -> any any (content:"abcdef"; fast_pattern:only; sid:1;))");
  EXPECT_TRUE(only.fast_pattern->only);
}

TEST(RuleOptions, Snort3ContentModifiers) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"|00 01|",depth 4,offset 1; content:"login",nocase,fast_pattern,distance 0,within 20; sid:1;))");
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].bytes, std::string("\x00\x01", 2));
  EXPECT_EQ(r.matches[0].depth, 4);
  EXPECT_EQ(r.matches[0].offset, 1);
  EXPECT_TRUE(r.matches[1].nocase);
  EXPECT_TRUE(r.matches[1].fast_pattern);
  EXPECT_EQ(r.matches[1].distance, 0);
  EXPECT_EQ(r.matches[1].within, 20);
  EXPECT_EQ(r.fast_pattern->match, 1);
}

TEST(RuleOptions, PcreFlagsAndValidation) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"a"; pcre:"/^b[0-9]+"x/smiR"; pcre:!"/admin/U"; sid:1;))");
  ASSERT_EQ(r.matches.size(), 3u);
  const Match& p = r.matches[1];
  EXPECT_EQ(p.kind, Match::Kind::kPcre);
  EXPECT_EQ(p.pcre, "^b[0-9]+\"x");
  EXPECT_TRUE(p.dotall && p.multiline && p.caseless && p.relative);
  EXPECT_EQ(p.buffer, kPacketBuffer);
  EXPECT_TRUE(r.matches[2].negated);
  EXPECT_EQ(r.matches[2].buffer, http_buffers().uri);
  EXPECT_TRUE(r.has_pcre());

  Rule unquoted = ok("alert tcp any any -> any any (pcre:/blah/U; sid:1;)");
  EXPECT_EQ(unquoted.matches[0].pcre, "blah");
  EXPECT_EQ(unquoted.matches[0].buffer, http_buffers().uri);

  std::string bad = R"(alert tcp any any -> any any (pcre:"/a(b/"; sid:1;))";
  Diagnostic d = refused(bad);
  EXPECT_NE(d.message.find("pcre does not compile"), std::string::npos) << d.to_string();
  expect_error(R"(alert tcp any any -> any any (pcre:"/a/q"; sid:1;))", "q\"", "unknown pcre flag 'q'");
}

TEST(RuleOptions, Flow) {
  Rule r = ok("alert tcp any any -> any any (flow:established,to_server; sid:1;)");
  EXPECT_TRUE(r.flow.established);
  EXPECT_TRUE(r.flow.to_server);
  Rule f = ok("alert tcp any any -> any any (flow: from_server, not_established, no_frag; sid:1;)");
  EXPECT_TRUE(f.flow.to_client);
  EXPECT_TRUE(f.flow.not_established);
  EXPECT_TRUE(f.flow.no_frag);
  EXPECT_TRUE(ok("alert tcp any any -> any any (flow:stateless; sid:1;)").flow.stateless);
  expect_error("alert tcp any any -> any any (flow:established,sideways; sid:1;)", "sideways", "unknown flow option 'sideways'");
  expect_error("alert tcp any any -> any any (flow:to_server,to_client; sid:1;)", "to_server,", "both to_server and to_client");
}

TEST(RuleOptions, Dsize) {
  auto dsize = [](const char* v) {
    return ok(std::string("alert udp any any -> any any (dsize:") + v + "; sid:1;)").dsize.value();
  };
  EXPECT_TRUE(dsize("300").test(300));
  EXPECT_FALSE(dsize("300").test(301));
  EXPECT_TRUE(dsize("<10").test(9));
  EXPECT_FALSE(dsize("<10").test(10));
  EXPECT_TRUE(dsize(">10").test(11));
  EXPECT_TRUE(dsize("<=10").test(10));
  EXPECT_TRUE(dsize(">=10").test(10));
  EXPECT_TRUE(dsize("!0").test(1));
  EXPECT_TRUE(dsize("10<>20").test(15));
  EXPECT_FALSE(dsize("10<>20").test(20));
  expect_error("alert udp any any -> any any (dsize:20<>10; sid:1;)", "20<>", "MIN below MAX");
  expect_error("alert udp any any -> any any (dsize:big; sid:1;)", "big", "expected a number for dsize");
}

TEST(RuleOptions, IdentityKeywords) {
  Rule r = ok(R"(drop tcp any any -> any any (src_identity:"spiffe://corp/frontend"; dst_identity:"spiffe://corp/payments/*"; sid:1;))");
  ASSERT_TRUE(r.src_identity && r.dst_identity);
  EXPECT_EQ(r.src_identity->kind, IdentitySelector::Kind::kExact);
  EXPECT_EQ(r.dst_identity->kind, IdentitySelector::Kind::kPrefix);
  EXPECT_EQ(ok(R"(alert tcp any any -> any any (dst_identity:"world"; sid:1;))").dst_identity->kind,
            IdentitySelector::Kind::kWorld);
  expect_error(R"(alert tcp any any -> any any (src_identity:"spiffe://corp:8443/x"; sid:1;))", ":8443", "a port");
  expect_error(R"(alert tcp any any -> any any (src_identity:"payments"; sid:1;))", "payments", "expected any, world, unknown");
}

TEST(RuleBuffers, SuricataStickyBuffersApplyToWhatFollows) {
  Rule r = ok(R"(alert http any any -> any any (http.method; content:"POST"; http.uri; content:"/login"; pcre:"/user=\w+/"; )"
              R"(pkt_data; content:"raw"; sid:1;))");
  ASSERT_EQ(r.matches.size(), 4u);
  EXPECT_EQ(r.matches[0].buffer, http_buffers().method);
  EXPECT_EQ(r.matches[1].buffer, http_buffers().uri);
  EXPECT_EQ(r.matches[2].buffer, http_buffers().uri);
  EXPECT_EQ(r.matches[3].buffer, kPacketBuffer);
}

TEST(RuleBuffers, SuricataLegacyModifiersApplyToTheContentBefore) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"/cgi"; http_uri; content:"Mozilla"; http_user_agent; content:"x"; sid:1;))");
  EXPECT_EQ(r.matches[0].buffer, http_buffers().uri);
  EXPECT_EQ(r.matches[1].buffer, http_buffers().user_agent);
  EXPECT_EQ(r.matches[2].buffer, kPacketBuffer);
  EXPECT_EQ(ok(R"(alert tcp any any -> any any (uricontent:"/x.php"; sid:1;))").matches[0].buffer, http_buffers().uri);
}

TEST(RuleBuffers, Snort3HttpKeywordsAreSticky) {
  Rule r = ok(R"(alert tcp any any -> any 80 (flow:to_server,established; http_uri; content:".htr",fast_pattern,nocase; )"
              R"(pkt_data; content:"x"; service:http; sid:1;))");
  EXPECT_EQ(r.matches[0].buffer, http_buffers().uri);
  EXPECT_EQ(r.matches[1].buffer, kPacketBuffer);
}

TEST(RuleChecks, Errors) {
  expect_error("alert tcp any any -> any any (msg:\"no sid\";)", "alert", "rule has no sid");
  expect_error("alert tcp any any -> any any (nocase; sid:1;)", "nocase", "'nocase' needs a content before it");
  expect_error("alert tcp any any -> any any (content:\"abcdef\"; depth:3; sid:1;)", "content", "depth 3 is shorter than the content");
  expect_error("alert tcp any any -> any any (content:\"a\"; content:\"b\"; offset:1; distance:0; sid:1;)", "content:\"b\"", "both absolute");
  expect_error("alert tcp any any -> any any (content:\"aa\"; fast_pattern; content:\"bb\"; fast_pattern; sid:1;)", "alert", "only one content");
  expect_error("alert tcp any any -> any any (content:\"|4g|\"; sid:1;)", "g|", "'g' is not a hex digit");
  expect_error("alert tcp any any -> any any (content:\"|41 4|\"; sid:1;)", "|\"", "odd number of hex digits");
  expect_error("alert tcp any any -> any any (content:\"|41\"; sid:1;)", "|41", "unclosed '|'");
  expect_error("alert tcp any any -> any any (content:\"\\x41\"; sid:1;)", "\\x", "unknown escape");
  expect_error("alert tcp any any -> any any (content:\"\"; sid:1;)", "\"\"", "empty content");
  expect_error("alert tcp any any -> any any (content:\"a\"; offset:1; offset:2; sid:1;)", "offset:2", "given twice");
  expect_error("alert tcp any any -> any any (sid:1; msg:\"x\"", "msg", "expected ';' after the value of 'msg'");
  expect_error("alert tcp any any -> any any (sid:1; ", "(", "unclosed '('");
  expect_skip("alert tcp any any -> any any (content:\"a\"; offset:base; sid:1;)", "byte_extract variable");
  expect_error("alert tcp any any -> any any (sid:1;) trailing", "trailing", "after the closing ')'");
  expect_error("alert tcp any any -> any any (sid:abc;)", "abc", "expected a number for sid");
  expect_error("alert udp any any -> any any (http.uri; content:\"x\"; sid:1;)", "alert", "HTTP buffers need protocol tcp");
}

TEST(RuleChecks, UnsupportedKeywordsAreSkipsNamingTheKeyword) {
  Diagnostic d = refused("alert tcp any any -> any any (msg:\"x\"; flowbits:set,a; sid:42;)");
  EXPECT_EQ(d.severity, Severity::kWarning);
  EXPECT_EQ(d.skip_reason, "keyword flowbits");
  EXPECT_EQ(d.sid, 42u);
  EXPECT_EQ(d.location.column, col("alert tcp any any -> any any (msg:\"x\"; flowbits:set,a; sid:42;)", "flowbits"));
  EXPECT_EQ(d.to_string(), "t.rules:7:40: warning: rule skipped: keyword 'flowbits' is not supported (sid 42)");
  expect_skip("alert http any any -> any any (tls.sni; content:\"x\"; sid:1;)", "keyword tls.sni");
}

TEST(RuleLocation, ContinuedRuleReportsTheRightLineAndColumn) {
  std::string text = "alert tcp any any -> any any (msg:\"x\"; \n    content:\"|zz|\"; sid:1;)";
  ParseOutcome o = parse_rule(text, {"m.rules", 3, 5}, Variables::defaults());
  ASSERT_TRUE(o.diagnostic);
  EXPECT_EQ(o.diagnostic->location.line, 4u);
  EXPECT_EQ(o.diagnostic->location.column, 15u);
}

TEST(FastPattern, TheHardwareWindowIsPartOfTheOneChoice) {
  auto window = [](std::string_view content) {
    Rule r = ok("alert tcp any any -> any any (content:\"" + std::string(content) + "\"; sid:1;)");
    return std::string(r.fast_pattern->window());
  };
  // (Bytes rare in traffic: "abcdefgh" is every Windows ping's payload.)
  EXPECT_EQ(window("qzxjvkwpmn"), "qzxjvkwp") << "the first 8 bytes";
  EXPECT_EQ(window("abcde"), "abcde") << "all of a shorter one";
  // Nine zero bytes, then ABCD: the first 8-byte window that is not mostly one byte value.
  EXPECT_EQ(window("|00 00 00 00 00 00 00 00 00|ABCD"), std::string("\0\0\0\0ABCD", 8));
}

TEST(FastPattern, TheHardwareWindowAvoidsStringsCommonInTraffic) {
  auto window = [](std::string_view options) {
    Rule r = ok("alert tcp any any -> any any (" + std::string(options) + " sid:1;)");
    return std::string(r.fast_pattern->window());
  };
  // "HTTP/1.1" is in every HTTP message; the rule's own bytes after it are not.
  const std::string past_version = window("content:\"HTTP/1.1 zqvkjxwp\";");
  EXPECT_EQ(past_version.size(), 8u);
  EXPECT_EQ(past_version.find("HTTP"), std::string::npos) << past_version;
  // Another payload content the packet must carry gives a rarer window than the fast pattern
  // the author chose...
  EXPECT_EQ(window("content:\"|00 00 00 00 01|\"; fast_pattern; content:\"zqvkjxwp\";"), "zqvkjxwp");
  // ... but not a negated one, nor one in another buffer.
  EXPECT_EQ(window("content:\"GET /ab\"; fast_pattern; content:!\"zqvkjxwp\";"), "GET /ab");
  Rule http = ok("alert http any any -> any any (http.user_agent; content:\"Mozilla/\"; fast_pattern; "
                 "http.uri; content:\"/zqvkjxwp\"; sid:1;)");
  EXPECT_EQ(http.fast_pattern->window(), "Mozilla/");
  EXPECT_EQ(http.fast_pattern->window_match, http.fast_pattern->match);
}

TEST(FastPattern, LongestStrongLiteralWinsUnlessTheAuthorChose) {
  Rule r = ok(R"(alert tcp any any -> any any (content:"|00 00 00 00 00 00 00 00|"; content:"evil"; content:!"much longer negated"; sid:1;))");
  ASSERT_TRUE(r.fast_pattern);
  EXPECT_EQ(r.fast_pattern->bytes, "evil");  // the long run of zeros is weak; negated never counts
  EXPECT_FALSE(r.fast_pattern->weak);

  Rule chosen = ok(R"(alert tcp any any -> any any (content:"a long literal"; content:"ab"; fast_pattern; sid:1;))");
  EXPECT_EQ(chosen.fast_pattern->bytes, "ab");
  EXPECT_TRUE(chosen.fast_pattern->weak);

  Rule tie = ok(R"(alert tcp any any -> any any (content:"aaab"; content:"abcd"; sid:1;))");
  EXPECT_EQ(tie.fast_pattern->bytes, "abcd");

  EXPECT_FALSE(ok("alert tcp any any -> any any (pcre:\"/x+/\"; sid:1;)").fast_pattern.has_value());
}

}  // namespace
}  // namespace picket::rules
