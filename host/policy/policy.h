// Identity-aware policy as code: ordered allow/deny statements from a client identity to a
// server identity, on a protocol and the server's ports.
//
//   # policy/demo.policy
//   mode enforce                       # or: audit (would-be drops are forwarded and recorded)
//   allow spiffe://demo.picket/frontend -> spiffe://demo.picket/api tcp/8080
//   allow spiffe://demo.picket/api -> spiffe://demo.picket/payments/* tcp/8443,9000-9010
//   deny  any -> spiffe://demo.picket/database tcp/22
//   allow spiffe://demo.picket/batch -> spiffe://demo.picket/database tcp/5432 until 2023-11-14T22:15:00Z
//   allow any -> world udp/53
//
// Selectors: any, world, unknown, a SPIFFE ID, or a prefix ending in /*. Protocol: any (the
// default), tcp, udp, icmp (ICMPv6 included); ports follow a '/', as numbers, lists and
// LOW-HIGH ranges, and never match ICMP. A statement past its `until` no longer applies.
//
// Judgement: a deny that matches wins wherever it stands; else an allow that matches; else
// the packet is denied (default deny). Statements are numbered from 1 in file order.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/diagnostic.h"
#include "base/time_text.h"
#include "identity/identity_matcher.h"
#include "packet/transport.h"
#include "rules/rule.h"

namespace picket {

enum class PolicyMode : uint8_t { kEnforce, kAudit };

struct PolicyStatement {
  enum class Verb : uint8_t { kAllow, kDeny };
  Verb verb = Verb::kAllow;
  IdentitySelector from;
  IdentitySelector to;
  Transport proto = Transport::kAny;
  std::optional<rules::PortSet> ports;  // none: every port, and ICMP
  int64_t until_ns = kNever;
  uint32_t number = 0;  // 1-based, in file order
  SourceLocation location;
  std::string text;     // as written, for records and listings

  bool applies(int64_t now_ns) const { return now_ns <= until_ns; }
};

struct PolicyDecision {
  bool allowed = false;
  uint32_t statement = 0;  // the deciding statement's number; 0: no statement matched
  int64_t valid_until_ns = kNever;  // the decision may change after this (an `until` passes)
};

class Policy {
 public:
  PolicyMode mode = PolicyMode::kEnforce;
  std::vector<PolicyStatement> statements;

  // Resolves the selectors against `registry` (interning the SPIFFE IDs they name exactly,
  // so that bindings added later find them). Call again after identities are registered.
  // Const: a published policy never changes, but its selectors' matchers learn the identities
  // later generations register, which identity_matcher.h makes safe while engines read them.
  // The matchers and the index by server are made at the first call, before the policy is
  // published; later calls cost what the new identities cost, not what the policy does.
  void resolve(IdentityRegistry& registry) const;
  // Ids the registry has given again to other SPIFFE IDs (identity_matcher.h: reassign).
  void reassign(const std::vector<IdentityId>& ids, const IdentityRegistry& registry) const {
    matchers_.reassign(ids, registry);
  }
  // Whether a statement names this SPIFFE ID exactly (its id must then stay).
  bool names(const std::string& spiffe_id) const { return matchers_.names(spiffe_id); }
  // Client identity -> server identity, on `ip_proto` and the server's port (nullopt for
  // packets without ports). `now_ns` is the packet's time.
  PolicyDecision judge(IdentityId client, IdentityId server, uint8_t ip_proto,
                       std::optional<uint16_t> server_port, int64_t now_ns) const;
  const PolicyStatement* statement(uint32_t number) const {
    return number >= 1 && number <= statements.size() ? &statements[number - 1] : nullptr;
  }
  // Whether statement i's from (to) selector matches `id`, as resolved; for table compilers.
  bool from_matches(size_t i, IdentityId id) const { return i < from_.size() && matchers_[from_[i]].matches(id); }
  bool to_matches(size_t i, IdentityId id) const { return i < to_.size() && matchers_[to_[i]].matches(id); }

 private:
  bool matches(size_t i, IdentityId client, IdentityId server, uint8_t ip_proto,
               std::optional<uint16_t> port) const;
  // See resolve(). Statement i's selectors are matchers_[from_[i]] and matchers_[to_[i]].
  // A judgement looks only at the statements that can name its server: those whose `to` is
  // exactly that identity (by_server_) and those whose `to` is not one identity (any_server_),
  // merged in file order.
  mutable MatcherSet matchers_;
  mutable std::vector<uint32_t> from_, to_;
  mutable std::unordered_map<IdentityId, std::vector<uint32_t>> by_server_;
  mutable std::vector<uint32_t> any_server_;
};

// Parses a policy file: all of it, or nothing when any line is bad (one diagnostic per bad
// line, naming file:line:column).
std::optional<Policy> parse_policy(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors);
std::optional<Policy> load_policy_file(const std::string& path, std::vector<Diagnostic>& errors);

}  // namespace picket
