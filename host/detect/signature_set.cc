#include "detect/signature_set.h"
#include "rules/common_grams.h"

#include <algorithm>
#include <map>

#include "base/text.h"
#include "detect/keywords/keyword.h"
#include "packet/decoder.h"
#include "rules/option_values.h"

namespace picket {
hs_database_t* compile_literal_database(const std::vector<std::pair<std::string, bool>>& literals,
                                        std::string& error) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (const auto& [bytes, nocase] : literals) {
    ids.push_back(static_cast<unsigned>(exprs.size()));
    exprs.push_back(bytes.data());
    lens.push_back(bytes.size());
    flags.push_back(HS_FLAG_SINGLEMATCH | (nocase ? HS_FLAG_CASELESS : 0));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    error = err ? err->message : "unknown error";
    hs_free_compile_error(err);
    return nullptr;
  }
  return db;
}

namespace {

bool is_body_buffer(BufferId b) {
  const HttpBuffers& h = http_buffers();
  return b == h.file_data || b == h.request_body || b == h.response_body;
}

// Whether `payload` holds the fast pattern's bytes (without case when it is nocase).
bool carries(std::string_view payload, const rules::FastPattern& fp) {
  const std::string_view want = fp.bytes;
  if (!fp.nocase) return payload.find(want) != std::string_view::npos;
  auto same = [](char a, char b) { return ascii_lower(a) == ascii_lower(b); };
  return std::search(payload.begin(), payload.end(), want.begin(), want.end(), same) != payload.end();
}

}  // namespace

