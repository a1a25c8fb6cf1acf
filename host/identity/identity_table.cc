#include "identity/identity_table.h"

#include <algorithm>

#include "base/text.h"
#include "identity/spiffe_id.h"

namespace picket {

IdentityRegistry::IdentityRegistry() : names_{"unknown", "world"} {
  ids_["unknown"] = kUnknownIdentity;
  ids_["world"] = kWorldIdentity;
}

std::optional<IdentityId> IdentityRegistry::intern(std::string_view spiffe_id) {
  if (auto it = ids_.find(std::string(spiffe_id)); it != ids_.end()) return it->second;
  if (names_.size() >= kMaxIdentities) return std::nullopt;
  auto id = static_cast<IdentityId>(names_.size());
  names_.emplace_back(spiffe_id);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<IdentityId> IdentityRegistry::find(std::string_view name) const {
  auto it = ids_.find(std::string(name));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& IdentityRegistry::name(IdentityId id) const {
  return id < names_.size() ? names_[id] : names_[kUnknownIdentity];
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

void IdentityTable::bind(const Binding& b) { levels_[b.prefix_bits][b.network.value()] = b; }

bool IdentityTable::unbind(const IpAddress& network, uint8_t prefix_bits) {
  auto level = levels_.find(prefix_bits);
  if (level == levels_.end() || level->second.erase(network.value()) == 0) return false;
  if (level->second.empty()) levels_.erase(level);
  return true;
}

const Binding* IdentityTable::find_binding(const IpAddress& address, int64_t now_ns) const {
  uint128 v = address.value();
  for (const auto& [bits, level] : levels_) {
    uint128 mask = bits == 0 ? 0 : ~uint128{0} << (128 - bits);
    auto it = level.find(v & mask);
    if (it != level.end() && it->second.applies(now_ns)) return &it->second;
  }
  return nullptr;
}

IdentityId IdentityTable::lookup(const IpAddress& address, int64_t now_ns) const {
  const Binding* b = find_binding(address, now_ns);
  return b ? b->identity : kUnknownIdentity;
}

size_t IdentityTable::size() const {
  size_t n = 0;
  for (const auto& [bits, level] : levels_) n += level.size();
  return n;
}

std::vector<Binding> IdentityTable::bindings() const {
  std::vector<Binding> out;
  for (const auto& [bits, level] : levels_) {
    for (const auto& [value, b] : level) out.push_back(b);
  }
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
  for (const auto& [bits, level] : levels_) {
    for (const auto& [network, b] : level) {
      if (b.identity <= kWorldIdentity || seen[b.identity]) continue;
      seen[b.identity] = true;
      out.push_back(registry_.name(b.identity));
    }
  }
  return out;
}

IdentityTable IdentityTable::renumbered(IdentityRegistry registry) const {
  IdentityTable out;
  out.registry_ = std::move(registry);
  for (const auto& [bits, level] : levels_) {
    for (const auto& [network, b] : level) {
      Binding moved = b;
      moved.identity = b.identity <= kWorldIdentity ? b.identity : *out.registry_.find(registry_.name(b.identity));
      out.bind(moved);
    }
  }
  return out;
}

}  // namespace picket
