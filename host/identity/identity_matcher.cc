#include "identity/identity_matcher.h"

namespace picket {

IdentityMatcher::IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry)
    : selector_(std::move(selector)) {
  refresh(registry);
}

void IdentityMatcher::refresh(const IdentityRegistry& registry) {
  for (size_t id = bits_.size(); id < registry.size(); ++id) {
    auto i = static_cast<IdentityId>(id);
    bool reserved = i == kUnknownIdentity || i == kWorldIdentity;
    const std::string& name = registry.name(i);
    bits_.push_back(reserved ? selector_.matches("", name) : selector_.matches(name));
  }
}

}  // namespace picket
