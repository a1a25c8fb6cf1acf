// The operator's texts a generation is built from: rule, variable, identity and policy files,
// each read once. What was compiled is what a table image carries (picketc -o), byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"

namespace picket {

// One file, as read (table_image.proto, SourceFile).
struct SourceFile {
  enum class Kind : uint8_t { kRules = 0, kVariables = 1, kIdentities = 2, kPolicy = 3 };
  Kind kind = Kind::kRules;
  std::string name;  // a path as the operator gave it, or "--var" for NAME=VALUE lines
  std::string text;
  bool operator==(const SourceFile&) const = default;
};

// Where the sources are. Variables apply in order over the built-in defaults, then the
// NAME=VALUE settings.
struct SourcePaths {
  std::vector<std::string> rule_files;
  std::vector<std::string> var_files;
  std::vector<std::string> var_settings;  // NAME=VALUE
  std::string identity_file;              // empty: no bindings
  std::string policy_file;                // empty: no policy, every flow is allowed
};

struct Sources {
  std::vector<SourceFile> files;  // variables, rules, identities, policy, in that order

  size_t count(SourceFile::Kind kind) const;
};

// Reads every file once. nullopt, with one error per file that cannot be read, when any cannot.
std::optional<Sources> read_sources(const SourcePaths& paths, std::vector<Diagnostic>& errors);

}  // namespace picket
