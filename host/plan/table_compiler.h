// The table compiler: turns the rules (the rule model only), the identity table and the policy
// into a table image for the data plane (hw/register_map.json), and says what the hardware does
// with each rule. plan/build.h calls it for every generation that has a device.
//
// Signatures: a rule with a hardware window of 4 bytes or more in a buffer sent as it is (P,
// at most 8 bytes: rules/fast_pattern.h) is filed in the hardware by it, or by another window
// of the same content when that slot is taken. Of the rest, one with a short content at a
// fixed place near the payload's start (TFTP's opcodes) gets an anchored literal
// (hw/anchored_match.sv): frames without it there need no look from the host for it; one with
// a content of 1 to 4 bytes anywhere gets a short literal (hw/short_match.sv), the same way.
// Rules sharing a P share one hardware literal id; a hit
// on it makes them candidates for the host to check. A literal with a single rule whose every
// condition the hardware checks (one content of at most 8 bytes, an absolute window, protocol,
// one port range each way, alert or drop, and only keyword conditions the card checks:
// detect/keywords/) is final: the hardware's hit is the rule's match. Every other rule is
// host-only, and the HOST_* flags and HOST_PORTS tell the card which packets such rules may
// match; those that need an HTTP flow apart, for the frames of flows that may carry HTTP.
// Identities: full-length bindings in the two hash ways, the rest (and hash overflow) in the
// prefix table. Policy: statement entries in file order, and per-identity selector masks.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <span>

#include "device/table_image.h"
#include "identity/identity_table.h"
#include "policy/policy.h"
#include "rules/rule.h"

namespace picket {

// Why a rule is left to the host (kOnCard: it is not; the card's literals find it).
enum class HostReason : uint8_t {
  kOnCard,
  kNoLiteral,     // no content to search for (pcre or header conditions only)
  kShortLiteral,  // no content of 4 bytes or more the card could file it by
  kBuiltBuffer,   // its fast pattern is in a buffer a parser builds (a normalized URI, a body)
  kNoSlot,        // its literal found no free slot in the tables
};
constexpr size_t kHostReasons = 5;
const char* host_reason_name(HostReason r);

struct HardwarePlan {
  std::vector<std::vector<uint32_t>> rules_of_literal;  // by hardware literal id: rule indices
  std::vector<bool> literal_final;                      // by literal id
  std::vector<bool> in_hardware;                        // by rule: found by the hardware's literals
  std::vector<bool> anchored;                           // by rule: found by an anchored literal
  std::vector<bool> short_literal;                      // by rule: found by a short literal
  std::vector<HostReason> host_reason;                  // by rule (kOnCard for those two)

  struct Report {
    size_t rules = 0;
    size_t hardware_rules = 0;  // found by hardware literals
    size_t final_rules = 0;     // decided by the hardware alone
    size_t host_rules = 0;      // host-only: no payload literal of 4 bytes or more, or no room
    std::array<size_t, kHostReasons> host_by_reason{};  // host_rules, by HostReason
    size_t literals = 0;
    size_t literal_collisions = 0;  // literals left to the host for want of a free slot
    size_t anchored_rules = 0;      // found by anchored literals (hw/anchored_match.sv)
    size_t anchored_entries = 0;
    size_t short_rules = 0;         // found by short literals (hw/short_match.sv)
    size_t short_entries = 0;
    size_t exact_bindings = 0;
    size_t prefix_bindings = 0;
    size_t policy_entries = 0;
  } report;
};

// The tables of one rule set (literals, descriptors, host-rule flags and ports): they depend on
// the rules alone, so a generation that changes only bindings or policy shares them.
struct SignatureTables {
  TableImage image;  // the signature tables and their CONTROL bits; identity and policy tables empty
  HardwarePlan plan;
};

struct CompiledTables {
  TableImage image;
  HardwarePlan plan;
};

// Files the rules' fast patterns in the literal tables (rule i is rules[i]). Cannot fail: a
// rule with no room stays on the host.
SignatureTables compile_signature_tables(std::span<const rules::Rule> rules);

// The whole image: the signature tables with the identities and the policy. nullopt, with
// `error`, when the identities or policy do not fit the tables.
std::optional<CompiledTables> compile_tables(const SignatureTables& signatures, const IdentityTable& identities,
                                             const Policy* policy, bool drop_malformed, std::string& error);

}  // namespace picket
