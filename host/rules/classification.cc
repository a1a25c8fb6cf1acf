#include "rules/classification.h"

#include <fstream>
#include <sstream>

#include "rules/option_values.h"

namespace picket::rules {

bool Classifications::parse(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors) {
  std::map<std::string, Classtype, std::less<>> parsed;
  size_t before = errors.size();
  uint32_t line_no = 0;
  constexpr std::string_view kPrefix = "config classification:";
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto column = static_cast<uint32_t>(t.data() - line.data() + 1);
    if (!t.starts_with(kPrefix)) {
      errors.push_back(Diagnostic::error({file, line_no, column}, "expected 'config classification: NAME,DESCRIPTION,PRIORITY'"));
      continue;
    }
    std::string_view body = trim(t.substr(kPrefix.size()));
    size_t c1 = body.find(',');
    size_t c2 = body.rfind(',');
    if (c1 == std::string_view::npos || c2 == c1) {
      errors.push_back(Diagnostic::error({file, line_no, column}, "expected NAME,DESCRIPTION,PRIORITY"));
      continue;
    }
    std::string_view prio = trim(body.substr(c2 + 1));
    int p = 0;
    for (char c : prio) p = (c >= '0' && c <= '9' && p < 1000) ? p * 10 + (c - '0') : -1;
    if (prio.empty() || p < 1 || p > 255) {
      errors.push_back(Diagnostic::error({file, line_no, static_cast<uint32_t>(column + (prio.data() - t.data()))},
                                         "priority must be a number from 1 to 255"));
      continue;
    }
    parsed[std::string(trim(body.substr(0, c1)))] = {std::string(trim(body.substr(c1 + 1, c2 - c1 - 1))), p};
  }
  if (errors.size() != before) return false;
  for (auto& [k, v] : parsed) classes_[k] = v;
  return true;
}

bool Classifications::load(const std::string& path, std::vector<Diagnostic>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back(Diagnostic::error({path, 0, 0}, "cannot read the classification file"));
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return parse(s.str(), path, errors);
}

const Classtype* Classifications::find(std::string_view name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : &it->second;
}

}  // namespace picket::rules
