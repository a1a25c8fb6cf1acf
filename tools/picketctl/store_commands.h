// picketctl --store: the commands that write a fleet's store (host/store/layout.h) instead of
// one daemon, and `fleet`, which lists the nodes following it. Every picketd of the cluster
// takes each write as one generation; a write no node can build is refused by each of them
// alike and shows under their status (`fleet`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/etcd_client.h"

namespace picketctl {

struct StoreTarget {
  std::string url;  // as given
  picket::store::EtcdOptions etcd;
  std::string cluster = "default";
  bool json = false;
};

// Runs upsert, revoke, policy, load-rules or fleet against the store; the exit status: 0 done,
// 1 refused (a revoke of a prefix with no binding, a bad address), 2 unreadable file,
// 3 the store did not answer. nullopt when `command` is none of these.
std::optional<int> run_store_command(const StoreTarget& target, const std::string& command,
                                     const std::vector<std::string>& args, std::optional<uint64_t> ttl_ms);

}  // namespace picketctl
