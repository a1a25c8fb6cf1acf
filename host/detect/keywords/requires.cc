// requires: what a rule needs of the engine (Suricata 7.0.3 and later), read as Suricata 8
// reads it: a rule whose needs are not met is skipped, as Suricata skips it, and counted.
//
//   requires: version >= 7.0.3;            each comparison must hold: >= > <= < =
//   requires: version >= 7 < 8;            several, in one requirement
//   requires: feature geoip, version >= 8; a feature Picket does not name is not met
#include <algorithm>
#include <string>
#include <vector>

#include "base/text.h"
#include "detect/keywords/keyword.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"requires"};
constexpr uint32_t kVersion[3] = {8, 0, 0};  // the rule language Picket reads

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// -1, 0 or 1 as Picket's version is below, equal to or above "X[.Y[.Z]]"; false when the text
// is not a version.
bool compare(std::string_view text, int& order) {
  uint32_t v[3] = {0, 0, 0};
  size_t part = 0;
  bool digit = false;
  for (char c : text) {
    if (c == '.' && digit && part < 2) {
      ++part;
      digit = false;
    } else if (c >= '0' && c <= '9' && v[part] < 100000) {
      v[part] = v[part] * 10 + static_cast<uint32_t>(c - '0');
      digit = true;
    } else {
      return false;
    }
  }
  if (!digit) return false;
  order = 0;
  for (size_t k = 0; k < 3 && order == 0; ++k) order = kVersion[k] < v[k] ? -1 : kVersion[k] > v[k] ? 1 : 0;
  return true;
}

void parse(const RuleOption& o, rules::Rule&) {
  o.need_value();
  size_t at = 0;
  const std::string_view all = o.value;
  while (at <= all.size()) {
    const size_t comma = std::min(all.find(',', at), all.size());
    const std::vector<std::string_view> w = words(all.substr(at, comma - at));
    const size_t where = o.value_offset + at;
    if (w.empty()) o.fail(where, "requires takes 'feature NAME' or 'version OP X.Y.Z', comma-separated");
    if (w[0] == "feature") {
      if (w.size() != 2) o.fail(where, "requires: 'feature' takes one name");
      o.unsupported(where, "requires feature " + quote(w[1]) + ", which Picket does not have",
                    "requires feature " + std::string(w[1]));
    } else if (w[0] == "version") {
      if (w.size() < 3 || w.size() % 2 == 0) o.fail(where, "requires: 'version' takes OP X.Y.Z pairs (>= 7.0.3 < 8)");
      for (size_t k = 1; k + 1 < w.size(); k += 2) {
        int order = 0;
        if (!compare(w[k + 1], order)) o.fail(where, "requires: " + quote(w[k + 1]) + " is not a version");
        const std::string_view op = w[k];
        bool holds = false;
        if (op == ">=") holds = order >= 0;
        else if (op == ">") holds = order > 0;
        else if (op == "<=") holds = order <= 0;
        else if (op == "<") holds = order < 0;
        else if (op == "=") holds = order == 0;
        else o.fail(where, "requires: " + quote(op) + " is not one of >= > <= < =");
        if (!holds) {
          o.unsupported(where, "requires version " + std::string(op) + " " + std::string(w[k + 1]) +
                                   "; Picket reads rules as Suricata 8.0 does", "requires version");
        }
      }
    } else {
      o.fail(where, "requires: " + quote(w[0]) + " is neither 'feature' nor 'version'");
    }
    at = comma + 1;
  }
}

}  // namespace

const Keyword kRequiresKeyword{kNames, parse, nullptr, nullptr, nullptr};

}  // namespace picket
