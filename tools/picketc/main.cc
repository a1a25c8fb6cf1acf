// picketc: the rule compiler's command line. Reads rule files, reports what it accepted and
// what it skipped and why, and chooses each rule's fast pattern.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "rules/rule_set.h"

namespace {

constexpr const char* kUsage = R"(usage: picketc [options] RULE_FILE...

Checks Suricata/Snort 3 rule files (with Picket's src_identity/dst_identity keywords) and
prints a report: rules read, accepted, skipped by reason, duplicate sids, fast patterns.

options:
  --vars FILE         address/port variables (NAME=value lines); may be repeated.
                      Without it, the built-in defaults of policy/vars.conf apply.
  --var NAME=VALUE    set one variable (after --vars files)
  --strict            a rule that would be skipped is an error instead
  -q, --quiet         do not print each skipped rule's warning (errors are always printed)
  --fast-patterns     print each accepted rule's sid and fast pattern
  -h, --help          this text

exit status: 0 when every rule was accepted or skipped, 1 when any rule or file has an
error (nothing would be loaded), 2 for a usage error.
)";

std::string printable(const std::string& bytes) {
  std::string out;
  bool hex = false;
  char buf[4];
  for (unsigned char c : bytes) {
    bool plain = c >= 0x20 && c < 0x7f && c != '|' && c != '"';
    if (plain == hex) {
      out += '|';
      hex = !hex;
    } else if (hex) {
      out += ' ';
    }
    if (plain) {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%02x", c);
      out += buf;
    }
  }
  if (hex) out += '|';
  return out;
}

double percent(size_t part, size_t whole) { return whole ? 100.0 * double(part) / double(whole) : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  using namespace picket;
  using namespace picket::rules;
  std::vector<std::string> files, var_files, var_sets;
  bool strict = false, quiet = false, list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "picketc: %s needs a value\n%s", name, kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--vars") {
      var_files.push_back(value("--vars"));
    } else if (a == "--var") {
      var_sets.push_back(value("--var"));
    } else if (a == "--strict") {
      strict = true;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (a == "--fast-patterns") {
      list = true;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "picketc: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "picketc: no rule files given\n%s", kUsage);
    return 2;
  }

  Variables vars = Variables::defaults();
  std::vector<Diagnostic> var_errors;
  for (const std::string& f : var_files) vars.load(f, var_errors);
  for (const std::string& s : var_sets) {
    std::string why;
    if (!vars.set(s, why)) var_errors.push_back(Diagnostic::error({"--var", 0, 0}, s + ": " + why));
  }
  if (!var_errors.empty()) {
    for (const Diagnostic& d : var_errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 1;
  }

  RuleLoader loader(vars, strict);
  for (const std::string& f : files) loader.add_file(f);
  RuleSet set = loader.finish();

  for (const Diagnostic& d : set.diagnostics) {
    if (quiet && d.severity == Severity::kWarning) continue;
    std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  if (list) {
    for (const Rule& r : set.rules) {
      if (r.fast_pattern) {
        std::printf("%u\t%s%s\t\"%s\"%s\n", r.sid, std::string(buffer_name(r.matches[r.fast_pattern->match].buffer)).c_str(),
                    r.fast_pattern->nocase ? ",nocase" : "", printable(r.fast_pattern->bytes).c_str(),
                    r.fast_pattern->weak ? "\tweak" : "");
      } else {
        std::printf("%u\t-\t(no fast pattern: inspected on every packet its header matches)\n", r.sid);
      }
    }
  }

  const RuleSetReport& r = set.report;
  std::printf("picketc: %zu file%s, %zu rules read\n", r.files, r.files == 1 ? "" : "s", r.rules_read);
  std::printf("  accepted        %7zu  (%.1f%%)\n", r.accepted, percent(r.accepted, r.rules_read));
  std::printf("  skipped         %7zu  (%.1f%%)\n", r.skipped, percent(r.skipped, r.rules_read));
  std::vector<std::pair<size_t, std::string>> reasons;
  for (const auto& [reason, n] : r.skip_reasons) reasons.emplace_back(n, reason);
  std::sort(reasons.rbegin(), reasons.rend());
  for (const auto& [n, reason] : reasons) std::printf("    %-28s %7zu\n", reason.c_str(), n);
  std::printf("  errors          %7zu\n", r.errors);
  std::printf("  duplicate sids  %7zu\n", r.duplicate_sids);
  std::printf("  fast patterns   %7zu  (%zu weak; %zu rules have none)\n", r.fast_patterns,
              r.weak_fast_patterns, r.accepted - r.fast_patterns);
  std::printf("  HTTP rules      %7zu\n", r.http_rules);
  std::printf("  pcre rules      %7zu\n", r.pcre_rules);
  if (!set.ok()) {
    std::printf("picketc: %zu error%s: nothing would be loaded\n", r.errors, r.errors == 1 ? "" : "s");
    return 1;
  }
  return 0;
}
