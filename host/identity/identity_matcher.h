// A selector resolved against an identity registry, so that matching a packet's identity id
// is a bit test instead of string comparisons. Identities registered after the matcher was
// built are resolved when refresh() sees them.
#pragma once

#include <vector>

#include "identity/identity_table.h"
#include "identity/selector.h"

namespace picket {

class IdentityMatcher {
 public:
  IdentityMatcher() = default;  // matches any identity
  IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry);

  // Resolves identities registered since the last call.
  void refresh(const IdentityRegistry& registry);
  bool matches(IdentityId id) const {
    if (selector_.kind == IdentitySelector::Kind::kAny) return true;
    return id < bits_.size() && bits_[id];
  }
  const IdentitySelector& selector() const { return selector_; }

 private:
  IdentitySelector selector_;
  std::vector<bool> bits_;
};

}  // namespace picket
