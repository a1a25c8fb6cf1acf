#include "daemon/engine_setup.h"

#include <algorithm>
#include <chrono>

#include "identity/identity_table.h"
#include "policy/policy.h"

namespace picket {

EngineSetup set_up_engine(const EngineFiles& files, const EngineConfig& config) {
  EngineSetup out;
  auto& diag = out.diagnostics;
  auto errors = [&] {
    return std::count_if(diag.begin(), diag.end(), [](const Diagnostic& d) { return d.severity == Severity::kError; });
  };

  rules::Variables vars = rules::Variables::defaults();
  for (const std::string& f : files.var_files) vars.load(f, diag);
  for (const std::string& s : files.var_settings) {
    std::string why;
    if (!vars.set(s, why)) diag.push_back(Diagnostic::error({"--var", 0, 0}, s + ": " + why));
  }
  if (!files.classification_file.empty()) out.classifications.load(files.classification_file, diag);
  IdentityTable identities;
  if (!files.identity_file.empty()) load_identity_file(files.identity_file, identities, diag);
  std::optional<Policy> policy;
  if (!files.policy_file.empty()) policy = load_policy_file(files.policy_file, diag);
  if (errors()) return out;
  out.variables = vars;

  auto start = std::chrono::steady_clock::now();
  rules::RuleLoader loader(vars, files.strict);
  for (const std::string& f : files.rule_files) loader.add_file(f);
  rules::RuleSet set = loader.finish();
  out.rules = set.report;
  diag.insert(diag.end(), set.diagnostics.begin(), set.diagnostics.end());
  if (!set.ok()) return out;

  std::string why;
  auto signatures = SignatureSet::compile(std::move(set.rules), identities.registry(), why);
  if (!signatures) {
    diag.push_back(Diagnostic::error({"", 0, 0}, why));
    return out;
  }
  out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.engine = std::make_unique<SoftwareEngine>(config, std::move(signatures), std::move(identities), std::move(policy));
  return out;
}

}  // namespace picket
