// For the RTL tests: the software engine and table image that the host makes of rule,
// identity and policy texts, as picketc and picketd would.
#pragma once

#include <string>

#include "daemon/engine_setup.h"
#include "plan/table_compiler.h"

namespace picket {

struct TestTables {
  EngineSetup setup;      // setup.engine is null if the texts did not load
  CompiledTables tables;  // empty if they did not compile
  bool ok = false;
};

// The texts are written under the test's temporary folder, in a folder named `name`; an empty
// identity or policy text is not given at all. Failures are reported to GoogleTest.
TestTables compile_test_tables(const std::string& name, const std::string& rules, const std::string& identities = "",
                               const std::string& policy = "");

}  // namespace picket
