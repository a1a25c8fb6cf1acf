#include "test_tables.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace picket {

TestTables compile_test_tables(const std::string& name, const std::string& rules, const std::string& identities,
                               const std::string& policy) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / ("tables-" + name);
  fs::create_directories(dir);
  auto put = [&](const std::string& text, const char* file) {
    std::ofstream(dir / file) << text;
    return (dir / file).string();
  };
  EngineFiles files;
  files.rule_files = {put(rules, "test.rules")};
  if (!identities.empty()) files.identity_file = put(identities, "test.identities");
  if (!policy.empty()) files.policy_file = put(policy, "test.policy");
  TestTables t{set_up_engine(files, {}, true), {}, false};
  EXPECT_TRUE(t.setup.engine) << name;
  if (!t.setup.engine) return t;
  t.tables = *t.setup.engine->generation()->device;
  t.ok = true;
  return t;
}

}  // namespace picket
