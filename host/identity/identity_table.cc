#include "identity/identity_table.h"

#include <algorithm>

#include "base/text.h"
#include "identity/spiffe_id.h"

namespace picket {

IdentityRegistry::IdentityRegistry() {
  intern("unknown");
  intern("world");
}

std::optional<IdentityId> IdentityRegistry::intern(std::string_view spiffe_id) {
  std::string name(spiffe_id);
  if (const IdentityId* id = ids_.find(name)) return *id;
  if (size_ >= kMaxIdentities) return std::nullopt;
  const auto id = static_cast<IdentityId>(size_);
  const size_t chunk = size_ / kNameChunk;
  if (chunk == names_.size()) names_.push_back(std::make_shared<NameChunk>());
  else if (names_[chunk].use_count() > 1) names_[chunk] = std::make_shared<NameChunk>(*names_[chunk]);
  (*names_[chunk])[size_ % kNameChunk] = name;
  ids_.write(std::move(name)) = id;
  ++size_;
  return id;
}

bool IdentityRegistry::release(IdentityId id) {
  if (id <= kWorldIdentity || id >= size_) return false;
  const size_t chunk = id / kNameChunk;
  const std::string& name = (*names_[chunk])[id % kNameChunk];
  if (name.empty()) return false;
  ids_.erase(name);
  if (names_[chunk].use_count() > 1) names_[chunk] = std::make_shared<NameChunk>(*names_[chunk]);
  (*names_[chunk])[id % kNameChunk].clear();
  ++released_;
  return true;
}

bool IdentityRegistry::reuse(IdentityId id, std::string_view spiffe_id) {
  if (id <= kWorldIdentity || id >= size_ || spiffe_id.empty()) return false;
  const size_t chunk = id / kNameChunk;
  std::string name(spiffe_id);
  if (!(*names_[chunk])[id % kNameChunk].empty() || ids_.find(name)) return false;
  if (names_[chunk].use_count() > 1) names_[chunk] = std::make_shared<NameChunk>(*names_[chunk]);
  (*names_[chunk])[id % kNameChunk] = name;
  ids_.write(name) = id;
  --released_;
  return true;
}

bool IdentityRegistry::assign(IdentityId id, std::string_view spiffe_id) {
  if (id <= kWorldIdentity || spiffe_id.empty()) return false;
  if (const IdentityId* has = ids_.find(std::string(spiffe_id))) return *has == id;
  for (; size_ <= id; ++size_, ++released_) {  // never given: free
    if (size_ / kNameChunk == names_.size()) names_.push_back(std::make_shared<NameChunk>());
  }
  return reuse(id, spiffe_id);
}

std::optional<IdentityId> IdentityRegistry::find(std::string_view name) const {
  const IdentityId* id = ids_.find(std::string(name));
  if (!id) return std::nullopt;
  return *id;
}

const std::string& IdentityRegistry::name(IdentityId id) const {
  if (id >= size_) id = kUnknownIdentity;
  const std::string& name = (*names_[id / kNameChunk])[id % kNameChunk];
  return name.empty() ? (*names_[0])[kUnknownIdentity] : name;  // released
}

std::optional<IdentityRegistry> allocate_identities(std::vector<std::string> spiffe_ids) {
  std::sort(spiffe_ids.begin(), spiffe_ids.end());
  spiffe_ids.erase(std::unique(spiffe_ids.begin(), spiffe_ids.end()), spiffe_ids.end());
  if (spiffe_ids.size() > kMaxIdentities - 2) return std::nullopt;
  IdentityRegistry registry;
  for (const std::string& id : spiffe_ids) registry.intern(id);
  return registry;
}

std::string Binding::prefix_text() const {
  bool v4 = network.is_v4();
  int bits = v4 ? prefix_bits - kV4MappedPrefixBits : prefix_bits;
  std::string s = network.to_string();
  if (bits != (v4 ? 32 : 128)) s += "/" + std::to_string(bits);
  return s;
}

std::optional<Binding> parse_prefix(std::string_view text, std::string& error) {
  size_t slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) {
    error = "expected an IPv4 or IPv6 address or prefix, found " + quote(text);
    return std::nullopt;
  }
  int max_bits = addr->is_v4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    bits = 0;
    if (len.empty() || len.size() > 3) bits = -1;
    for (char c : len) bits = (c >= '0' && c <= '9' && bits >= 0) ? bits * 10 + (c - '0') : -1;
    if (bits < 0 || bits > max_bits) {
      error = "prefix length must be 0 to " + std::to_string(max_bits);
      return std::nullopt;
    }
  }
  Binding b;
  b.prefix_bits = static_cast<uint8_t>(bits + (addr->is_v4() ? kV4MappedPrefixBits : 0));
  uint128 host = b.prefix_bits >= 128 ? 0 : ~uint128{0} >> b.prefix_bits;
  if (addr->value() & host) {
    error = quote(text) + " has host bits set below its prefix length";
    return std::nullopt;
  }
  b.network = *addr;
  return b;
}

void IdentityTable::bind(const Binding& b) {
  const Prefix key{b.network.value(), b.prefix_bits};
  if (const Binding* old = bindings_.find(key)) {
    if (--bound_.write(old->identity) == 0) bound_.erase(old->identity);
  } else if (per_length_[b.prefix_bits]++ == 0) {
    lengths_.insert(std::lower_bound(lengths_.begin(), lengths_.end(), b.prefix_bits, std::greater<>()), b.prefix_bits);
  }
  bindings_.write(key) = b;
  ++bound_.write(b.identity);
}

