// Rule keywords, registered: each is a file of this folder that says how the keyword is
// parsed, whether a rule uses it, what it asks of a packet and whether the card checks that.
// The rule parser (rules/rule_parser.cc) looks keywords up by name here; the signature set
// checks a rule's conditions through them; the table compiler asks whether a rule with them
// can be final on the card. A new keyword is a new file and one line in registry.cc.
//
// Payload keywords (content, pcre and their modifiers) and sticky buffers (rules/buffers.h)
// are the parser's own: they build the rule's match chains.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/diagnostic.h"
#include "rules/rule.h"

namespace picket {

struct CompiledRule;    // detect/compiled_rule.h
struct DetectionInput;

// One `keyword[:value];` of a rule's options. Offsets are into the rule's text; the parser
// turns them into line and column.
struct RuleOption {
  std::string_view keyword;
  std::string_view value;
  bool has_value = false;
  size_t keyword_offset = 0;
  size_t value_offset = 0;

  // A refused rule (ParseError) and a skipped one (rules::UnsupportedRule, `reason` counted).
  [[noreturn]] void fail(size_t at, std::string message) const;
  [[noreturn]] void unsupported(size_t at, std::string message, std::string reason) const;
  void need_value() const;
  void no_value() const;
  int64_t integer(int64_t min, int64_t max) const;
};

struct Keyword {
  std::span<const std::string_view> names;  // what rules write: "flow"; "src_identity", "dst_identity"
  void (*parse)(const RuleOption& option, rules::Rule& rule);
  // For keywords that are a condition on packets (null for those that only describe the rule,
  // such as msg and sid): whether `rule` uses it, and whether the packet meets it.
  bool (*used)(const rules::Rule& rule) = nullptr;
  bool (*matches)(const CompiledRule& rule, const DetectionInput& packet) = nullptr;
  // Whether the card's descriptor checks the condition, so a rule with it can be final on the
  // card; null: it cannot.
  bool (*hardware_checks)(const rules::Rule& rule) = nullptr;
};

// The registered keyword of that name, or null.
const Keyword* find_keyword(std::string_view name);
// Every registered keyword, in registry order.
std::span<const Keyword* const> keywords();

// The keywords of this folder (registry.cc lists them).
extern const Keyword kAboutKeywords[];  // msg, sid, gid, rev, priority, classtype, reference, metadata, ...
extern const size_t kAboutKeywordCount;
extern const Keyword kFlowKeyword;
extern const Keyword kDsizeKeyword;
extern const Keyword kIdentityKeyword;
extern const Keyword kDecodeEventKeyword;
extern const Keyword kIcmpTypeKeyword;
extern const Keyword kIcmpCodeKeyword;
extern const Keyword kTcpFlagsKeyword;
extern const Keyword kTcpMssKeyword;
extern const Keyword kStreamSizeKeyword;
extern const Keyword kStreamEventKeyword;
extern const Keyword kRequiresKeyword;

}  // namespace picket
