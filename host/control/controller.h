// The tables a running picketd judges by, as control commands change them.
//
// The controller holds the generation in force (host/plan/generation.h). Each command that
// changes something makes the next generation from it, whole, and publishes it: workers see the
// new number with one atomic load between batches and take the generation up. A command that
// fails changes nothing: the generation in force stays, and so does its number.
//
// Identity ids are 16 bits: a fleet that churns through more than 65,534 SPIFFE IDs over a
// daemon's life needs ids back. An id is freed when a change leaves nothing referring to it
// (no binding, and no exact name in the policy or rules in force), and given again, once all
// ids have been given out, only when it is safe: every generation that had it bound is gone
// (no engine can meet it), and the longest flow timeout has passed since (no flow record made
// from it is still to be written).
//
// Commands come from one thread (the daemon's control loop); workers only read.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/diagnostic.h"
#include "device/table_image.h"
#include "plan/generation.h"
#include "plan/sources.h"
#include "pipeline/software_engine.h"
#include "rules/rule_set.h"
#include "rules/variables.h"

namespace picket {

struct NamedText {
  std::string name;  // for diagnostics: file:line:column
  std::string text;
};

struct BindingChange {
  std::string identity;  // a SPIFFE ID, or "world"
  std::string prefix;    // "10.1.2.3", "10.1.0.0/16", ...
  uint64_t ttl_ms = 0;   // 0: until revoked
};

struct ChangeResult {
  bool ok = false;
  std::string message;                   // what went wrong, when not ok
  std::vector<Diagnostic> diagnostics;   // errors, and warnings for skipped rules
  rules::RuleSetReport rules;            // load_rules only
};

class Controller {
 public:
  // `variables` and `strict` are the daemon's, used for every rule set loaded later; `config`
  // is its engines', which a table image must have been compiled for.
  Controller(rules::Variables variables, bool strict, EngineConfig config, std::shared_ptr<const Generation> first);

  // The number of the generation in force: cheap enough for every batch.
  uint32_t latest() const { return latest_.load(std::memory_order_acquire); }
  std::shared_ptr<const Generation> current() const;
  // Whether generations carry device tables: when the first one does (built for a device),
  // every later one does, compiled once here for every device worker. A change whose tables
  // do not fit the device is refused.
  bool device_tables() const { return device_; }
  const EngineConfig& config() const { return config_; }

  // Replaces the rule set: the files parse and compile, or nothing changes.
  ChangeResult load_rules(const std::vector<NamedText>& files, int64_t now_ns);
  // Adds or replaces bindings; a TTL counts from `now_ns`. All apply, or none.
  ChangeResult upsert(const std::vector<BindingChange>& bindings, int64_t now_ns);
  // Removes the bindings of exactly these prefixes. All must exist, or none is removed.
  ChangeResult revoke(const std::vector<std::string>& prefixes, int64_t now_ns);
  ChangeResult replace_policy(const NamedText& policy, int64_t now_ns);
  // Replaces rules, bindings and policy at once with those a table image carries (picketc -o
  // puts its source files in). The sources must compile here to the very tables the image
  // holds, which a device would be given: else nothing changes.
  ChangeResult load_image(const TableImage& image);

  // A fleet's node (store/store_sync.h): from now on the store alone changes the tables, and
  // the commands above are refused, so no node drifts from what the store says. The
  // generation in force was built from `built_from`.
  void follow_store(const Sources& built_from);
  bool follows_store() const { return follows_store_; }
  // Replaces rules, variables, bindings and policy with what the store holds at `revision`,
  // numbered with the store's identity ids, so every node builds the same tables. The rules
  // are compiled again only when their texts or the variables changed. All builds, or nothing
  // changes.
  ChangeResult apply_store(const Sources& sources, const IdentityRegistry& ids, int64_t revision);

 private:
  struct Retired {
    IdentityId id;
    uint32_t generation;  // the first generation without it
    int64_t at_ns;
  };

  // Makes `next` the generation in force.
  ChangeResult publish(std::shared_ptr<const Generation> next);
  // The next generation with the rules of the one in force and these bindings and policy;
  // `retiring` are the ids it frees, `reused` the ids it gives again to other SPIFFE IDs.
  // Either both are recorded, or (when the tables do not fit) the reused ones are given back.
  ChangeResult publish_next(IdentityTable identities, std::shared_ptr<const Policy> policy,
                            std::vector<Retired> retiring = {}, const std::vector<IdentityId>& reused = {});
  // Releases those of `candidates` that nothing in `identities`, `policy` or `signatures`
  // refers to, in `identities`' registry; the list to record once the change is published.
  std::vector<Retired> retire_unreferenced(IdentityTable& identities, const std::vector<IdentityId>& candidates,
                                           const Policy* policy, const SignatureSet& signatures, int64_t now_ns);
  // Ids taken for a change that was then refused: free again at once.
  void give_back(const std::vector<IdentityId>& reused);
  // A freed id that is safe to give again at `now_ns` (see the top of this file), taken off
  // the list; nullopt when there is none yet.
  std::optional<IdentityId> take_reusable(int64_t now_ns);

  rules::Variables variables_;
  bool strict_;
  EngineConfig config_;
  bool device_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Generation> current_;
  std::atomic<uint32_t> latest_;
  std::vector<std::weak_ptr<const Generation>> published_;  // until each is gone
  std::deque<Retired> retired_;                             // oldest first
  int64_t flow_lifetime_ns_;                                // the longest flow idle timeout
  bool follows_store_ = false;
  std::vector<SourceFile> store_rules_;  // the rule and variable texts the store's rules were compiled from
};

}  // namespace picket