std::unique_ptr<SignatureSet> SignatureSet::compile(std::vector<rules::Rule> rules, const IdentityRegistry& registry,
                                                    const std::vector<bool>& in_hardware, std::string& error) {
  std::unique_ptr<SignatureSet> set(new SignatureSet);
  set->rules_.reserve(rules.size());
  for (rules::Rule& r : rules) {
    CompiledRule cr;
    cr.rule = std::move(r);
    for (const Keyword* k : keywords()) {
      if (k->used && k->used(cr.rule)) cr.conditions.push_back(k);
    }
    set->rules_.push_back(std::move(cr));
  }

  // (buffer, hardware, literal, nocase) -> rules, sorted: the same rules give the same
  // databases. The hardware's payload literals are a database of their own.
  using Key = std::pair<BufferId, bool>;
  std::map<Key, std::map<std::pair<std::string, bool>, std::vector<uint32_t>>> literals;
  for (uint32_t i = 0; i < set->rules_.size(); ++i) {
    CompiledRule& cr = set->rules_[i];
    const rules::Rule& r = cr.rule;
    if (r.src_identity) cr.src_identity = IdentityMatcher(*r.src_identity, registry);
    if (r.dst_identity) cr.dst_identity = IdentityMatcher(*r.dst_identity, registry);
    if (r.src_identity || r.dst_identity) set->identity_rules_.push_back(i);
    for (const rules::Match& m : r.matches) {
      auto chain = std::find_if(cr.chains.begin(), cr.chains.end(), [&](const auto& c) { return c.buffer == m.buffer; });
      if (chain == cr.chains.end()) {
        cr.chains.push_back({m.buffer, {}});
        chain = cr.chains.end() - 1;
      }
      if (is_app_buffer(m.buffer)) cr.uses_http_buffers = true;
      if (m.buffer == kPacketBuffer) cr.inspects_packet = true;
      CompiledMatch cm;
      cm.match = &m;
      if (m.kind == rules::Match::Kind::kContent) {
        if (m.nocase) cm.lowered = ascii_lower(m.bytes);
      } else {
        int code = 0;
        PCRE2_SIZE at = 0;
        cm.pcre = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(m.pcre.data()), m.pcre.size(), rules::pcre2_compile_options(m), &code,
                                &at, nullptr);
        if (!cm.pcre) {
          error = m.location.to_string() + ": pcre does not compile (sid " + std::to_string(r.sid) + ")";
          return nullptr;
        }
        pcre2_jit_compile(cm.pcre, PCRE2_JIT_COMPLETE);  // interpreted when JIT is unavailable
      }
      chain->matches.push_back(std::move(cm));
    }
    for (auto& c : cr.chains) {
      c.plain = plain_chain(c.matches);
      const HttpBuffers& h = http_buffers();
      if (c.buffer == h.response_body || c.buffer == h.file_data) set->reads_response_bodies_ = true;
    }
    // A rule whose only payload condition is one plain chain on a message body, and whose other
    // conditions hold the same on every packet of a flow's direction (flow's alone), gives on a
    // body that grew the answer it gave before unless its contents reach the new bytes.
    const Keyword* flow_keyword = find_keyword("flow");
    cr.body_only = cr.chains.size() == 1 && cr.chains[0].plain && is_body_buffer(cr.chains[0].buffer) &&
                   std::all_of(cr.conditions.begin(), cr.conditions.end(), [&](const Keyword* k) { return k == flow_keyword; });
    if (r.fast_pattern && (!r.fast_pattern->weak || rules::rare_in_traffic(r.fast_pattern->bytes))) {
      const rules::Match& m = r.matches[r.fast_pattern->match];
      bool hardware = m.buffer == kPacketBuffer && i < in_hardware.size() && in_hardware[i];
      literals[{m.buffer, hardware}][{r.fast_pattern->bytes, r.fast_pattern->nocase}].push_back(i);
      if (m.buffer == kPacketBuffer && !r.fast_pattern->bytes.empty()) {
        set->packet_literal_reach_ = std::max(set->packet_literal_reach_, r.fast_pattern->bytes.size() - 1);
      }
    } else {
      // A rule on HTTP (by its protocol or its buffers) is tried only on packets of HTTP flows.
      auto& groups = r.app == rules::AppProtocol::kHttp || cr.uses_http_buffers ? set->unfiltered_http_ : set->unfiltered_;
      bool any = r.protocol == Transport::kAny;
      if (any || r.protocol == Transport::kTcp) set->group_by_ports(i, groups[kTcp]);
      if (any || r.protocol == Transport::kUdp) set->group_by_ports(i, groups[kUdp]);
      // Ports do not apply to ICMP and other protocols.
      if (any || r.protocol == Transport::kIcmp) groups[kIcmp].always.push_back(i);
      if (any) groups[kOther].always.push_back(i);
    }
  }

  for (auto& [where, lits] : literals) {
    Prefilter pf;
    pf.buffer = where.first;
    pf.hardware = where.second;
    pf.body = is_body_buffer(pf.buffer);
    std::vector<std::pair<std::string, bool>> keys;  // literal id = position, in sorted order
    for (auto& [key, rule_ids] : lits) {
      if (!key.first.empty()) pf.reach = std::max(pf.reach, key.first.size() - 1);
      keys.push_back(key);
      pf.rules_of_literal.push_back(rule_ids);
    }
    std::string why;
    pf.db = compile_literal_database(keys, why);
    if (!pf.db) {
      error = "Hyperscan rejected the " + std::string(buffer_name(pf.buffer)) + " fast patterns: " + why;
      return nullptr;
    }
    set->prefilters_.push_back(std::move(pf));
  }
  return set;
}

SignatureSet::~SignatureSet() {
  for (Prefilter& p : prefilters_) hs_free_database(p.db);
  for (CompiledRule& r : rules_) {
    for (auto& chain : r.chains) {
      for (CompiledMatch& m : chain.matches) pcre2_code_free(m.pcre);
    }
  }
}

