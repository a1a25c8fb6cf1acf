// One generation of what the engine judges by: the compiled rules, the identity bindings and
// the policy. A generation never changes once made; a control command (host/control/) makes
// the next one from the current one and publishes it, and each engine takes it up between two
// batches. So every packet is judged under exactly one whole generation, and its decision
// record names that generation's number.
//
//   generation 7 ──upsert binding──► generation 8 ──load rules──► generation 9
//     signatures A ───────shared─────► signatures A               signatures B
//     identities 7                     identities 8 (a copy, + 1)  identities 8 (shared)
//
// Parts that do not change are shared, not copied. The identity registry only ever grows, and
// a new generation's registry starts as a copy of the last one's, so an identity keeps its id
// across generations; shared rules and policy learn new identities through refresh_identities,
// which IdentityMatcher makes safe while older generations are still in use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "engine/signature_set.h"
#include "identity/identity_table.h"
#include "policy/policy.h"

namespace picket {

struct Generation {
  uint32_t number = 1;
  std::shared_ptr<SignatureSet> signatures;         // see the note above on sharing
  std::shared_ptr<const IdentityTable> identities;
  std::shared_ptr<Policy> policy;                    // null: no policy, every flow is allowed

  // Completes a generation: interns the identities the policy names, and resolves the rules'
  // and the policy's selectors against the final registry.
  static std::shared_ptr<const Generation> make(uint32_t number, std::shared_ptr<SignatureSet> signatures,
                                                IdentityTable identities, std::shared_ptr<Policy> policy);
};

}  // namespace picket
