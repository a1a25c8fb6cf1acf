// picketd's configuration file: one option a line, named as its long flag without the dashes,
// so that every setting is also a flag and both read the same way.
//
//   # /etc/picket/picketd.conf
//   rules = /etc/picket/rules/local.rules      # an option that repeats on the command line
//   rules = /etc/picket/rules/et-open.rules    #   repeats here
//   identities = /etc/picket/workloads.identities
//   policy = /etc/picket/mesh.policy
//   ports = 0,1
//   on-failure = closed
//   strict                                     # a flag without a value
//   eal = -l 0-4 -a 0000:3b:00.0 -a 0000:3b:00.1
//
// The value is the rest of the line, blanks around it and a ' #' comment left out. `eal` takes
// the EAL options (the command line's `-- ...`), split at blanks. The file's options come
// first and the command line's after, so a flag given on the command line wins over the file's
// value for an option that takes one.
#pragma once

#include <string>
#include <vector>

namespace picket {

struct ConfigArg {
  std::string text;   // "--rules", "/etc/picket/rules/local.rules", ...
  std::string where;  // "file:line:column" of the key or value; empty for the command line
  bool key = false;   // a configuration file's option name, never the value of the one before
};

// Appends the file's options to `out` as command-line words. False, with `error` naming
// file:line:column, when the file cannot be read or a line is not `key [= value]`.
bool read_config_file(const std::string& path, std::vector<ConfigArg>& out, std::string& error);

}  // namespace picket
