#include "plan/sources.h"

#include <algorithm>

#include "base/text.h"

namespace picket {

size_t Sources::count(SourceFile::Kind kind) const {
  return static_cast<size_t>(
      std::count_if(files.begin(), files.end(), [&](const SourceFile& f) { return f.kind == kind; }));
}

std::optional<Sources> read_sources(const SourcePaths& paths, std::vector<Diagnostic>& errors) {
  using Kind = SourceFile::Kind;
  Sources out;
  bool ok = true;
  auto read = [&](Kind kind, const std::string& path, const char* what) {
    std::optional<std::string> text = read_text_file(path);
    if (!text) {
      errors.push_back(Diagnostic::error({path, 0, 0}, std::string("cannot read the ") + what + " file"));
      ok = false;
      return;
    }
    out.files.push_back({kind, path, std::move(*text)});
  };
  for (const std::string& f : paths.var_files) read(Kind::kVariables, f, "variables");
  if (!paths.var_settings.empty()) {
    std::string lines;
    for (const std::string& s : paths.var_settings) lines += s + "\n";
    out.files.push_back({Kind::kVariables, "--var", std::move(lines)});
  }
  for (const std::string& f : paths.rule_files) read(Kind::kRules, f, "rule");
  if (!paths.identity_file.empty()) read(Kind::kIdentities, paths.identity_file, "identity");
  if (!paths.policy_file.empty()) read(Kind::kPolicy, paths.policy_file, "policy");
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace picket
