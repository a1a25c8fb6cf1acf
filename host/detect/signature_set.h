// A rule set compiled for the software engine.
//
// Prefilter: for each buffer that holds fast patterns (the packet payload, http.uri, ...),
// one Hyperscan literal database of the distinct fast patterns, sorted so the database is
// the same for the same rules. Scanning a buffer yields the literals that occur in it; the
// rules of those literals, plus the rules with no fast pattern that fit the packet's
// protocol, are the packet's candidates. Each candidate is then checked whole: header, the
// conditions of its registered keywords (detect/keywords/: flow, dsize, identities), and every
// content and pcre (payload_inspection.h).
#pragma once

#include <hs/hs.h>

#include <array>
#include <bitset>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/compiled_rule.h"

namespace picket {

class SignatureScratch;

// What a data plane found of the rules its literals hold (compile()'s in_hardware): the rules
// it decided alone, and the candidates the host must check. When not `complete` (a frame with more
// literal hits than the hardware keeps, or one it did not decode), the host searches for
// those rules' literals itself.
struct HardwareMatches {
  bool complete = false;
  std::vector<uint32_t> final_rules;
  std::vector<uint32_t> candidates;
};

// One Hyperscan block-mode database of literals, (bytes, nocase) each, reporting each literal's
// position in `literals` as its id, once per scan. nullptr, with `error`, when Hyperscan refuses.
hs_database_t* compile_literal_database(const std::vector<std::pair<std::string, bool>>& literals,
                                        std::string& error);

class SignatureSet {
 public:
  using CompiledRule = picket::CompiledRule;

  // nullptr, with `error` naming the rule, when a pattern does not compile. The identities the
  // rules name must be in `registry` already (plan/build.h allocates them). With a device,
  // `in_hardware` marks (by rule index) the rules the hardware's literals find: their payload
  // fast patterns go into a database of their own, searched only when a HardwareMatches is not
  // complete.
  static std::unique_ptr<SignatureSet> compile(std::vector<rules::Rule> rules, const IdentityRegistry& registry,
                                               const std::vector<bool>& in_hardware, std::string& error);
  ~SignatureSet();
  SignatureSet(const SignatureSet&) = delete;
  SignatureSet& operator=(const SignatureSet&) = delete;

  const std::vector<CompiledRule>& rules() const { return rules_; }
  size_t literal_count() const;
  // Resolves identity selectors for identities registered since compile(). Const: a published
  // rule set never changes, but its matchers learn later identities, safely (identity_matcher.h).
  void refresh_identities(const IdentityRegistry& registry) const;
  // Ids the registry has given again to other SPIFFE IDs (identity_matcher.h: reassign).
  void reassign_identities(const std::vector<IdentityId>& ids, const IdentityRegistry& registry) const;
  // Whether a rule's src_identity or dst_identity names this SPIFFE ID exactly.
  bool names_identity(const std::string& spiffe_id) const;

  // What match() tells besides the rules that matched.
  struct Notes {
    std::vector<uint32_t> stream_only;  // matched the stream window, not the packet alone
    std::vector<std::pair<uint32_t, uint32_t>> http_message;  // (rule, the HTTP message it matched)
    // The rules whose body literals occur in the first HTTP message's body so far: the next
    // segment of that message searches only its new body bytes and takes these as found
    // (DetectionInput::http_body_candidates).
    std::vector<uint32_t> body_candidates;
    // The literals this segment's stream search found, for the next segments
    // (DetectionInput::stream_literals).
    std::vector<StreamLiteral> stream_literals;
    void clear() {
      stream_only.clear();
      http_message.clear();
      body_candidates.clear();
      stream_literals.clear();
    }
  };

