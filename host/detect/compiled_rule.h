// A rule as the software engine checks it, and what it is checked against. Kept apart from
// the signature set's Hyperscan databases, so that keywords (detect/keywords/) and the table
// compiler see the rule model without the search engine.
#pragma once

#include <string_view>
#include <vector>

#include "applayer/http/http_message.h"
#include "detect/payload_inspection.h"
#include "detect/stream_literals.h"
#include "flow/flow_table.h"
#include "identity/identity_matcher.h"
#include "rules/rule.h"

namespace picket {

struct Keyword;

// What a rule can be checked against: one decoded packet and what the engine knows of it.
struct DetectionInput {
  const DecodedPacket* packet = nullptr;
  uint128 src = 0, dst = 0;  // the packet's addresses, as numbers
  std::string_view payload;
  // A TCP segment that delivered stream bytes: the stream window it is inspected with
  // (stream/tcp_stream.h), and where in it the bytes it delivered begin. Empty otherwise.
  std::string_view stream;
  size_t stream_fresh = 0;
  // With a stream window: the stream offset of its first byte, and the literals earlier
  // segments' searches found that are still in it (detect/stream_literals.h); with
  // stream_search_whole, the whole window is searched instead of the segment's bytes.
  uint64_t stream_start = 0;
  const std::vector<StreamLiteral>* stream_literals = nullptr;
  bool stream_search_whole = false;
  const HttpMessages* http = nullptr;  // the HTTP messages the packet completes or continues, if any
  // Rules already recorded on the first of them (it began in an earlier segment): not again.
  const std::vector<uint32_t>* http_recorded = nullptr;
  // Of that first message, the body bytes an earlier segment's inspection already saw (0:
  // none): a rule that did not match them needs new ones (SignatureSet::rule_matches).
  size_t http_body_seen = 0;
  // With http_body_seen: the rules whose body fast patterns the earlier segments' search of
  // that body found (SignatureSet::Notes::body_candidates). Only the body bytes after
  // http_body_seen are searched again.
  const std::vector<uint32_t>* http_body_candidates = nullptr;
  bool has_flow = false;
  Direction direction = Direction::kToServer;
  bool established = false;
  // A TCP flow's streams' sizes by the Direction of their sender (detect/keywords/stream_size.cc).
  bool stream_sizes_known = false;
  uint32_t stream_size[2] = {};
  bool app_http = false;  // HTTP was seen on this packet's flow
  bool anomalies_only = false;  // a malformed or refused packet: only decode-event and stream-event rules apply
  uint32_t stream_events = 0;   // StreamEvent bits the packet raised (detect/keywords/stream_event.cc)
  IdentityId src_id = kUnknownIdentity;
  IdentityId dst_id = kUnknownIdentity;
};

// A rule with its payload chains compiled (one per buffer, in rule order), its identity
// selectors resolved, and the registered keywords whose conditions it has.
struct CompiledRule {
  rules::Rule rule;
  struct Chain {
    BufferId buffer;
    std::vector<CompiledMatch> matches;
    bool plain = false;  // positive contents only (detect/payload_inspection.h, plain_chain)
  };
  std::vector<Chain> chains;
  bool uses_http_buffers = false;
  bool inspects_packet = false;  // has conditions on the packet's payload (kPacketBuffer)
  // Its one payload condition is a plain chain on an HTTP body, its others flow's alone
  // (SignatureSet::compile says why that matters).
  bool body_only = false;
  std::vector<const Keyword*> conditions;  // the registered keywords it uses (detect/keywords/)
  // Mutable: they learn identities registered after the rule set was published
  // (SignatureSet::refresh_identities), which identity_matcher.h makes safe.
  mutable IdentityMatcher src_identity;
  mutable IdentityMatcher dst_identity;
};

}  // namespace picket
