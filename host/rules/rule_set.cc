#include "rules/rule_set.h"

#include "base/text.h"
#include "rules/rule_parser.h"

namespace picket::rules {

RuleLoader::RuleLoader(Variables vars, bool strict) : vars_(std::move(vars)), strict_(strict) {}

void RuleLoader::add_file(const std::string& path) {
  ++set_.report.files;
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    set_.diagnostics.push_back(Diagnostic::error({path, 0, 0}, "cannot read the rule file"));
    ++set_.report.errors;
    return;
  }
  add_lines(*text, path);
}

void RuleLoader::add_text(std::string_view text, const std::string& name) {
  ++set_.report.files;
  add_lines(text, name);
}

void RuleLoader::add_lines(std::string_view text, const std::string& name) {
  std::string rule;  // the rule being gathered, continuation lines joined by '\n'
  SourceLocation start{name, 0, 0};
  for (LineReader lines(text); lines.next();) {
    std::string_view line = lines.line();
    uint32_t line_no = lines.number();
    if (rule.empty()) {
      size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') continue;
      start = {name, line_no, static_cast<uint32_t>(first + 1)};
      line.remove_prefix(first);
    } else {
      rule += '\n';
    }
    size_t last = line.find_last_not_of(" \t");
    if (last != std::string_view::npos && line[last] == '\\') {
      rule.append(line.substr(0, last));
      rule += ' ';
      continue;
    }
    rule.append(line);
    add_rule(rule, start);
    rule.clear();
  }
  if (!rule.empty()) add_rule(rule, start);  // a continuation at the end of the file
}

void RuleLoader::add_rule(std::string_view text, const SourceLocation& where) {
  RuleSetReport& r = set_.report;
  ++r.rules_read;
  ParseOutcome outcome = parse_rule(text, where, vars_);
  if (outcome.rule) {
    Rule& rule = *outcome.rule;
    auto [it, inserted] = sids_.emplace(std::pair{rule.gid, rule.sid}, Loaded{where, set_.rules.size()});
    if (!inserted) {
      // As Suricata: of two rules with one sid, the higher revision stands.
      ++r.duplicate_sids;
      Rule& earlier = set_.rules[it->second.index];
      const bool replaces = rule.rev > earlier.rev;
      outcome.diagnostic = Diagnostic{Severity::kWarning, where,
                                      (replaces ? "rule replaces the one at " + it->second.where.to_string() +
                                                      ": duplicate sid " + std::to_string(rule.sid) + ", higher rev " +
                                                      std::to_string(rule.rev)
                                                : "rule skipped: duplicate sid " + std::to_string(rule.sid) +
                                                      " (first at " + it->second.where.to_string() + ")"),
                                      "duplicate sid", rule.sid};
      if (replaces) {
        it->second.where = where;
        earlier = std::move(rule);
        set_.diagnostics.push_back(std::move(*outcome.diagnostic));
        return;  // counted once, as the rule it replaced was
      }
      outcome.rule.reset();
    }
  }
  if (outcome.rule) {
    const Rule& rule = *outcome.rule;
    ++r.accepted;
    if (rule.fast_pattern) {
      ++r.fast_patterns;
      if (rule.fast_pattern->weak) ++r.weak_fast_patterns;
    }
    if (rule.uses_http()) ++r.http_rules;
    if (rule.has_pcre()) ++r.pcre_rules;
    set_.rules.push_back(std::move(*outcome.rule));
    return;
  }
  Diagnostic d = std::move(*outcome.diagnostic);
  if (d.severity == Severity::kWarning) {
    ++r.skipped;
    ++r.skip_reasons[d.skip_reason];
    if (strict_) d.severity = Severity::kError;
  }
  if (d.severity == Severity::kError) ++r.errors;
  set_.diagnostics.push_back(std::move(d));
}

RuleSet RuleLoader::finish() {
  RuleSet out = std::move(set_);
  set_ = RuleSet{};
  sids_.clear();
  return out;
}

}  // namespace picket::rules
