// Workload identities and the bindings of addresses to them.
//
// An identity is a SPIFFE ID with a numeric id the host assigns (16 bits, as the data plane
// carries it). Ids 0 and 1 are reserved: 0 `unknown` (an address no binding applies to), 1
// `world` (which operators bind to outside prefixes, such as 0.0.0.0/0; never implied). Ids are
// never reused or renamed while the table lives.
//
// A binding maps an exact address or a CIDR prefix to an identity until `not_after`
// (inclusive). The longest prefix whose binding still applies at the packet's time wins:
// a lapsed /32 falls back to its /24, and a lapsed /0 leaves `unknown`.
//
// Identity file format (policy/*.identities), one binding a line, '#' comments:
//
//   IDENTITY                       ADDRESS[/PREFIX]   [until RFC3339-TIME]
//   spiffe://demo.picket/frontend  10.10.1.10
//   spiffe://demo.picket/batch     10.10.4.0/28       until 2023-11-14T22:14:00Z
//   world                          0.0.0.0/0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/time_text.h"
#include "packet/ip_address.h"
#include "base/diagnostic.h"

namespace picket {

using IdentityId = uint16_t;
constexpr IdentityId kUnknownIdentity = 0;
constexpr IdentityId kWorldIdentity = 1;
constexpr size_t kMaxIdentities = 65536;

class IdentityRegistry {
 public:
  IdentityRegistry();

  // The id of `spiffe_id` (a valid SPIFFE ID), assigning the next one if it is new;
  // nullopt when all 65536 ids are taken.
  std::optional<IdentityId> intern(std::string_view spiffe_id);
  // The id of a SPIFFE ID, or of "unknown" / "world".
  std::optional<IdentityId> find(std::string_view name) const;
  // "unknown", "world", or the SPIFFE ID.
  const std::string& name(IdentityId id) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, IdentityId> ids_;
};

// Identity allocation, apart from bindings and policy: the ids a generation built from sources
// starts with (plan/build.h). Stable, so every node that compiles the same sources numbers them
// alike, whatever order it read the files in: 0 `unknown`, 1 `world`, then each distinct SPIFFE
// ID the sources name (bindings, policy selectors, rule keywords) in byte order, from 2. An
// identity a control change names first later takes the next free id; ids are never reused.
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
  struct Uint128Hash {
    size_t operator()(uint128 v) const {
      uint64_t h = static_cast<uint64_t>(v) * 0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(v >> 64);
      return (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
    }
  };
  using Level = std::unordered_map<uint128, Binding, Uint128Hash>;

  IdentityRegistry registry_;
  std::map<uint8_t, Level, std::greater<>> levels_;  // by prefix length, longest first
};

// Reads an identity file into `table`: all bindings, or none when any line is bad (each
// bad line is one diagnostic naming file:line:column).
bool load_identities(std::string_view text, const std::string& file, IdentityTable& table,
                     std::vector<Diagnostic>& errors);
bool load_identity_file(const std::string& path, IdentityTable& table, std::vector<Diagnostic>& errors);

}  // namespace picket
