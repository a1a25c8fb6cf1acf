// A selector resolved against an identity registry, so that matching a packet's identity id
// is a bit test instead of string comparisons. Identities registered after the matcher was
// built are resolved when refresh() sees them.
//
// Sharing: a matcher is shared by every engine judging under any generation of the tables
// (host/plan/generation.h), while the control thread registers new identities for the next
// one. That is safe because the bitmap holds all kMaxIdentities ids from the start and refresh()
// only sets the bits of ids no published registry had yet: an engine never asks about an id its
// own registry does not have, so it never reads a bit that is still being written.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "identity/identity_table.h"
#include "identity/selector.h"

namespace picket {

class IdentityMatcher {
 public:
  IdentityMatcher() = default;  // matches any identity
  IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry);
  IdentityMatcher(const IdentityMatcher& other);
  IdentityMatcher& operator=(const IdentityMatcher& other);
  IdentityMatcher(IdentityMatcher&&) = default;
  IdentityMatcher& operator=(IdentityMatcher&&) = default;

  // Resolves identities registered since the last call. One thread at a time.
  void refresh(const IdentityRegistry& registry);
  bool matches(IdentityId id) const {
    if (!words_) return true;  // `any`
    return (words_[id / 64].load(std::memory_order_relaxed) >> (id % 64)) & 1;
  }
  const IdentitySelector& selector() const { return selector_; }

 private:
  static constexpr size_t kWords = kMaxIdentities / 64;

  IdentitySelector selector_;
  std::unique_ptr<std::atomic<uint64_t>[]> words_;  // null for `any`
  size_t resolved_ = 0;  // ids below this have their final bit
};

}  // namespace picket
