// classtype names, their descriptions and default priorities, as rule sets ship them in
// classification.config:
//
//   config classification: web-application-attack,Web Application Attack,1
//
// Decision records take a rule's category from its classtype's description and its severity
// from the rule's priority, else the classtype's, else 3.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace picket::rules {

struct Classtype {
  std::string description;
  int priority = 3;
};

class Classifications {
 public:
  // All lines or none; errors name file:line:column.
  bool parse(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors);
  bool load(const std::string& path, std::vector<Diagnostic>& errors);
  const Classtype* find(std::string_view name) const;
  size_t size() const { return classes_.size(); }

 private:
  std::map<std::string, Classtype, std::less<>> classes_;
};

}  // namespace picket::rules
