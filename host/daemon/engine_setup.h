// Builds a software engine from the operator's files: reads them once (plan/sources.h), builds
// generation 1 (plan/build.h) and reads the classification file. Everything loads, or nothing
// does: any error is reported (file, line, column) and no engine is made.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/software_engine.h"
#include "plan/build.h"
#include "plan/sources.h"
#include "rules/classification.h"
#include "rules/rule_set.h"

namespace picket {

struct EngineFiles : SourcePaths {
  std::string classification_file;
  bool strict = false;
  bool progress = false;  // a "picketd: loading" line on stderr every 2 s of a long build
};

struct EngineSetup {
  std::unique_ptr<SoftwareEngine> engine;  // null when anything failed
  rules::RuleSetReport rules;
  std::vector<Diagnostic> diagnostics;     // errors, and warnings for skipped rules
  rules::Classifications classifications;
  rules::Variables variables;  // as the files and settings made them, for rule sets loaded later
  double compile_seconds = 0;  // parsing the rules and compiling them for the engine
};

// With `device`, the generation also has the device's tables (a DeviceEngine needs them).
EngineSetup set_up_engine(const EngineFiles& files, const EngineConfig& config, bool device = false);
// The same from sources already read: a fleet's store (store/layout.h), numbered with its ids
// and marked with its revision. `files` gives the classification file and the settings.
EngineSetup set_up_engine_from(const Sources& sources, const IdentityRegistry* ids, int64_t store_revision,
                               const EngineFiles& files, const EngineConfig& config, bool device);

}  // namespace picket
