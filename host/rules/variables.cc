#include "rules/variables.h"

#include "base/text.h"
#include "rules/default_vars.h"

namespace picket::rules {

Variables Variables::defaults() {
  Variables v;
  std::vector<Diagnostic> errors;
  v.parse(kDefaultVarsText, "policy/vars.conf (built in)", errors);
  return v;
}

bool Variables::valid_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool Variables::parse(std::string_view text, const std::string& file,
                      std::vector<Diagnostic>& errors) {
  std::map<std::string, std::string, std::less<>> parsed;
  size_t errors_before = errors.size();
  for (LineReader lines(text); lines.next();) {
    std::string_view line = lines.line();
    uint32_t line_no = lines.number();
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    uint32_t indent = static_cast<uint32_t>(line.find(t[0]) + 1);
    size_t eq = t.find('=');
    if (eq == std::string_view::npos) {
      errors.push_back(Diagnostic::error({file, line_no, indent}, "expected NAME=value (a variable definition)"));
      continue;
    }
    std::string_view name = trim(t.substr(0, eq));
    std::string_view value = trim(t.substr(eq + 1));
    if (!valid_name(name)) {
      errors.push_back(Diagnostic::error({file, line_no, indent},
                                         quote(name) + " is not a variable name (letters, digits, _)"));
      continue;
    }
    if (value.empty()) {
      errors.push_back(Diagnostic::error({file, line_no, static_cast<uint32_t>(indent + eq + 1)},
                                         "variable " + std::string(name) + " has no value"));
      continue;
    }
    parsed[std::string(name)] = std::string(value);
  }
  if (errors.size() != errors_before) return false;
  for (auto& [k, v] : parsed) values_[k] = v;
  return true;
}

bool Variables::load(const std::string& path, std::vector<Diagnostic>& errors) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    errors.push_back(Diagnostic::error({path, 0, 0}, "cannot read the variables file"));
    return false;
  }
  return parse(*text, path, errors);
}

bool Variables::set(std::string_view assignment, std::string& error) {
  std::vector<Diagnostic> errors;
  if (parse(assignment, "--var", errors)) return true;
  error = errors.empty() ? "bad variable" : errors.front().message;
  return false;
}

const std::string* Variables::find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

}  // namespace picket::rules
