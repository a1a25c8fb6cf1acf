// picketd's command line and configuration file, read into one set of options. Usage errors
// print the reason (with the configuration file's file:line:column) and exit 2; --help prints
// the usage and exits 0.
#pragma once

#include <optional>
#include <string>

#include "daemon/engine_setup.h"
#include "daemon/inline.h"
#include "daemon/offline.h"
#include "device/xrt_device.h"
#include "pipeline/software_engine.h"
#include "store/store_sync.h"

namespace picket {

struct DaemonOptions {
  EngineFiles files;
  EngineConfig config;
  OfflineOptions offline;
  InlineOptions online;
  XrtOptions xrt;
  std::string engine_kind = "auto";  // sw, sim, xrt, auto
  bool inline_mode = false;
  bool quiet = false;
  bool redis_server = false;  // --redis was given
  std::string redis_where;    // where the first --redis setting was read (a file's file:line:column)
  std::optional<store::StoreOptions> store;  // --store: a fleet's node
  std::string store_url;                     // --store's value, as given
};

DaemonOptions parse_daemon_options(int argc, char** argv);

}  // namespace picket