void SignatureSet::group_by_ports(uint32_t rule, PortGroups& g) const {
  // A port set this small is listed port by port; a larger one is tried on every packet.
  constexpr uint32_t kMaxListed = 64;
  const rules::Rule& r = rules_[rule].rule;
  const rules::PortFiling filed = rules::port_filing(r);
  if (rules::port_count(*filed.ports) > kMaxListed) {
    g.always.push_back(rule);
    return;
  }
  for (const auto& iv : filed.ports->intervals()) {
    for (uint32_t p = iv.lo; p <= iv.hi; ++p) {
      const auto port = static_cast<uint16_t>(p);
      if (filed.as_destination || r.bidirectional) g.by_dst_port.add(port, rule);
      if (!filed.as_destination || r.bidirectional) g.by_src_port.add(port, rule);
    }
  }
}

size_t SignatureSet::literal_count() const {
  size_t n = 0;
  for (const Prefilter& p : prefilters_) n += p.rules_of_literal.size();
  return n;
}

const hs_database_t* SignatureSet::packet_database() const {
  for (const Prefilter& p : prefilters_) {
    if (p.buffer == kPacketBuffer && !p.hardware) return p.db;
  }
  return nullptr;
}

void SignatureSet::refresh_identities(const IdentityRegistry& registry) const {
  for (uint32_t i : identity_rules_) {  // every control change comes here: not all of ET Open
    rules_[i].src_identity.refresh(registry);
    rules_[i].dst_identity.refresh(registry);
  }
}

void SignatureSet::reassign_identities(const std::vector<IdentityId>& ids, const IdentityRegistry& registry) const {
  for (uint32_t i : identity_rules_) {
    for (IdentityId id : ids) {
      rules_[i].src_identity.reassign(id, registry);
      rules_[i].dst_identity.reassign(id, registry);
    }
  }
}

bool SignatureSet::names_identity(const std::string& spiffe_id) const {
  for (uint32_t i : identity_rules_) {
    for (const IdentityMatcher* m : {&rules_[i].src_identity, &rules_[i].dst_identity}) {
      if (m->selector().kind == IdentitySelector::Kind::kExact && m->selector().id == spiffe_id) return true;
    }
  }
  return false;
}

namespace {

struct LiteralContext {
  const std::vector<std::vector<uint32_t>>* rules_of_literal;
  std::vector<uint32_t>* seen;
  uint32_t epoch;
  std::vector<uint32_t>* candidates;
};

// Collects the rules of every literal found, marks aside (SignatureSet::match, the first
// message's body).
int on_body_literal(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  auto* c = static_cast<LiteralContext*>(ctx);
  const auto& rules = (*c->rules_of_literal)[id];
  c->candidates->insert(c->candidates->end(), rules.begin(), rules.end());
  return 0;
}

// A literal found in a stream window: a candidate, and remembered with where it ended.
struct StreamLiteralContext {
  LiteralContext candidates;
  uint64_t base = 0;  // stream offset of the searched bytes' first
  std::vector<StreamLiteral>* found;
};

int on_literal(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void* ctx);

int on_stream_literal(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void* ctx) {
  auto* c = static_cast<StreamLiteralContext*>(ctx);
  for (uint32_t r : (*c->candidates.rules_of_literal)[id]) c->found->push_back({r, c->base + to});
  return on_literal(id, from, to, flags, &c->candidates);
}

int on_literal(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  auto* c = static_cast<LiteralContext*>(ctx);
  for (uint32_t r : (*c->rules_of_literal)[id]) {
    if ((*c->seen)[r] != c->epoch) {
      (*c->seen)[r] = c->epoch;
      c->candidates->push_back(r);
    }
  }
  return 0;
}

bool ports_match(const rules::Rule& r, uint16_t sp, uint16_t dp) {
  return r.src_ports.contains(sp) && r.dst_ports.contains(dp);
}

}  // namespace

