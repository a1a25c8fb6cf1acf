// Parses one Suricata or Snort 3 rule into the rule model.
//
// Both dialects are read by one parser. A rule is taken as Snort 3 when it shows Snort 3's
// forms (a `service` option, `content:"x",nocase` modifiers after a comma, or an HTTP buffer
// keyword before any content); the difference that matters is that Snort 3's http_uri, http_header,
// ... select the buffer for the options after them (sticky), where Suricata's select it for the
// content before them.
#pragma once

#include <optional>
#include <string_view>

#include "base/diagnostic.h"
#include "rules/rule.h"
#include "rules/variables.h"

namespace picket::rules {

struct ParseOutcome {
  std::optional<Rule> rule;              // set when the rule was accepted
  std::optional<Diagnostic> diagnostic;  // an error, or a warning for a skipped rule
};

// `text` may span several lines (a rule continued with a trailing '\'): line breaks in it
// count as white space, and a diagnostic's line and column account for them. `where` is the
// location of text's first byte.
ParseOutcome parse_rule(std::string_view text, const SourceLocation& where, const Variables& vars);

}  // namespace picket::rules
