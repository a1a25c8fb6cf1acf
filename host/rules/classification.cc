#include "rules/classification.h"

#include "base/text.h"

namespace picket::rules {

bool Classifications::parse(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors) {
  std::map<std::string, Classtype, std::less<>> parsed;
  size_t before = errors.size();
  constexpr std::string_view kPrefix = "config classification:";
  for (LineReader lines(text); lines.next();) {
    std::string_view line = lines.line();
    uint32_t line_no = lines.number();
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
    int p = prio.empty() || prio.size() > 3 ? -1 : 0;
    for (char c : prio) {
      if (p < 0 || c < '0' || c > '9') {
        p = -1;
        break;
      }
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 255) {
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
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    errors.push_back(Diagnostic::error({path, 0, 0}, "cannot read the classification file"));
    return false;
  }
  return parse(*text, path, errors);
}

const Classtype* Classifications::find(std::string_view name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : &it->second;
}

}  // namespace picket::rules
