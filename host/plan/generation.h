// One generation of what the engines judge by: the compiled rules, the identity bindings, the
// policy and, when a device judges, the device's tables. A generation never changes once made:
// the controller (host/control/) makes the next one from the current one and publishes it, and
// each engine takes it up between two batches. So every packet is judged under exactly one
// whole generation, on the card as on the host, and its decision record names its number.
//
//   generation 7 ──upsert binding──► generation 8 ──load rules──► generation 9
//     signatures A ───────shared─────► signatures A               signatures B
//     signature tables A ───shared───► signature tables A         signature tables B
//     identities 7                     identities 8 (a copy, + 1)  identities 8 (shared)
//     device tables 7                  device tables 8             device tables 9
//
// Immutable by type: engines hold a shared_ptr<const Generation>, whose parts are all const.
// Parts that do not change are shared, not copied. The identity registry only ever grows, and
// a new generation's registry starts as a copy of the last one's, so an identity keeps its id
// across generations; shared rules and policy learn new identities through refresh_identities,
// which IdentityMatcher makes safe while older generations are still in use.
//
// Generations are built by host/plan/build.h from the operator's sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "plan/table_compiler.h"
#include "detect/signature_set.h"
#include "identity/identity_table.h"
#include "policy/policy.h"

namespace picket {

struct Generation {
  uint32_t number = 1;
  // In a fleet, the revision of the store (store/layout.h) it was built from: every node
  // enforcing one revision judges by the same tables. 0: not from a store.
  int64_t store_revision = 0;
  std::shared_ptr<const SignatureSet> signatures;  // see the note above on sharing
  std::shared_ptr<const IdentityTable> identities;
  std::shared_ptr<const Policy> policy;            // null: no policy, every flow is allowed
  // With a device: the rules' tables (the split of `signatures` between host and hardware
  // literals follows their plan), and the whole image the device loads. Null without one.
  std::shared_ptr<const SignatureTables> signature_tables;
  std::shared_ptr<const CompiledTables> device;

  // Completes a generation: resolves the rules' and the policy's selectors against the final
  // registry and, when `signature_tables` is given, compiles the device's tables (with
  // `drop_malformed`, the CONTROL bit). Null, with `error`, when they do not fit the device.
  static std::shared_ptr<const Generation> make(uint32_t number, std::shared_ptr<const SignatureSet> signatures,
                                                IdentityTable identities, std::shared_ptr<const Policy> policy,
                                                std::shared_ptr<const SignatureTables> signature_tables,
                                                bool drop_malformed, std::string& error);
};

}  // namespace picket
