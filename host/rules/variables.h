// Address and port variables ($HOME_NET, $HTTP_PORTS, ...) that rule headers refer to.
//
// File format: one NAME=value per line (spaces around '=' allowed), '#' starts a comment.
// A value is kept as text and parsed where a rule uses it, as an address or a port list.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace picket::rules {

class Variables {
 public:
  // The built-in values: policy/vars.conf, embedded at build time.
  static Variables defaults();

  // Adds or replaces the variables `text` defines. Returns false, with one diagnostic per
  // bad line in `errors`, and changes nothing when any line is bad.
  bool parse(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors);
  // Reads a file and parses it; an unreadable file is one error.
  bool load(const std::string& path, std::vector<Diagnostic>& errors);
  // NAME=VALUE, as given on a command line.
  bool set(std::string_view assignment, std::string& error);

  const std::string* find(std::string_view name) const;
  size_t size() const { return values_.size(); }

  static bool valid_name(std::string_view name);

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace picket::rules