void SignatureSet::match(const DetectionInput& ctx, SignatureScratch& s, std::vector<uint32_t>& out,
                         const HardwareMatches* hw, Notes* notes) const {
  out.clear();
  if (notes) notes->clear();
  if (++s.epoch_ == 0) {  // wrapped: forget every mark
    std::fill(s.seen_.begin(), s.seen_.end(), 0);
    s.epoch_ = 1;
  }
  s.candidates_.clear();
  s.body_found_.clear();
  s.stream_found_.clear();
  // Makes `r` a candidate once (it is marked: another literal, port or hardware hit may name it again).
  auto nominate = [&s](uint32_t r) {
    if (s.seen_[r] != s.epoch_) {
      s.seen_[r] = s.epoch_;
      s.candidates_.push_back(r);
    }
  };
  const bool from_hardware = hw && hw->complete;
  // On a stream, the payload literals are searched in the bytes the segment delivered and as
  // far before them as the longest literal reaches; when those bytes are the segment's whole
  // payload, that search covers the packet's own.
  std::string_view stream_scan;
  size_t stream_scan_from = 0;
  bool scan_covers_packet = false;
  if (!ctx.stream.empty()) {
    if (!ctx.stream_search_whole && ctx.stream_fresh > packet_literal_reach_) {
      stream_scan_from = ctx.stream_fresh - packet_literal_reach_;
    }
    stream_scan = ctx.stream.substr(stream_scan_from);
    scan_covers_packet = ctx.stream.substr(ctx.stream_fresh) == ctx.payload;
  }
  for (const Prefilter& pf : prefilters_) {
    LiteralContext lc{&pf.rules_of_literal, &s.seen_, s.epoch_, &s.candidates_};
    auto scan = [&](std::string_view buf) {
      if (!buf.empty()) hs_scan(pf.db, buf.data(), static_cast<unsigned>(buf.size()), 0, s.hs_, on_literal, &lc);
    };
    if (pf.buffer == kPacketBuffer) {
      // The hardware searched the packet for its own literals, not the stream.
      if (!stream_scan.empty()) {
        StreamLiteralContext sc{lc, ctx.stream_start + stream_scan_from, &s.stream_found_};
        hs_scan(pf.db, stream_scan.data(), static_cast<unsigned>(stream_scan.size()), 0, s.hs_, on_stream_literal, &sc);
      }
      if (!scan_covers_packet && !(pf.hardware && from_hardware)) scan(ctx.payload);
    } else if (ctx.http) {
      for (size_t m = 0; m < ctx.http->size(); ++m) {
        const HttpMessage& msg = (*ctx.http)[m];
        if (!msg.has(pf.buffer)) continue;
        const std::string_view buf = msg.get(pf.buffer);
        if (m > 0 || !pf.body) {
          scan(buf);
          continue;
        }
        // The first message's body grows segment by segment (it is held from the message's
        // start): the literals found in it are remembered, and a body the earlier segments
        // searched up to http_body_seen is searched from there, as far back as a literal
        // reaches. So a message of N segments costs one search of its body, not N.
        size_t from = 0;
        if (ctx.http_body_candidates && ctx.http_body_seen > 0 && buf.size() >= ctx.http_body_seen) {
          from = ctx.http_body_seen - std::min(ctx.http_body_seen, pf.reach);
        }
        const std::string_view fresh = buf.substr(from);
        LiteralContext body{&pf.rules_of_literal, nullptr, 0, &s.body_found_};
        if (!fresh.empty()) hs_scan(pf.db, fresh.data(), static_cast<unsigned>(fresh.size()), 0, s.hs_, on_body_literal, &body);
      }
    }
  }
  if (ctx.stream_literals) {  // found by earlier segments, still in the window
    for (const StreamLiteral& l : *ctx.stream_literals) nominate(l.rule);
  }
  if (notes) notes->stream_literals.swap(s.stream_found_);
  s.stream_found_.clear();
  if (ctx.http_body_candidates) {
    s.body_found_.insert(s.body_found_.end(), ctx.http_body_candidates->begin(), ctx.http_body_candidates->end());
  }
  if (!s.body_found_.empty()) {
    std::sort(s.body_found_.begin(), s.body_found_.end());
    s.body_found_.erase(std::unique(s.body_found_.begin(), s.body_found_.end()), s.body_found_.end());
    for (uint32_t r : s.body_found_) nominate(r);
    if (notes) notes->body_candidates.swap(s.body_found_);
    s.body_found_.clear();
  }
  const DecodedPacket& p = *ctx.packet;
  PacketClass cls = p.ip_proto == ip_proto::kTcp   ? kTcp
                    : p.ip_proto == ip_proto::kUdp ? kUdp
                    : (p.ip_proto == ip_proto::kIcmp || p.ip_proto == ip_proto::kIcmpv6) ? kIcmp
                                                                                           : kOther;
  for (const PortGroups* g : {&unfiltered_[cls], ctx.app_http ? &unfiltered_http_[cls] : nullptr}) {
    if (!g) continue;
    for (uint32_t r : g->always) nominate(r);
    if (p.is_tcp() || p.is_udp()) {
      auto add = [&](const PortRules& by, uint16_t port) {
        if (!by.listed.test(port)) return;
        auto it = by.rules.find(port);
        for (uint32_t r : it->second) nominate(r);
      };
      add(g->by_dst_port, p.dst_port);
      add(g->by_src_port, p.src_port);
    }  // a packet without ports (a fragment) matches no rule that names ports
  }
  if (from_hardware) {
    for (uint32_t r : hw->candidates) nominate(r);
  }
  std::sort(s.candidates_.begin(), s.candidates_.end());
  for (uint32_t r : s.candidates_) {
    bool on_stream = false;
    uint32_t message = UINT32_MAX;
    if (!rule_matches(rules_[r], ctx, s.inspection_, on_stream, message)) continue;
    out.push_back(r);
    if (!notes) continue;
    if (on_stream) notes->stream_only.push_back(r);
    if (message != UINT32_MAX) notes->http_message.emplace_back(r, message);
  }
  if (from_hardware && !hw->final_rules.empty()) {
    // The hardware's final rules match as they are: it checked their every condition.
    for (uint32_t r : hw->final_rules) {
      if (s.seen_[r] != s.epoch_) {
        s.seen_[r] = s.epoch_;
        out.push_back(r);
      }
    }
    std::sort(out.begin(), out.end());
  }
}

