// Builds a software engine from the operator's files: variables, rules, classification,
// identities and policy. Everything loads, or nothing does: any error is reported (file,
// line, column) and no engine is made.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/software_engine.h"
#include "rules/classification.h"
#include "rules/rule_set.h"

namespace picket {

struct EngineFiles {
  std::vector<std::string> rule_files;
  std::vector<std::string> var_files;
  std::vector<std::string> var_settings;  // NAME=VALUE
  std::string classification_file;
  std::string identity_file;
  std::string policy_file;
  bool strict = false;
};

struct EngineSetup {
  std::unique_ptr<SoftwareEngine> engine;  // null when anything failed
  rules::RuleSetReport rules;
  std::vector<Diagnostic> diagnostics;     // errors, and warnings for skipped rules
  rules::Classifications classifications;
  rules::Variables variables;  // as the files and settings made them, for rule sets loaded later
  double compile_seconds = 0;  // parsing the rules and compiling them for the engine
};

EngineSetup set_up_engine(const EngineFiles& files, const EngineConfig& config);

}  // namespace picket
