#include "daemon/config_file.h"

#include "base/text.h"

namespace picket {

bool read_config_file(const std::string& path, std::vector<ConfigArg>& out, std::string& error) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    error = path + ": cannot read the configuration file";
    return false;
  }
  std::vector<ConfigArg> args;
  for (LineReader lines(*text); lines.next();) {
    std::string_view line = lines.line();
    auto at = [&](size_t offset) {
      return path + ":" + std::to_string(lines.number()) + ":" + std::to_string(offset + 1);
    };
    // A comment starts at a '#' that begins the line or follows a blank.
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line = line.substr(0, i);
        break;
      }
    }
    if (trim(line).empty()) continue;
    size_t eq = line.find('=');
    std::string_view key = trim(line.substr(0, eq));
    size_t key_at = line.find_first_not_of(" \t");
    bool key_ok = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos &&
                  key.front() != '-';
    if (!key_ok) {
      error = at(key_at) + ": expected 'option = value' or 'option', with the option named as its flag without '--'";
      return false;
    }
    if (key == "config") {
      error = at(key_at) + ": a configuration file cannot name another";
      return false;
    }
    args.push_back({"--" + std::string(key), at(key_at), true});
    if (eq == std::string_view::npos) continue;
    std::string_view value = trim(line.substr(eq + 1));
    size_t value_at = eq + 1 + line.substr(eq + 1).find_first_not_of(" \t");
    if (value.empty()) {
      error = at(eq) + ": '" + std::string(key) + " =' has no value";
      return false;
    }
    args.push_back({std::string(value), at(value_at)});
  }
  out.insert(out.end(), args.begin(), args.end());
  return true;
}

}  // namespace picket
