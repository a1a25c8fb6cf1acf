// picketd inline: frames arrive on DPDK ports, each worker judges its bursts with its own
// engine and sends what is forwarded out of the peer port; drops never leave.
//
//   port A ─rx queue w─► worker w ─► tx queue w ─► port B      (and B ─► A alike)
//
// Worker w owns queue w of every port. A symmetric RSS hash sends both directions of a flow to
// the same queue, so a flow's state lives in one worker. Forwarded frames wait in a TX buffer
// until a burst fills or the drain timer fires.
//
// The main lcore answers the control API (host/control/); each worker checks for a new
// generation of the tables after every receive and judges the burst under it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/control_server.h"
#include "control/controller.h"
#include "daemon/judge.h"
#include "log/redis_output.h"
#include "store/store_sync.h"
#include "rules/classification.h"

namespace picket {

struct InlineOptions {
  std::vector<std::string> eal_args;
  // Two ports: frames cross between them. One port: forwarded frames leave where they came in.
  std::vector<uint16_t> ports = {0, 1};
  unsigned workers = 0;              // 0: one per worker lcore
  unsigned burst = 32;
  unsigned drain_us = 100;           // the longest a forwarded frame waits in a TX buffer
  unsigned mbufs = 0;                // packet buffers in the pool; 0: 4096 per queue
  unsigned stop_when_idle_ms = 0;    // 0: run until SIGINT or SIGTERM
  std::string eve_path;              // empty: no decision log
  std::optional<RedisConfig> redis;  // decision records to Redis too
  std::string metrics;               // HOST:PORT of the Prometheus endpoint; empty: none
  std::string node;                  // the metrics' node label; empty: the host name
  bool fail_open = false;            // when an engine fails: forward unjudged (true) or drop all
  bool control = true;               // the control API's sockets
  ControlOptions control_options;
  bool quiet = false;
  // A fleet's node: the store it follows, whose state built the first generation (these tables).
  store::StoreSync* store = nullptr;
  std::string store_fingerprint;
  // Called once the EAL runs, before the ports start: picket-inline-bench makes its ring
  // ports here. False, with `error`, stops the run.
  std::function<bool(std::string& error)> before_ports;
};

// Makes worker w's judge; null, with `error`, on failure.
using JudgeFactory = std::function<std::unique_ptr<Judge>(unsigned worker, std::string& error)>;

// Runs until a signal (or idleness, when asked), answering control commands on the main lcore,
// then prints the final counters. Workers take up each generation `controller` publishes
// between two batches. Returns the process's exit status: 0 stopped cleanly, 1 the EAL, a
// port, the control sockets or an engine could not start.
int run_inline(const InlineOptions& options, const JudgeFactory& make_judge,
               const rules::Classifications* classifications, Controller& controller);

}  // namespace picket
