// Workload identities and the bindings of addresses to them.
//
// An identity is a SPIFFE ID with a numeric id the host assigns (16 bits, as the data plane
// carries it). Ids 0 and 1 are reserved: 0 `unknown` (an address no binding applies to), 1
// `world` (which operators bind to outside prefixes, such as 0.0.0.0/0; never implied). An id
// names one SPIFFE ID until it is released; only the controller gives it again, and only when
// no generation or flow can still hold it (control/controller.h).
//
// A binding maps an exact address or a CIDR prefix to an identity until `not_after`
// (inclusive). The longest prefix whose binding still applies at the packet's time wins:
// a lapsed /32 falls back to its /24, and a lapsed /0 leaves `unknown`.
//
// Copies are cheap: the registry and the bindings are kept in shards that copies share
// (base/shared_shards.h), so the next generation a control change makes from the one in force
// copies a few hundred pointers and the shards the change touches, whatever the table's size.
//
// Identity file format (policy/*.identities), one binding a line, '#' comments:
//
//   IDENTITY                       ADDRESS[/PREFIX]   [until RFC3339-TIME]
//   spiffe://demo.picket/frontend  10.10.1.10
//   spiffe://demo.picket/batch     10.10.4.0/28       until 2023-11-14T22:14:00Z
//   world                          0.0.0.0/0
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/diagnostic.h"
#include "base/shared_shards.h"
#include "base/time_text.h"
#include "packet/ip_address.h"

namespace picket {

using IdentityId = uint16_t;
constexpr IdentityId kUnknownIdentity = 0;
constexpr IdentityId kWorldIdentity = 1;
constexpr size_t kMaxIdentities = 65536;

class IdentityRegistry {
 public:
  IdentityRegistry();

  // The id of `spiffe_id` (a valid SPIFFE ID), assigning the next one if it is new;
  // nullopt when all 65536 ids have been given out.
  std::optional<IdentityId> intern(std::string_view spiffe_id);
  // Frees the id of a SPIFFE ID nothing refers to any more: its name is forgotten here, and
  // name(id) says "unknown". False for the reserved ids and ids not in use.
  bool release(IdentityId id);
  // Gives a released id to a new SPIFFE ID (the controller decides when that is safe:
  // control/controller.h). False when the id is in use or the name has one.
  bool reuse(IdentityId id, std::string_view spiffe_id);
  // Gives `id` to `spiffe_id` as a fleet's store allocated it (store/layout.h), the ids below
  // it not given yet left free. True when the name has this id already; false when either has
  // another, or the id is reserved.
  bool assign(IdentityId id, std::string_view spiffe_id);
  // The id of a SPIFFE ID, or of "unknown" / "world".
  std::optional<IdentityId> find(std::string_view name) const;
  // "unknown", "world", or the SPIFFE ID.
  const std::string& name(IdentityId id) const;
  // One past the highest id given out (released ids included).
  size_t size() const { return size_; }
  // The ids that name an identity now (the reserved two included).
  size_t in_use() const { return size_ - released_; }

 private:
  // Names by id in chunks of 256, appended to at the end: a copy shares every chunk.
  static constexpr size_t kNameChunk = 256;
  using NameChunk = std::array<std::string, kNameChunk>;

  std::vector<std::shared_ptr<NameChunk>> names_;
  size_t size_ = 0;
  size_t released_ = 0;
  SharedShards<std::string, IdentityId, std::hash<std::string>, 256> ids_;
};

// Identity allocation, apart from bindings and policy: the ids a generation built from sources
// starts with (plan/build.h). Stable, so every node that compiles the same sources numbers them
// alike, whatever order it read the files in: 0 `unknown`, 1 `world`, then each distinct SPIFFE
// ID the sources name (bindings, policy selectors, rule keywords) in byte order, from 2. An
// identity a control change names first later takes the next id; once all are given out, an
// id freed for want of references (control/controller.h says when) is given again.
// nullopt when the sources name more SPIFFE IDs than the data plane's 16-bit ids can number
// (kMaxIdentities less `unknown` and `world`).
std::optional<IdentityRegistry> allocate_identities(std::vector<std::string> spiffe_ids);

struct Binding {
  IpAddress network;          // host bits zero
  uint8_t prefix_bits = 128;  // in the 128-bit space: IPv4 /n is 96 + n
  IdentityId identity = kUnknownIdentity;
  int64_t not_after_ns = kNever;

  bool applies(int64_t now_ns) const { return now_ns <= not_after_ns; }
  // "10.0.0.0/8", "2001:db8::/32", "10.0.0.1" (a full-length prefix is written bare).
  std::string prefix_text() const;
};

// "10.1.2.3", "10.1.0.0/16", "2001:db8::/32" -> network and prefix length; nullopt with a
// message in `error` otherwise. Host bits set below the prefix are an error.
std::optional<Binding> parse_prefix(std::string_view text, std::string& error);

class IdentityTable {
 public:
  IdentityRegistry& registry() { return registry_; }
  const IdentityRegistry& registry() const { return registry_; }

  // Adds the binding, or replaces the one of the same prefix.
  void bind(const Binding& b);
  // Removes the binding of exactly this prefix; false when there was none.
  bool unbind(const IpAddress& network, uint8_t prefix_bits);
  // The binding of exactly this prefix, if any.
  const Binding* binding(const IpAddress& network, uint8_t prefix_bits) const;
  // How many bindings name `id`.
  uint32_t bindings_of(IdentityId id) const;
  IdentityId lookup(const IpAddress& address, int64_t now_ns) const;
  // The binding that decides `address` at `now_ns`, if any.
  const Binding* find_binding(const IpAddress& address, int64_t now_ns) const;

  size_t size() const;
  std::vector<Binding> bindings() const;  // longest prefixes first
  // The SPIFFE IDs the bindings name, each once ("world" left out).
  std::vector<std::string> bound_identities() const;
  // The same bindings under `registry`, which holds every identity they name.
  IdentityTable renumbered(IdentityRegistry registry) const;

 private:
  struct Prefix {
    uint128 network;
    uint8_t bits;
    bool operator==(const Prefix&) const = default;
  };
  struct PrefixHash {
    size_t operator()(const Prefix& p) const {
      uint64_t h = static_cast<uint64_t>(p.network) * 0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(p.network >> 64) ^
                   uint64_t{p.bits} << 56;
      h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
      return h ^ (h >> 32);
    }
  };

  struct IdHash {
    size_t operator()(IdentityId id) const { return size_t{id} * 0x9e3779b97f4a7c15ULL; }
  };

  IdentityRegistry registry_;
  SharedShards<Prefix, Binding, PrefixHash, 1024> bindings_;
  SharedShards<IdentityId, uint32_t, IdHash, 64> bound_;  // bindings per identity, when any
  std::array<uint32_t, 129> per_length_{};  // bindings of each prefix length
  std::vector<uint8_t> lengths_;            // the lengths that have any, longest first
};

// Reads an identity file into `table`: all bindings, or none when any line is bad (each
// bad line is one diagnostic naming file:line:column).
bool load_identities(std::string_view text, const std::string& file, IdentityTable& table,
                     std::vector<Diagnostic>& errors);
bool load_identity_file(const std::string& path, IdentityTable& table, std::vector<Diagnostic>& errors);

}  // namespace picket
