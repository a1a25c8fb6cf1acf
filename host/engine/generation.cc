#include "engine/generation.h"

namespace picket {

std::shared_ptr<const Generation> Generation::make(uint32_t number, std::shared_ptr<SignatureSet> signatures,
                                                   IdentityTable identities, std::shared_ptr<Policy> policy) {
  auto g = std::make_shared<Generation>();
  g->number = number;
  if (policy) policy->resolve(identities.registry());
  signatures->refresh_identities(identities.registry());
  g->signatures = std::move(signatures);
  g->identities = std::make_shared<const IdentityTable>(std::move(identities));
  g->policy = std::move(policy);
  return g;
}

}  // namespace picket
