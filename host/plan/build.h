// The one compiler: the operator's sources and the engine settings in, one immutable
// generation out (host/plan/generation.h): the rule set with its Hyperscan databases, the
// identities, the policy and, with a device, the device's tables. picketd's start-up, picketc,
// the controller's load-rules and load-image, the benchmarks and the tests all build here.
//
//   sources ──parse──► variables, bindings, policy, rules
//           ──allocate identities (identity/identity_table.h: sorted, stable)──►
//           ──compile──► signature tables (device) ─► SignatureSet (host/hardware split)
//           ──► Generation::make (device tables) ──► generation
//
// Everything builds, or nothing does: any error is reported (file:line:column) and no
// generation is made.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "plan/build_progress.h"
#include "plan/generation.h"
#include "pipeline/software_engine.h"
#include "plan/sources.h"
#include "rules/rule_set.h"
#include "rules/variables.h"

namespace picket {

struct BuildOptions {
  bool strict = false;   // a rule that would be skipped is an error
  bool device = false;   // also compile the device's tables
  uint32_t number = 1;   // the generation's number
  BuildProgress* progress = nullptr;  // told each step, for a progress line
  // The ids a fleet's store allocated (store/layout.h): every SPIFFE ID the sources name must
  // have one, and the tables number them so. Null: allocated here, sorted and stable.
  const IdentityRegistry* identities = nullptr;
};

struct Build {
  std::shared_ptr<const Generation> generation;  // null when anything failed
  std::vector<Diagnostic> diagnostics;           // errors, and warnings for skipped rules
  rules::RuleSetReport rules;
  rules::Variables variables;  // as the sources made them, for rule sets loaded later
  double compile_seconds = 0;  // parsing the rules and compiling them
};

Build build_generation(const Sources& sources, const EngineConfig& settings, const BuildOptions& options);

// A rule set compiled for the host and, with a device, its tables.
struct CompiledRules {
  std::shared_ptr<const SignatureSet> signatures;  // null, with `error`, when a pattern does not compile
  std::shared_ptr<const SignatureTables> tables;
  std::string error;
};

// Compiles parsed rules, interning the identities they name exactly into `registry` (at a
// build they are there already; a rule set a control command loads may name new ones).
CompiledRules compile_rules(std::vector<rules::Rule> rules, IdentityRegistry& registry, bool device);

}  // namespace picket
