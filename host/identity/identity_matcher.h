// A selector resolved against an identity registry, so that matching a packet's identity id
// is a compare or a bit test instead of string comparisons. Identities registered after the
// matcher was built are resolved when refresh() sees them.
//
// Storage, sized for policies of 100,000 statements and more: `world`, `unknown` and an exact
// SPIFFE ID resolve to one id; a prefix (".../*") to a sparse bitmap of 4,096-id chunks, made
// when the first id in the chunk matches:
//
//   chunks_[id / 4096] ──► 64 words ──► bit id % 4096      (null chunk: no id in it matches)
//
// Sharing: a matcher is shared by every engine judging under any generation of the tables
// (host/plan/generation.h), while the control thread registers new identities for the next
// one. That is safe because refresh() only sets the bits (or the one id) of ids no published
// registry had yet, and publishes a new chunk only once it is filled: an engine never asks
// about an id its own registry does not have, so it never reads a bit that is being written.
// reassign() rewrites the bit of an id given again to a new SPIFFE ID; the controller calls it
// only once no live generation has that id bound, so no engine asks about it either.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "identity/identity_table.h"
#include "identity/selector.h"

namespace picket {

class IdentityMatcher {
 public:
  IdentityMatcher() = default;  // matches any identity
  IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry);
  IdentityMatcher(const IdentityMatcher& other);
  IdentityMatcher& operator=(const IdentityMatcher& other);
  IdentityMatcher(IdentityMatcher&& other) noexcept { *this = std::move(other); }
  IdentityMatcher& operator=(IdentityMatcher&& other) noexcept;

  // Resolves identities registered since the last call. One thread at a time.
  void refresh(const IdentityRegistry& registry);
  // `id` names what `registry` says now (released, or given to another SPIFFE ID).
  void reassign(IdentityId id, const IdentityRegistry& registry);
  bool matches(IdentityId id) const {
    switch (selector_.kind) {
      case IdentitySelector::Kind::kAny: return true;
      case IdentitySelector::Kind::kPrefix: return bits_ && bits_->test(id);
      default: return id_.load(std::memory_order_relaxed) == int32_t{id};
    }
  }
  const IdentitySelector& selector() const { return selector_; }

 private:
  friend class MatcherSet;
  static constexpr size_t kChunkIds = 4096;
  static constexpr size_t kChunks = kMaxIdentities / kChunkIds;

  struct Chunk {
    std::array<std::atomic<uint64_t>, kChunkIds / 64> words{};
  };
  struct Bits {
    std::array<std::atomic<Chunk*>, kChunks> chunks{};
    Bits() = default;
    Bits(const Bits& other);
    ~Bits();
    bool test(IdentityId id) const {
      const Chunk* c = chunks[id / kChunkIds].load(std::memory_order_acquire);
      return c && (c->words[id % kChunkIds / 64].load(std::memory_order_relaxed) >> (id % 64)) & 1;
    }
    void set(IdentityId id);
    void clear(IdentityId id);
  };

  explicit IdentityMatcher(IdentitySelector selector);  // resolves nothing yet
  // Marks `id` as matching (the caller has checked it does).
  void include(IdentityId id);

  IdentitySelector selector_;
  std::atomic<int32_t> id_{-1};  // world, unknown, exact: the id; -1 while not registered
  std::unique_ptr<Bits> bits_;   // prefix: the ids below it
  size_t resolved_ = 0;          // prefix: ids below this have their final bit
};

// The matchers of many selectors (a policy's two per statement), one per distinct selector,
// resolved together: a new identity costs one lookup per '/' of its name, however many
// selectors there are. Matchers are added before the set is published, and never after.
class MatcherSet {
 public:
  // The index of the matcher for `selector`, made if it is new.
  uint32_t add(const IdentitySelector& selector, const IdentityRegistry& registry);
  const IdentityMatcher& operator[](uint32_t i) const { return matchers_[i]; }
  size_t size() const { return matchers_.size(); }
  // Resolves identities registered since the last call, for every matcher. One thread at a time.
  void refresh(const IdentityRegistry& registry);
  // Ids given again to other SPIFFE IDs (IdentityMatcher::reassign), for every matcher.
  void reassign(const std::vector<IdentityId>& ids, const IdentityRegistry& registry);
  // Whether a selector names this SPIFFE ID exactly.
  bool names(const std::string& spiffe_id) const { return exact_.count(spiffe_id) > 0; }

 private:
  std::vector<IdentityMatcher> matchers_;
  std::unordered_map<std::string, uint32_t> by_text_;   // selector as written -> matcher
  std::unordered_map<std::string, uint32_t> prefixes_;  // prefix selector's id -> matcher
  std::unordered_map<std::string, uint32_t> exact_;     // exact SPIFFE ID -> matcher
  size_t resolved_ = 0;
};

}  // namespace picket