bool SignatureSet::rule_matches(const CompiledRule& cr, const DetectionInput& ctx, InspectionScratch& s,
                                bool& on_stream, uint32_t& message) const {
  const rules::Rule& r = cr.rule;
  const DecodedPacket& p = *ctx.packet;
  if (ctx.anomalies_only && r.decode_events == 0 && r.stream_events == 0) return false;
  if (!transport_matches(r.protocol, p.ip_proto)) return false;
  // The cheapest tests that fail most: a rule on HTTP, on a packet of no HTTP flow or message.
  if ((r.app == rules::AppProtocol::kHttp && !ctx.app_http) || (cr.uses_http_buffers && !ctx.http)) return false;
  // Addresses, and ports where the packet has them (as Suricata, ports do not apply to ICMP);
  // a fragment has none, and matches no rule that names them.
  bool has_ports = p.is_tcp() || p.is_udp();
  if (p.fragment && !(r.src_ports.is_all() && r.dst_ports.is_all())) return false;
  const uint128 src = ctx.src, dst = ctx.dst;
  bool forward = r.src_addr.contains(src) && r.dst_addr.contains(dst) &&
                 (!has_ports || ports_match(r, p.src_port, p.dst_port));
  if (!forward) {
    bool backward = r.bidirectional && r.src_addr.contains(dst) && r.dst_addr.contains(src) &&
                    (!has_ports || ports_match(r, p.dst_port, p.src_port));
    if (!backward) return false;
  }

  for (const Keyword* k : cr.conditions) {
    if (!k->matches(cr, ctx)) return false;
  }

  if (!cr.uses_http_buffers) return payload_matches(cr, ctx, nullptr, s, on_stream);
  // HTTP conditions hold together on one message (one transaction), as in Suricata, and a
  // rule is recorded once per message.
  const auto rule = static_cast<uint32_t>(&cr - rules_.data());
  for (size_t m = 0; ctx.http && m < ctx.http->size(); ++m) {
    if (m == 0 && ctx.http_recorded &&
        std::find(ctx.http_recorded->begin(), ctx.http_recorded->end(), rule) != ctx.http_recorded->end()) {
      continue;
    }
    // The first message continues from an earlier segment, where this rule was tried on the
    // body as it was then and did not match: only new body bytes can change that.
    if (m == 0 && cr.body_only && ctx.http_body_seen > 0) {
      const std::string_view body = (*ctx.http)[0].get(cr.chains[0].buffer);
      if (body.size() >= ctx.http_body_seen &&
          !touches_new_bytes(cr.chains[0].matches, body, ctx.http_body_seen)) {
        continue;
      }
    }
    if (payload_matches(cr, ctx, &(*ctx.http)[m], s, on_stream)) {
      message = static_cast<uint32_t>(m);
      return true;
    }
  }
  return false;
}

