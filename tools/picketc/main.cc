// picketc: the rule compiler's command line. Reads rule files, reports what it accepted and
// what it skipped and why, and chooses each rule's fast pattern; with -o, compiles them with
// identities and policy into a table image for the data plane.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/text.h"
#include "plan/build.h"
#include "plan/settings.h"
#include "plan/sources.h"

namespace {

constexpr const char* kUsage = R"(usage: picketc [options] RULE_FILE...

Checks Suricata/Snort 3 rule files (with Picket's src_identity/dst_identity keywords) and
prints a report: rules read, accepted, skipped by reason, duplicate sids, fast patterns.

options:
  --vars FILE         address/port variables (NAME=value lines); may be repeated.
                      Without it, the built-in defaults of policy/vars.conf apply.
  --var NAME=VALUE    set one variable (after --vars files)
  --strict            a rule that would be skipped is an error instead
  -q, --quiet         no progress line on long builds and no skipped-rule warnings
                      (errors are always printed)
  --fast-patterns     print each accepted rule's sid and fast pattern; with -o, also what
                      the card files it by ("card" and its window) or why it is left to
                      the host ("host:" and the reason)
  -o, --image FILE    compile the rules, identities and policy into a table image for the
                      data plane (sim or card), and report what the hardware does with them
  --identities FILE   identity bindings for the image (policy/*.identities)
  --policy FILE       identity policy for the image (policy/*.policy)
  --malformed drop|forward, --action-order LIST, --midstream, --checksums validate|drop|none
                      the engine settings the image is compiled for, as picketd takes them;
                      a picketd run with other ones refuses the image, naming the setting
  --check-image FILE  read a table image and say whether it is whole and of this version
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

using namespace picket;

struct Options {
  SourcePaths paths;
  EngineConfig settings;
  bool strict = false, quiet = false, list = false;
  std::string image_path;
  std::string check_image;  // --check-image FILE
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "picketc: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--vars") {
      o.paths.var_files.push_back(value());
    } else if (a == "--var") {
      o.paths.var_settings.push_back(value());
    } else if (is_engine_setting(a)) {
      std::string v = engine_setting_takes_value(a) ? value() : "", why;
      if (!apply_engine_setting(a, v, o.settings, why)) usage_error(why);
    } else if (a == "--strict") {
      o.strict = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "-o" || a == "--image") {
      o.image_path = value();
    } else if (a == "--identities") {
      o.paths.identity_file = value();
    } else if (a == "--policy") {
      o.paths.policy_file = value();
    } else if (a == "--check-image") {
      o.check_image = value();
    } else if (a == "--fast-patterns") {
      o.list = true;
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'");
    } else {
      o.paths.rule_files.push_back(a);
    }
  }
  if (o.check_image.empty() && o.paths.rule_files.empty()) usage_error("no rule files given");
  return o;
}

int check_image(const std::string& path) {
  std::string error;
  auto image = read_table_image_file(path, error);
  if (!image) {
    std::fprintf(stderr, "picketc: %s\n", error.c_str());
    return 1;
  }
  std::string settings;
  for (const auto& [name, value] : image->settings) settings += " --" + name + " " + value;
  std::printf("picketc: %s: table image format 0x%08x, checksum good, control 0x%08x%s%s; %zu source "
              "file(s) carried%s; compiled for%s\n",
              path.c_str(), image->format_version, image->control, image->source.empty() ? "" : ", from ",
              image->source.c_str(), image->sources.size(),
              image->sources.empty() ? " (picketctl load-image needs them)" : "",
              settings.empty() ? " the default settings" : settings.c_str());
  return 0;
}

// One line per rule: sid, the fast pattern's buffer and bytes, whether it is weak; with an
// image, what the card files the rule by (its window) or why the rule is left to the host.
void list_fast_patterns(const Generation& g) {
  const HardwarePlan* plan = g.device ? &g.device->plan : nullptr;
  const auto& compiled = g.signatures->rules();
  for (size_t i = 0; i < compiled.size(); ++i) {
    const rules::Rule& r = compiled[i].rule;
    if (r.fast_pattern) {
      std::printf("%u\t%s%s\t\"%s\"%s", r.sid, std::string(buffer_name(r.matches[r.fast_pattern->match].buffer)).c_str(),
                  r.fast_pattern->nocase ? ",nocase" : "", printable(r.fast_pattern->bytes).c_str(),
                  r.fast_pattern->weak ? "\tweak" : "");
    } else {
      std::printf("%u\t-\t(no fast pattern: inspected on every packet its header matches)", r.sid);
    }
    if (plan && i < plan->host_reason.size()) {
      if (plan->anchored[i]) {
        std::printf("\tcard, anchored near the payload's start");
      } else if (plan->short_literal[i]) {
        std::printf("\tcard, a short literal anywhere in the payload");
      } else if (plan->host_reason[i] == HostReason::kOnCard) {
        std::printf("\tcard \"%s\"", printable(std::string(r.fast_pattern->window())).c_str());
      } else {
        std::printf("\thost: %s", host_reason_name(plan->host_reason[i]));
      }
    }
    std::printf("\n");
  }
}

void print_report(const rules::RuleSetReport& r) {
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
}

// The tables, the files they were compiled from (for a host that loads the image over the
// control API: it judges what the device punts with the same rules, policy and bindings), and
// the settings they were compiled for.
int write_image(const Options& o, const Sources& sources, const Generation& g) {
  const CompiledTables& tables = *g.device;
  TableImage image = tables.image;
  for (const std::string& f : o.paths.rule_files) image.source += (image.source.empty() ? "" : " ") + f;
  image.sources = sources.files;
  image.settings = engine_settings(o.settings);
  std::string error;
  if (!write_table_image_file(image, o.image_path, error)) {
    std::fprintf(stderr, "picketc: %s\n", error.c_str());
    return 1;
  }
  const HardwarePlan::Report& h = tables.plan.report;
  std::printf("picketc: table image %s\n", o.image_path.c_str());
  std::printf("  hardware literals %5zu  (%zu literals left to the host for want of a slot)\n", h.literals,
              h.literal_collisions);
  std::printf("  rules found by them %3zu  (%zu decided by the hardware alone)\n", h.hardware_rules, h.final_rules);
  std::printf("  anchored literals %5zu  (%zu rules)\n", h.anchored_entries, h.anchored_rules);
  std::printf("  short literals    %5zu  (%zu rules)\n", h.short_entries, h.short_rules);
  std::printf("  host-only rules   %5zu\n", h.host_rules);
  for (size_t why = 1; why < kHostReasons; ++why) {
    if (h.host_by_reason[why] == 0) continue;
    std::printf("    %-40s %5zu\n", host_reason_name(static_cast<HostReason>(why)), h.host_by_reason[why]);
  }
  std::printf("  identity bindings %5zu exact, %zu prefixes\n", h.exact_bindings, h.prefix_bindings);
  std::printf("  policy entries    %5zu\n", h.policy_entries);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (!o.check_image.empty()) return check_image(o.check_image);

  // Each file is read once: what is compiled is what the image carries.
  std::vector<Diagnostic> read_errors;
  std::optional<Sources> sources = read_sources(o.paths, read_errors);
  if (!sources) {
    for (const std::string& line : diagnostic_lines(read_errors)) std::fprintf(stderr, "%s\n", line.c_str());
    return 1;
  }
  BuildOptions options;
  options.strict = o.strict;
  options.device = !o.image_path.empty();
  BuildProgress progress;
  options.progress = &progress;
  Build build = [&] {
    BuildProgressLine line(progress, "picketc", !o.quiet);
    return build_generation(*sources, o.settings, options);
  }();
  for (const std::string& line : diagnostic_lines(build.diagnostics, !o.quiet)) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (!build.generation && build.rules.rules_read == 0) return 1;  // variables, identities or policy
  if (o.list && build.generation) list_fast_patterns(*build.generation);
  print_report(build.rules);
  if (!build.generation) {
    const size_t errors = std::max<size_t>(build.rules.errors, 1);  // a pattern or the tables, when no rule's
    std::printf("picketc: %zu error%s: nothing would be loaded\n", errors, errors == 1 ? "" : "s");
    return 1;
  }
  return o.image_path.empty() ? 0 : write_image(o, *sources, *build.generation);
}
