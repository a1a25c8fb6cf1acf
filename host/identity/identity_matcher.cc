#include "identity/identity_matcher.h"

namespace picket {

IdentityMatcher::Bits::Bits(const Bits& other) {
  for (size_t i = 0; i < kChunks; ++i) {
    const Chunk* c = other.chunks[i].load(std::memory_order_acquire);
    if (!c) continue;
    auto* copy = new Chunk;
    for (size_t w = 0; w < copy->words.size(); ++w) copy->words[w].store(c->words[w].load(std::memory_order_relaxed));
    chunks[i].store(copy, std::memory_order_release);
  }
}

IdentityMatcher::Bits::~Bits() {
  for (auto& c : chunks) delete c.load(std::memory_order_relaxed);
}

void IdentityMatcher::Bits::set(IdentityId id) {
  Chunk* c = chunks[id / kChunkIds].load(std::memory_order_relaxed);
  if (!c) {
    c = new Chunk;
    c->words[id % kChunkIds / 64].store(uint64_t{1} << (id % 64), std::memory_order_relaxed);
    chunks[id / kChunkIds].store(c, std::memory_order_release);  // published filled
    return;
  }
  c->words[id % kChunkIds / 64].fetch_or(uint64_t{1} << (id % 64), std::memory_order_relaxed);
}

void IdentityMatcher::Bits::clear(IdentityId id) {
  if (Chunk* c = chunks[id / kChunkIds].load(std::memory_order_relaxed)) {
    c->words[id % kChunkIds / 64].fetch_and(~(uint64_t{1} << (id % 64)), std::memory_order_relaxed);
  }
}

IdentityMatcher::IdentityMatcher(IdentitySelector selector) : selector_(std::move(selector)) {
  switch (selector_.kind) {
    case IdentitySelector::Kind::kWorld: id_ = kWorldIdentity; break;
    case IdentitySelector::Kind::kUnknown: id_ = kUnknownIdentity; break;
    case IdentitySelector::Kind::kPrefix: bits_ = std::make_unique<Bits>(); break;
    default: break;
  }
}

IdentityMatcher::IdentityMatcher(IdentitySelector selector, const IdentityRegistry& registry)
    : IdentityMatcher(std::move(selector)) {
  refresh(registry);
}

IdentityMatcher::IdentityMatcher(const IdentityMatcher& other) { *this = other; }

IdentityMatcher& IdentityMatcher::operator=(const IdentityMatcher& other) {
  if (this == &other) return *this;
  selector_ = other.selector_;
  id_.store(other.id_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  bits_ = other.bits_ ? std::make_unique<Bits>(*other.bits_) : nullptr;
  resolved_ = other.resolved_;
  return *this;
}

IdentityMatcher& IdentityMatcher::operator=(IdentityMatcher&& other) noexcept {
  if (this == &other) return *this;
  selector_ = std::move(other.selector_);
  id_.store(other.id_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  bits_ = std::move(other.bits_);
  resolved_ = other.resolved_;
  return *this;
}

void IdentityMatcher::include(IdentityId id) {
  if (bits_) bits_->set(id);
  else id_.store(id, std::memory_order_relaxed);
}

void IdentityMatcher::refresh(const IdentityRegistry& registry) {
  if (selector_.kind == IdentitySelector::Kind::kExact) {
    if (id_.load(std::memory_order_relaxed) < 0) {
      if (std::optional<IdentityId> id = registry.find(selector_.id)) include(*id);
    }
    return;
  }
  if (!bits_) return;
  for (size_t id = std::max<size_t>(resolved_, 2); id < registry.size(); ++id) {  // 0, 1: reserved
    if (selector_.matches(registry.name(static_cast<IdentityId>(id)))) include(static_cast<IdentityId>(id));
  }
  resolved_ = registry.size();
}

void IdentityMatcher::reassign(IdentityId id, const IdentityRegistry& registry) {
  const std::string& name = registry.name(id);
  const bool in_use = id > kWorldIdentity && registry.find(name) == id;
  if (selector_.kind == IdentitySelector::Kind::kPrefix) {
    if (!bits_) return;
    bits_->clear(id);
    if (in_use && selector_.matches(name)) bits_->set(id);
  } else if (selector_.kind == IdentitySelector::Kind::kExact) {
    if (id_.load(std::memory_order_relaxed) == int32_t{id} && !(in_use && name == selector_.id)) {
      id_.store(-1, std::memory_order_relaxed);
    }
    if (in_use && name == selector_.id) include(id);
  }
}

uint32_t MatcherSet::add(const IdentitySelector& selector, const IdentityRegistry& registry) {
  auto [it, fresh] = by_text_.try_emplace(selector.to_string(), static_cast<uint32_t>(matchers_.size()));
  if (!fresh) return it->second;
  IdentityMatcher& m = matchers_.emplace_back(IdentityMatcher(selector));
  if (selector.kind == IdentitySelector::Kind::kPrefix) prefixes_.emplace(selector.id, it->second);
  if (selector.kind == IdentitySelector::Kind::kExact) exact_.emplace(selector.id, it->second);
  if (resolved_ > 0) m.refresh(registry);  // the set's walk has passed the ids there are
  return it->second;
}

void MatcherSet::refresh(const IdentityRegistry& registry) {
  for (size_t id = std::max<size_t>(resolved_, 2); id < registry.size(); ++id) {
    const auto i = static_cast<IdentityId>(id);
    const std::string& name = registry.name(i);
    if (auto e = exact_.find(name); e != exact_.end()) matchers_[e->second].include(i);
    // A prefix selector P/* matches P/x...: look up every P that ends where a '/' of the path is.
    const size_t path = name.find('/', 9);  // past "spiffe://" and the trust domain
    for (size_t slash = path; slash != std::string::npos && slash + 1 < name.size();
         slash = name.find('/', slash + 1)) {
      if (auto p = prefixes_.find(name.substr(0, slash)); p != prefixes_.end()) matchers_[p->second].include(i);
    }
  }
  resolved_ = registry.size();  // the members' own resolved_ is unused: only the set refreshes them
}

void MatcherSet::reassign(const std::vector<IdentityId>& ids, const IdentityRegistry& registry) {
  for (IdentityId id : ids) {
    for (IdentityMatcher& m : matchers_) m.reassign(id, registry);
  }
}

}  // namespace picket