  // The indices (into rules()) of the rules that match, in rule order. With `hw`, the rules
  // handed to the hardware are taken from it; `notes`, when given, says more of them.
  //
  // A rule on the packet's payload matches a TCP segment when it matches the segment's payload
  // (not for flow:only_stream and tcp-stream rules), or when it matches the stream window
  // (ctx.stream) and did not already match the window's bytes before this segment's (not for
  // flow:no_stream and tcp-pkt rules): so a match completed by a segment is found on that
  // segment, once.
  void match(const DetectionInput& ctx, SignatureScratch& scratch, std::vector<uint32_t>& out,
             const HardwareMatches* hw = nullptr, Notes* notes = nullptr) const;

  // Whether a rule inspects a response body (http.response_body, file_data): only then is a
  // compressed body worth inflating.
  bool reads_response_bodies() const { return reads_response_bodies_; }

  // Exposed for benchmarks: the payload prefilter database, or null.
  const hs_database_t* packet_database() const;

 private:
  friend class SignatureScratch;
  struct Prefilter {
    BufferId buffer;
    bool hardware = false;  // the literals of rules handed to the hardware
    hs_database_t* db = nullptr;
    std::vector<std::vector<uint32_t>> rules_of_literal;
    size_t reach = 0;  // the longest literal's length, less one
    bool body = false;  // its buffer is an HTTP body (file_data, http.request_body, ...)
  };
  enum PacketClass { kTcp, kUdp, kIcmp, kOther, kClasses };

  SignatureSet() = default;
  // Whether the rule matches; `on_stream` tells a match on the stream window only, `message`
  // the HTTP message it matched (UINT32_MAX: none).
  bool rule_matches(const CompiledRule& r, const DetectionInput& ctx, InspectionScratch& s, bool& on_stream,
                    uint32_t& message) const;
  // The rule's payload conditions with one HTTP message (null: the packet has none), on the
  // packet or on the stream window.
  bool payload_matches(const CompiledRule& r, const DetectionInput& ctx, const HttpMessage* http,
                       InspectionScratch& s, bool& on_stream) const;
  // The same on `payload` as the packet's payload buffer.
  bool buffers_match(const CompiledRule& r, std::string_view payload, const HttpMessage* http,
                     InspectionScratch& s) const;

  std::vector<CompiledRule> rules_;
  std::vector<uint32_t> identity_rules_;  // the rules with src_identity or dst_identity
  std::vector<Prefilter> prefilters_;
  size_t packet_literal_reach_ = 0;  // the longest payload fast pattern's length, less one
  bool reads_response_bodies_ = false;
  // Rules without a usable fast pattern (none, or a weak one), grouped so that a packet only
  // tries those its ports can match: by destination port, by source port, or always.
  struct PortRules {
    std::bitset<65536> listed;  // the ports with rules: most packets' ports have none
    std::unordered_map<uint16_t, std::vector<uint32_t>> rules;
    void add(uint16_t port, uint32_t rule) {
      listed.set(port);
      rules[port].push_back(rule);
    }
  };
  struct PortGroups {
    PortRules by_dst_port;
    PortRules by_src_port;
    std::vector<uint32_t> always;
  };
  void group_by_ports(uint32_t rule, PortGroups& g) const;
  std::array<PortGroups, kClasses> unfiltered_;
  std::array<PortGroups, kClasses> unfiltered_http_;  // rules on HTTP: only for packets of HTTP flows
};

// Per-worker scratch for one SignatureSet: Hyperscan scratch, pcre match data, candidates.
class SignatureScratch {
 public:
  explicit SignatureScratch(const SignatureSet& set);
  ~SignatureScratch();
  SignatureScratch(const SignatureScratch&) = delete;
  SignatureScratch& operator=(const SignatureScratch&) = delete;

 private:
  friend class SignatureSet;
  hs_scratch_t* hs_ = nullptr;
  InspectionScratch inspection_;
  std::vector<uint32_t> seen_;  // per rule: the epoch it last became a candidate
  uint32_t epoch_ = 0;
  std::vector<uint32_t> candidates_;
  std::vector<uint32_t> body_found_;  // rules of the literals found in the first message's body
  std::vector<StreamLiteral> stream_found_;  // the literals found in the stream window
};

}  // namespace picket