bool SignatureSet::payload_matches(const CompiledRule& cr, const DetectionInput& ctx, const HttpMessage* http,
                                   InspectionScratch& s, bool& on_stream) const {
  const rules::FlowCondition& f = cr.rule.flow;
  on_stream = false;
  if (!f.only_stream && buffers_match(cr, ctx.payload, http, s)) {
    // A message parsed over the stream can match on a segment that does not carry the rule's
    // fast pattern (it came earlier, or is split between segments): that match is the
    // stream's, not this packet's, which is all a card saw of it.
    if (http && cr.rule.fast_pattern && cr.rule.matches[cr.rule.fast_pattern->match].buffer != kPacketBuffer) {
      on_stream = !carries(ctx.payload, *cr.rule.fast_pattern);
    }
    return true;
  }
  // The stream window, when it says more than the packet (it holds earlier bytes, or queued
  // ones the segment made next), or the rule looks at streams only.
  const bool window_is_packet = ctx.stream_fresh == 0 && ctx.stream.size() == ctx.payload.size();
  if (!cr.inspects_packet || f.no_stream || ctx.stream.empty() || (window_is_packet && !f.only_stream)) {
    return false;
  }
  // A match that is new needs the packet chain to reach the segment's new bytes.
  if (ctx.stream_fresh > 0) {
    for (const auto& chain : cr.chains) {
      if (chain.buffer == kPacketBuffer && chain.plain && !touches_new_bytes(chain.matches, ctx.stream, ctx.stream_fresh)) {
        return false;
      }
    }
  }
  if (!buffers_match(cr, ctx.stream, http, s)) return false;
  if (ctx.stream_fresh > 0 && buffers_match(cr, ctx.stream.substr(0, ctx.stream_fresh), http, s)) return false;
  on_stream = true;
  return true;
}

bool SignatureSet::buffers_match(const CompiledRule& cr, std::string_view payload, const HttpMessage* http,
                                 InspectionScratch& s) const {
  for (const auto& chain : cr.chains) {
    std::string_view buf;
    if (chain.buffer == kPacketBuffer) {
      buf = payload;
    } else if (http && http->has(chain.buffer)) {
      buf = http->get(chain.buffer);
    } else {
      return false;  // the buffer is not in this packet
    }
    if (buf.empty()) return false;
    if (!inspect(chain.matches, buf, s)) return false;
  }
  return true;
}

SignatureScratch::SignatureScratch(const SignatureSet& set) : seen_(set.rules_.size(), 0) {
  for (const SignatureSet::Prefilter& pf : set.prefilters_) {
    if (hs_alloc_scratch(pf.db, &hs_) != HS_SUCCESS) throw std::bad_alloc();
  }
}

SignatureScratch::~SignatureScratch() { hs_free_scratch(hs_); }

}  // namespace picket