bool IdentityTable::unbind(const IpAddress& network, uint8_t prefix_bits) {
  const Prefix key{network.value(), prefix_bits};
  const Binding* old = bindings_.find(key);
  if (!old) return false;
  if (--bound_.write(old->identity) == 0) bound_.erase(old->identity);
  bindings_.erase(key);
  if (--per_length_[prefix_bits] == 0) lengths_.erase(std::find(lengths_.begin(), lengths_.end(), prefix_bits));
  return true;
}

const Binding* IdentityTable::binding(const IpAddress& network, uint8_t prefix_bits) const {
  return bindings_.find({network.value(), prefix_bits});
}

uint32_t IdentityTable::bindings_of(IdentityId id) const {
  const uint32_t* n = bound_.find(id);
  return n ? *n : 0;
}

const Binding* IdentityTable::find_binding(const IpAddress& address, int64_t now_ns) const {
  const uint128 v = address.value();
  for (const uint8_t bits : lengths_) {
    const uint128 mask = bits == 0 ? 0 : ~uint128{0} << (128 - bits);
    const Binding* b = bindings_.find({v & mask, bits});
    if (b && b->applies(now_ns)) return b;
  }
  return nullptr;
}

IdentityId IdentityTable::lookup(const IpAddress& address, int64_t now_ns) const {
  const Binding* b = find_binding(address, now_ns);
  return b ? b->identity : kUnknownIdentity;
}

size_t IdentityTable::size() const { return bindings_.size(); }

std::vector<Binding> IdentityTable::bindings() const {
  std::vector<Binding> out;
  out.reserve(bindings_.size());
  bindings_.for_each([&](const Prefix&, const Binding& b) { out.push_back(b); });
  // Longest first, then by address: the same table lists the same way, however it was built.
  std::sort(out.begin(), out.end(), [](const Binding& a, const Binding& b) {
    return a.prefix_bits != b.prefix_bits ? a.prefix_bits > b.prefix_bits : a.network.value() < b.network.value();
  });
  return out;
}

bool load_identities(std::string_view text, const std::string& file, IdentityTable& table,
                     std::vector<Diagnostic>& errors) {
  struct Pending {
    std::string identity;
    Binding binding;
    uint32_t line;
  };
  std::vector<Pending> pending;
  std::map<std::pair<uint128, uint8_t>, uint32_t> seen;  // prefix -> line
  size_t errors_before = errors.size();
  for (LineReader lines(text); lines.next();) {
    uint32_t line_no = lines.number();
    std::vector<Word> f = split_words(lines.line());
    if (f.empty()) continue;
    auto error = [&](uint32_t column, std::string message) {
      errors.push_back(Diagnostic::error({file, line_no, column}, std::move(message)));
    };
    if (f.size() != 2 && f.size() != 4) {
      error(f.size() > 2 ? f[2].column : f.back().column + static_cast<uint32_t>(f.back().text.size()),
            "expected IDENTITY ADDRESS[/PREFIX] [until TIME]");
      continue;
    }
    std::string_view id = f[0].text;
    if (id == "unknown") {
      error(f[0].column, "'unknown' cannot be bound: it is what an address without a binding is");
      continue;
    }
    if (id != "world") {
      if (auto e = check_spiffe_id(id)) {
        error(f[0].column + static_cast<uint32_t>(e->offset), e->message);
        continue;
      }
    }
    std::string why;
    auto b = parse_prefix(f[1].text, why);
    if (!b) {
      error(f[1].column, why);
      continue;
    }
    if (f.size() == 4) {
      if (f[2].text != "until") {
        error(f[2].column, "expected 'until' before the binding's end time");
        continue;
      }
      auto t = parse_rfc3339(f[3].text);
      if (!t) {
        error(f[3].column, "expected an RFC 3339 time with a zone, such as 2023-11-14T22:15:00Z");
        continue;
      }
      b->not_after_ns = *t;
    }
    auto [it, fresh] = seen.emplace(std::pair{b->network.value(), b->prefix_bits}, line_no);
    if (!fresh) {
      error(f[1].column, b->prefix_text() + " is bound twice (first on line " + std::to_string(it->second) + ")");
      continue;
    }
    pending.push_back({std::string(id), *b, line_no});
  }
  if (errors.size() != errors_before) return false;
  // Intern every identity before binding anything, so a full registry changes nothing.
  IdentityRegistry registry = table.registry();
  for (Pending& p : pending) {
    auto id = p.identity == "world" ? std::optional<IdentityId>(kWorldIdentity) : registry.intern(p.identity);
    if (!id) {
      errors.push_back(Diagnostic::error({file, p.line, 1}, "more than 65536 identities"));
      return false;
    }
    p.binding.identity = *id;
  }
  table.registry() = std::move(registry);
  for (const Pending& p : pending) table.bind(p.binding);
  return true;
}

bool load_identity_file(const std::string& path, IdentityTable& table, std::vector<Diagnostic>& errors) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    errors.push_back(Diagnostic::error({path, 0, 0}, "cannot read the identity file"));
    return false;
  }
  return load_identities(*text, path, table, errors);
}

std::vector<std::string> IdentityTable::bound_identities() const {
  std::vector<bool> seen(registry_.size(), false);
  std::vector<std::string> out;
  bindings_.for_each([&](const Prefix&, const Binding& b) {
    if (b.identity <= kWorldIdentity || seen[b.identity]) return;
    seen[b.identity] = true;
    out.push_back(registry_.name(b.identity));
  });
  return out;
}

IdentityTable IdentityTable::renumbered(IdentityRegistry registry) const {
  IdentityTable out;
  out.registry_ = std::move(registry);
  bindings_.for_each([&](const Prefix&, const Binding& b) {
    Binding moved = b;
    moved.identity = b.identity <= kWorldIdentity ? b.identity : *out.registry_.find(registry_.name(b.identity));
    out.bind(moved);
  });
  return out;
}

}  // namespace picket
