#include "plan/generation.h"

namespace picket {

std::shared_ptr<const Generation> Generation::make(uint32_t number, std::shared_ptr<const SignatureSet> signatures,
                                                   IdentityTable identities, std::shared_ptr<const Policy> policy,
                                                   std::shared_ptr<const SignatureTables> signature_tables,
                                                   bool drop_malformed, std::string& error) {
  auto g = std::make_shared<Generation>();
  g->number = number;
  if (policy) policy->resolve(identities.registry());
  if (signature_tables) {
    auto tables = compile_tables(*signature_tables, identities, policy.get(), drop_malformed, error);
    if (!tables) return nullptr;
    g->device = std::make_shared<const CompiledTables>(std::move(*tables));
  }
  signatures->refresh_identities(identities.registry());
  g->signatures = std::move(signatures);
  g->identities = std::make_shared<const IdentityTable>(std::move(identities));
  g->policy = std::move(policy);
  g->signature_tables = std::move(signature_tables);
  return g;
}

}  // namespace picket
