// A fleet's state in etcd: the one key layout every picketd reads and picketctl writes.
//
//   /picket/<cluster>/rules/<name>        a rule file's text; diagnostics name it by its key
//   /picket/<cluster>/variables           address and port variables (vars.conf syntax); optional
//   /picket/<cluster>/policy              the policy's text; optional (none: every flow allowed)
//   /picket/<cluster>/settings            engine settings that change verdicts, one `name = value`
//                                         a line as picketd's flags (plan/settings.h); optional
//   /picket/<cluster>/bindings/<prefix>   one identity line, "IDENTITY PREFIX [until TIME]"; a
//                                         binding with a TTL is also under an etcd lease that
//                                         ends a second after `until`, so the store forgets it
//   /picket/<cluster>/ids/<spiffe id>     the identity's numeric id, decimal (2 to 65535)
//   /picket/<cluster>/id-numbers/<n>      the SPIFFE ID holding id n
//   /picket/<cluster>/changed             what the last write was; every picketctl write puts it
//   /picket/<cluster>/nodes/<node>        a node's status (JSON), under the node's own lease
//
// The state is every key but nodes/, and its revision the newest mod_revision among them:
// `changed` carries a write that only deletes (a revoke), so the revision moves with it, and
// a node that restarts reads the same revision the running ones reached through their watch.
// (etcd's own revision moves with every write to the store, nodes' status and other clusters
// included, so it does not name a state.) The state at one revision is the whole truth: a node
// that restarts at it builds the same tables. `until` is an absolute time the writer computed,
// so a binding lapses at the same instant on every node.
//
// Ids are allocated in transactions (allocate_ids): a new SPIFFE ID takes the lowest number
// not held, written with its reverse key only if neither exists yet, so two writers racing for
// a number cannot both get it, and every node numbers every identity alike.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "identity/identity_table.h"
#include "plan/settings.h"
#include "plan/sources.h"
#include "store/etcd_client.h"

namespace picket::store {

// "/picket/<cluster>/"; false, with `error`, when the name is empty or holds '/'.
bool cluster_root(const std::string& cluster, std::string& root, std::string& error);

// The keys under a cluster's root, by their path below it ("rules/web.rules", "policy", ...),
// at one revision. Applying a watch's batches keeps it current.
struct StoreState {
  int64_t revision = 0;  // the state's: the newest mod_revision of its keys
  int64_t seen = 0;      // the store's, as far as it was read: a watch resumes after it
  std::map<std::string, std::string> keys;

  // From a range of the whole root.
  void load(const std::string& root, const std::vector<KeyValue>& kvs, int64_t store_revision);
  // One watch response; true when it changed a key a generation is built from (not nodes/).
  bool apply(const std::string& root, const WatchBatch& batch);
};

// What a generation is built from, as a state holds it.
struct FleetSources {
  Sources sources;                 // variables, rules, bindings, policy: as build_generation takes them
  IdentityRegistry identities;     // the store's ids
  std::vector<Diagnostic> errors;  // ids that are not numbers, two names for one id ...
  std::string fingerprint;         // 16 hex digits over the sources and ids: equal tables, equal prints
  std::optional<EngineSettings> settings;  // when the store has them
};
FleetSources fleet_sources(const StoreState& state, const std::string& root);

// A node takes the store's settings when it starts, over its own flags; a change to them later
// is refused until it restarts (its flows and streams were built under the old ones).
void apply_settings(const EngineSettings& settings, EngineConfig& config);
// Why a running node cannot take `store`'s settings; nullopt when they are the ones it runs.
std::optional<std::string> settings_changed(const EngineSettings& store, const EngineConfig& running);

// Gives each of `names` (SPIFFE IDs) an id in the store if it has none. False, with `error`,
// when the store cannot be reached or every id is taken.
bool allocate_ids(EtcdClient& client, const std::string& root, const std::vector<std::string>& names,
                  std::string& error);

// The `changed` marker, to put in every write's transaction.
TxnOp changed_marker(const std::string& root, const std::string& what);

// A binding's key and value.
std::string binding_key(const std::string& root, const std::string& prefix);
std::string binding_line(const std::string& identity, const std::string& prefix, int64_t not_after_ns);

}  // namespace picket::store
