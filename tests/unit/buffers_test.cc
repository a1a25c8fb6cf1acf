// Inspection buffers by name (rules/buffers.h): the rule parser knows a buffer's keywords only
// through what its parser registered, and a new buffer is one registration.
#include <gtest/gtest.h>

#include <stdexcept>

#include "applayer/http/http_buffers.h"
#include "rules/buffers.h"
#include "rules/rule_parser.h"

namespace picket {
namespace {

rules::Rule parsed(const std::string& text) {
  rules::ParseOutcome o = rules::parse_rule(text, {"t.rules", 1, 1}, rules::Variables::defaults());
  EXPECT_TRUE(o.rule) << text << ": " << (o.diagnostic ? o.diagnostic->to_string() : "");
  return o.rule ? *o.rule : rules::Rule{};
}

TEST(Buffers, EveryRegisteredKeywordSelectsItsBuffer) {
  const BufferRegistry& r = buffers();
  ASSERT_GT(r.size(), 1u);
  size_t keywords = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    const auto id = static_cast<BufferId>(i);
    const BufferSpec& spec = r.spec(id);
    for (const std::string& k : spec.sticky) {
      rules::Rule rule = parsed("alert tcp any any -> any any (" + k + "; content:\"abc\"; sid:1;)");
      ASSERT_EQ(rule.matches.size(), 1u);
      EXPECT_EQ(rule.matches[0].buffer, id) << k;
      ++keywords;
    }
    for (const std::string& k : spec.modifiers) {
      rules::Rule rule = parsed("alert tcp any any -> any any (content:\"abc\"; " + k + "; sid:1;)");
      ASSERT_EQ(rule.matches.size(), 1u);
      EXPECT_EQ(rule.matches[0].buffer, id) << k;
      ++keywords;
    }
    if (spec.pcre_flag) {
      rules::Rule rule = parsed(std::string("alert tcp any any -> any any (pcre:\"/abc/") + spec.pcre_flag + "\"; sid:1;)");
      ASSERT_EQ(rule.matches.size(), 1u);
      EXPECT_EQ(rule.matches[0].buffer, id) << spec.pcre_flag;
    }
    EXPECT_EQ(buffer_name(id), spec.name);
    EXPECT_EQ(is_app_buffer(id), id != kPacketBuffer) << spec.name;
  }
  EXPECT_GT(keywords, 40u) << "HTTP's buffers, each with its Suricata and Snort names";
  EXPECT_EQ(r.find("http.uri"), http_buffers().uri);
  EXPECT_EQ(r.by_modifier("http_client_body"), http_buffers().request_body);
}

TEST(Buffers, ANewProtocolsBufferIsOneRegistration) {
  BufferRegistry r;
  EXPECT_EQ(r.find("pkt_data"), kPacketBuffer);
  EXPECT_EQ(r.by_sticky("raw_data"), kPacketBuffer);
  EXPECT_FALSE(r.by_sticky("dns.query"));
  BufferId q = r.add({"dns.query", "dns", {"dns.query", "dns_query"}, {}, 0});
  EXPECT_EQ(r.by_sticky("dns_query"), q);
  EXPECT_EQ(r.spec(q).protocol, "dns");
  // A name or keyword that is someone else's already is a programming error, found at start.
  EXPECT_THROW(r.add({"dns.query", "dns", {}, {}, 0}), std::logic_error);
  EXPECT_THROW(r.add({"dns.answer", "dns", {"dns_query"}, {}, 0}), std::logic_error);
  EXPECT_NO_THROW(register_http_buffers(r));
  EXPECT_THROW(register_http_buffers(r), std::logic_error) << "a protocol registers once";
}

}  // namespace
}  // namespace picket
