// Loading rule files into one rule set, all or nothing.
//
// Lines starting with '#' are comments (a commented-out rule is not read); a line ending in
// '\' continues on the next. Each rule is accepted, skipped with a warning (something Picket
// does not support, or a duplicate gid:sid, of which the first is kept), or refused with an
// error. With `strict`, skips are errors too. A rule set with any error must not be applied:
// ok() says whether it can be.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "rules/rule.h"
#include "rules/variables.h"

namespace picket::rules {

struct RuleSetReport {
  size_t files = 0;
  size_t rules_read = 0;  // rules seen, commented-out ones not counted
  size_t accepted = 0;
  size_t skipped = 0;
  size_t errors = 0;
  size_t duplicate_sids = 0;
  std::map<std::string, size_t> skip_reasons;  // reason -> rules
  size_t fast_patterns = 0;       // accepted rules with a fast pattern
  size_t weak_fast_patterns = 0;  // ... whose fast pattern is weak
  size_t http_rules = 0;          // accepted rules that inspect HTTP buffers
  size_t pcre_rules = 0;          // accepted rules with a pcre
};

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<Diagnostic> diagnostics;  // in file order
  RuleSetReport report;
  bool ok() const { return report.errors == 0; }
};

class RuleLoader {
 public:
  explicit RuleLoader(Variables vars, bool strict = false);

  // Reads one file; an unreadable file is an error.
  void add_file(const std::string& path);
  // Rules from memory; `name` stands for the file in diagnostics.
  void add_text(std::string_view text, const std::string& name);

  RuleSet finish();

 private:
  void add_lines(std::string_view text, const std::string& name);
  void add_rule(std::string_view text, const SourceLocation& where);

  Variables vars_;
  bool strict_;
  RuleSet set_;
  struct Loaded {
    SourceLocation where;
    size_t index = 0;  // in set_.rules
  };
  std::map<std::pair<uint32_t, uint32_t>, Loaded> sids_;  // (gid, sid) -> the rule in force
};

}  // namespace picket::rules
