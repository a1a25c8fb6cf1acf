#include "identity/identity_matcher.h"

namespace picket {

IdentityMatcher::IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry)
    : selector_(std::move(selector)) {
  if (selector_.kind != IdentitySelector::Kind::kAny) {
    words_ = std::make_unique<std::atomic<uint64_t>[]>(kWords);  // zeroed
  }
  refresh(registry);
}

IdentityMatcher::IdentityMatcher(const IdentityMatcher& other) { *this = other; }

IdentityMatcher& IdentityMatcher::operator=(const IdentityMatcher& other) {
  if (this == &other) return *this;
  selector_ = other.selector_;
  resolved_ = other.resolved_;
  words_.reset();
  if (other.words_) {
    words_ = std::make_unique<std::atomic<uint64_t>[]>(kWords);
    for (size_t i = 0; i < kWords; ++i) words_[i].store(other.words_[i].load(std::memory_order_relaxed));
  }
  return *this;
}

void IdentityMatcher::refresh(const IdentityRegistry& registry) {
  if (!words_) return;
  for (size_t id = resolved_; id < registry.size(); ++id) {
    auto i = static_cast<IdentityId>(id);
    bool reserved = i == kUnknownIdentity || i == kWorldIdentity;
    const std::string& name = registry.name(i);
    if (reserved ? selector_.matches("", name) : selector_.matches(name)) {
      words_[id / 64].fetch_or(uint64_t{1} << (id % 64), std::memory_order_relaxed);
    }
  }
  resolved_ = registry.size();
}

}  // namespace picket
