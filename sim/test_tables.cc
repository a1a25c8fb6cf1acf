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
  TestTables t{set_up_engine(files, {}), {}, false};
  EXPECT_TRUE(t.setup.engine) << name;
  if (!t.setup.engine) return t;
  const SoftwareEngine& e = *t.setup.engine;
  std::string error;
  auto tables = compile_tables(e.signatures(), e.identities(), e.policy(), e.config(), error);
  EXPECT_TRUE(tables) << name << ": " << error;
  if (!tables) return t;
  t.tables = std::move(*tables);
  t.ok = true;
  return t;
}

}  // namespace picket
