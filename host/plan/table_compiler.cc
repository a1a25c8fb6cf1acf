#include "plan/table_compiler.h"

#include <algorithm>
#include <map>
#include <optional>

#include "base/text.h"
#include "detect/keywords/keyword.h"
#include "device/table_bits.h"
#include "rules/buffers.h"
#include "rules/fast_pattern.h"

namespace picket {

namespace {

namespace tbl = hw::table;

uint64_t little_endian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return v;
}

uint64_t time_word(int64_t ns) { return ns < 0 ? 0 : static_cast<uint64_t>(ns); }

// The card's encoding of a transport (hw/register_map.json).
hw::Proto proto_of(Transport p) {
  switch (p) {
    case Transport::kAny: return hw::Proto::kAny;
    case Transport::kTcp: return hw::Proto::kTcp;
    case Transport::kUdp: return hw::Proto::kUdp;
    case Transport::kIcmp: return hw::Proto::kIcmp;
  }
  return hw::Proto::kAny;
}

// The one interval of a port set the hardware can check, or none.
std::optional<std::pair<uint16_t, uint16_t>> single_range(const rules::PortSet& ports) {
  if (ports.intervals().size() != 1) return std::nullopt;
  return std::make_pair(static_cast<uint16_t>(ports.intervals()[0].lo), static_cast<uint16_t>(ports.intervals()[0].hi));
}

using PortRange = std::pair<uint16_t, uint16_t>;

// Whether `bytes` (folded where they compare without case) are all one byte value: a run,
// which the card reports where it begins (hw/literal_prefilter.sv) and which is in nearly
// every frame.
bool one_byte_value(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [&](char c) { return c == bytes[0]; });
}

// The smallest port range that holds each of the rule's port sets (source, destination): more
// frames than the rule's own may be handed over for it, never fewer. nullopt for a rule on both
// directions with ports, whose frames may have its ports either way round.
std::optional<std::pair<PortRange, PortRange>> port_hulls(const rules::Rule& r) {
  if (r.bidirectional && !(r.src_ports.is_all() && r.dst_ports.is_all())) return std::nullopt;
  auto hull = [](const rules::PortSet& ports) -> std::optional<PortRange> {
    if (ports.intervals().empty()) return std::nullopt;
    return PortRange{static_cast<uint16_t>(ports.intervals().front().lo),
                     static_cast<uint16_t>(ports.intervals().back().hi)};
  };
  auto sp = hull(r.src_ports), dp = hull(r.dst_ports);
  if (!sp || !dp) return std::nullopt;
  return std::make_pair(*sp, *dp);
}

// Whether the hardware's hit on the rule's fast pattern, with the descriptor's checks, is the
// rule's whole match.
bool hardware_can_finish(const rules::Rule& r) {
  if (r.matches.size() != 1 || !r.fast_pattern || r.fast_pattern->match != 0) return false;
  const rules::Match& m = r.matches[0];
  if (m.kind != rules::Match::Kind::kContent || m.buffer != kPacketBuffer || m.negated) return false;
  if (m.is_relative() || m.startswith || m.endswith || m.bytes.size() < 4 || m.bytes.size() > 8) return false;
  // The card reports a literal of one byte value only where its run begins (hw/literal_prefilter.sv).
  if (one_byte_value(m.nocase ? ascii_lower(m.bytes) : m.bytes)) return false;
  if (r.fast_pattern->bytes != m.bytes || r.fast_pattern->nocase != m.nocase) return false;
  if (m.offset && *m.offset < 0) return false;
  if (m.depth && *m.depth < 0) return false;
  if (m.offset.value_or(0) > 0xffff) return false;
  // Every keyword condition the rule has must be one the card checks (detect/keywords/).
  for (const Keyword* k : keywords()) {
    if (k->used && k->used(r) && !(k->hardware_checks && k->hardware_checks(r))) return false;
  }
  if (r.app != rules::AppProtocol::kNone) return false;
  if (!r.src_addr.is_all() || !r.dst_addr.is_all()) return false;
  if (r.action != rules::Action::kAlert && r.action != rules::Action::kDrop) return false;
  if (!single_range(r.src_ports) || !single_range(r.dst_ports)) return false;
  if (r.bidirectional && !(r.src_ports.is_all() && r.dst_ports.is_all())) return false;
  return true;
}

struct Literal {
  std::string p;       // P: the rule's hardware window (rules/fast_pattern.h), at most 8 bytes
  bool nocase = false;
  std::vector<uint32_t> rules;
};

void compile_identities(const IdentityTable& identities, TableImage& image, HardwarePlan::Report& report,
                        std::string& error) {
  uint32_t prefixes = 0;
  auto add_prefix = [&](const Binding& b) {
    if (prefixes >= tbl::identity_prefix::kDepth) {
      error = "more prefix bindings than the hardware's " + std::to_string(tbl::identity_prefix::kDepth) +
              " prefix entries (at " + b.prefix_text() + ")";
      return;
    }
    auto e = image.entry(tbl::identity_prefix::kId, prefixes++);
    hw::set_field(e, tbl::identity_prefix::kValid, 1);
    hw::set_field(e, tbl::identity_prefix::kPrefixBits, b.prefix_bits);
    hw::set_field128(e, tbl::identity_prefix::kNetwork, b.network.value());
    hw::set_field(e, tbl::identity_prefix::kIdentity, b.identity);
    hw::set_field(e, tbl::identity_prefix::kNotAfter, time_word(b.not_after_ns));
    ++report.prefix_bindings;
  };
  for (const Binding& b : identities.bindings()) {
    if (b.prefix_bits == 128) {
      uint128 a = b.network.value();
      bool placed = false;
      for (auto [id, slot] : {std::pair{tbl::identity_exact_a::kId, hw::identity_a_hash(a)},
                              std::pair{tbl::identity_exact_b::kId, hw::identity_b_hash(a)}}) {
        auto e = image.entry(id, slot);
        if (hw::get_field(e, tbl::identity_exact_a::kValid)) continue;
        hw::set_field(e, tbl::identity_exact_a::kValid, 1);
        hw::set_field128(e, tbl::identity_exact_a::kAddress, a);
        hw::set_field(e, tbl::identity_exact_a::kIdentity, b.identity);
        hw::set_field(e, tbl::identity_exact_a::kNotAfter, time_word(b.not_after_ns));
        placed = true;
        ++report.exact_bindings;
        break;
      }
      if (placed) continue;
    }
    add_prefix(b);
    if (!error.empty()) return;
  }
}

void compile_policy(const Policy& policy, const IdentityRegistry& registry, TableImage& image,
                    HardwarePlan::Report& report, std::string& error) {
  std::vector<size_t> statement_of_entry;
  for (size_t i = 0; i < policy.statements.size(); ++i) {
    const PolicyStatement& s = policy.statements[i];
    std::vector<std::pair<uint32_t, uint32_t>> ranges;
    if (s.ports) {
      for (const auto& iv : s.ports->intervals()) ranges.emplace_back(iv.lo, iv.hi);
    } else {
      ranges.emplace_back(0, 0);
    }
    for (auto [lo, hi] : ranges) {
      uint32_t n = static_cast<uint32_t>(statement_of_entry.size());
      if (n >= tbl::policy_statement::kDepth) {
        error = s.location.to_string() + ": the policy needs more than the hardware's " +
                std::to_string(tbl::policy_statement::kDepth) + " statement entries (one per port range)";
        return;
      }
      statement_of_entry.push_back(i);
      auto e = image.entry(tbl::policy_statement::kId, n);
      hw::set_field(e, tbl::policy_statement::kValid, 1);
      hw::set_field(e, tbl::policy_statement::kDeny, s.verb == PolicyStatement::Verb::kDeny);
      hw::set_field(e, tbl::policy_statement::kProto, static_cast<uint64_t>(proto_of(s.proto)));
      hw::set_field(e, tbl::policy_statement::kHasPorts, s.ports.has_value());
      hw::set_field(e, tbl::policy_statement::kPortLo, lo);
      hw::set_field(e, tbl::policy_statement::kPortHi, hi);
      hw::set_field(e, tbl::policy_statement::kNumber, s.number);
      hw::set_field(e, tbl::policy_statement::kUntil, time_word(s.until_ns));
    }
  }
  report.policy_entries = statement_of_entry.size();
  // Ids past the mask table are flagged by the hardware, and judged by the host.
  size_t ids = std::min<size_t>(registry.size(), tbl::policy_mask::kDepth);
  for (size_t id = 0; id < ids; ++id) {
    auto e = image.entry(tbl::policy_mask::kId, static_cast<uint32_t>(id));
    uint32_t from = 0, to = 0;
    for (size_t n = 0; n < statement_of_entry.size(); ++n) {
      if (policy.from_matches(statement_of_entry[n], static_cast<IdentityId>(id))) from |= 1u << n;
      if (policy.to_matches(statement_of_entry[n], static_cast<IdentityId>(id))) to |= 1u << n;
    }
    hw::set_field(e, tbl::policy_mask::kFromMask, from);
    hw::set_field(e, tbl::policy_mask::kToMask, to);
  }
}

// Whether the rule can match only packets of a flow that carries HTTP: an `http` rule, or one
// that reads an HTTP buffer (SignatureSet::rule_matches asks the flow's HTTP of both).
bool needs_http_flow(const rules::Rule& r) {
  if (r.app == rules::AppProtocol::kHttp) return true;
  return std::any_of(r.matches.begin(), r.matches.end(),
                     [](const rules::Match& m) { return buffers().spec(m.buffer).protocol == "http"; });
}

// The host-only rules' marks in the control word and HOST_PORTS (hw/register_map.json).
struct HostMarks {
  uint32_t always = 0;  // by packet class
  uint32_t ported = 0;
  uint32_t http = 0;    // bit 0 always, bit 1 ported: rules that need an HTTP flow
};

// Marks, for the host-only rule `r`, which packets it may match: by class, and by port where
// the rule names ports (the smaller of its two sets, both ways for a <> rule). A rule that
// needs an HTTP flow is marked apart (TCP packets of such flows: HOST_PORTS class 2), for the
// card to hand over only the frames of flows that may carry HTTP.
void mark_host_rule(const rules::Rule& r, TableImage& image, HostMarks& marks) {
  enum { kTcp, kUdp, kIcmp, kOther, kHttp = 2 };
  bool any = r.protocol == Transport::kAny;
  const rules::PortFiling filed = rules::port_filing(r);
  auto file_ports = [&](int cls) {
    // Side 0 is the packet's destination port, 1 its source port.
    for (int s = 0; s < 2; ++s) {
      if ((s == 0) != filed.as_destination && !r.bidirectional) continue;
      for (const auto& iv : filed.ports->intervals()) {
        for (uint32_t port = iv.lo; port <= iv.hi; ++port) {
          uint32_t word = static_cast<uint32_t>((cls * 2 + s) * 2048) + port / 32;
          image.entry(tbl::host_ports::kId, word)[0] |= 1u << (port % 32);
        }
      }
    }
  };
  if (needs_http_flow(r)) {
    if (filed.ports->is_all()) {
      marks.http |= 1u;
    } else {
      marks.http |= 2u;
      file_ports(kHttp);
    }
    return;
  }
  for (int cls : {kTcp, kUdp}) {
    if (!(any || (cls == kTcp && r.protocol == Transport::kTcp) ||
          (cls == kUdp && r.protocol == Transport::kUdp)))
      continue;
    if (filed.ports->is_all()) {
      marks.always |= 1u << cls;
      continue;
    }
    marks.ported |= 1u << cls;
    file_ports(cls);
  }
  if (any || r.protocol == Transport::kIcmp) marks.always |= 1u << kIcmp;
  if (any) marks.always |= 1u << kOther;
}

}  // namespace

namespace {

// Why the rule cannot be filed in the literal tables at all, or nullopt when it can be.
std::optional<HostReason> unfiled_reason(const rules::Rule& r) {
  if (!r.fast_pattern) return HostReason::kNoLiteral;
  if (r.fast_pattern->window().size() < 4) return HostReason::kShortLiteral;
  // A window in a buffer sent as it is (the payload, an HTTP header value) is in the frame
  // that carries it; one a parser builds (a normalized URI, a decompressed body) is not.
  if (!buffers().spec(r.matches[r.fast_pattern->window_match].buffer).verbatim) return HostReason::kBuiltBuffer;
  return std::nullopt;
}

// Hardware literals, keyed by folded P: a case-sensitive and a nocase literal of the same
// letters share one slot, compared without case, and both their rules are candidates.
std::map<std::string, Literal> collect_literals(std::span<const rules::Rule> rules) {
  std::map<std::string, Literal> by_folded;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const rules::Rule& r = rules[i];
    if (unfiled_reason(r)) continue;
    const std::string p(r.fast_pattern->window());  // rules/fast_pattern.h
    const bool nocase = r.fast_pattern->window_nocase;
    Literal& lit = by_folded[ascii_lower(p)];
    if (lit.rules.empty()) {
      lit.p = nocase ? ascii_lower(p) : p;
      lit.nocase = nocase;
    } else if (lit.nocase != nocase || lit.p != p) {
      lit.p = ascii_lower(p);
      lit.nocase = true;
    }
    lit.rules.push_back(i);
  }
  return by_folded;
}

// The content the rule's hardware window was cut from, and whether it is compared without case.
std::pair<std::string, bool> window_content(const rules::Rule& r) {
  const rules::FastPattern& fp = *r.fast_pattern;
  if (fp.window_match == fp.match) return {fp.bytes, fp.window_nocase};  // as chopped
  return {r.matches[fp.window_match].bytes, fp.window_nocase};
}

// Writes literals into the literal tables and their descriptors, and keeps the plan.
class LiteralPlacer {
 public:
  LiteralPlacer(std::span<const rules::Rule> rules, SignatureTables& out) : rules_(rules), out_(out) {}

  // Writes a literal into its slot of the 4- or 8-byte table (keyed by its folded bytes), with
  // its descriptor. False when the slot is taken (or the descriptors are all used).
  bool place(const std::string& key, const Literal& lit) {
    const bool eight = lit.p.size() == 8;
    const uint8_t table = eight ? tbl::literal_8::kId : tbl::literal_4::kId;
    const uint8_t bitmap = eight ? tbl::literal_bitmap_8::kId : tbl::literal_bitmap_4::kId;
    const uint64_t hashed = eight ? little_endian(key) : little_endian(key.substr(key.size() - 4));
    const uint32_t slot = eight ? hw::literal_8_hash(hashed) : hw::literal_4_hash(static_cast<uint32_t>(hashed));
    const uint64_t filter = eight ? hw::literal_8_filter_hash(hashed)
                                  : hw::literal_4_filter_hash(static_cast<uint32_t>(hashed));
    TableImage& image = out_.image;
    auto e = image.entry(table, slot);
    if (hw::get_field(e, tbl::literal_4::kValid) || next_id_ >= tbl::descriptor::kDepth) return false;
    const uint32_t id = next_id_++;
    hw::set_field(e, tbl::literal_4::kValid, 1);
    hw::set_field(e, tbl::literal_4::kNocase, lit.nocase);
    hw::set_field(e, tbl::literal_4::kLength, lit.p.size());
    hw::set_field(e, tbl::literal_4::kBytes, little_endian(lit.p));
    hw::set_field(e, tbl::literal_4::kLiteral, id);
    for (unsigned i = 0; i < hw::kLiteralFilterHashes; ++i) {
      const uint32_t bit = hw::literal_filter_bit(filter, i);
      image.entry(bitmap, bit / 32)[0] |= 1u << (bit % 32);
    }

    const bool final = describe(id, lit);
    // Only a final rule needs each place its literal is at (its window); the host finishes the
    // others on the whole frame, for which the literal's first hit names them all.
    hw::set_field(e, tbl::literal_4::kOnce, !final);
    HardwarePlan& plan = out_.plan;
    plan.rules_of_literal.push_back(lit.rules);
    plan.literal_final.push_back(final);
    for (uint32_t r : lit.rules) plan.in_hardware[r] = true;
    plan.report.hardware_rules += lit.rules.size();
    plan.report.final_rules += final ? 1 : 0;
    return true;
  }

  // A literal whose slot was taken is split by the contents its rules' windows came from, and
  // each part tries the other windows of its content, 8 bytes then 4: any of them is in every
  // payload the part's rules match, as the window was (rules/fast_pattern.h). A window some
  // other literal already is would merge two literals' rules; it is passed over. Returns how
  // many parts found no slot: their rules stay host-only.
  size_t place_elsewhere(const Literal& lit, std::map<std::string, Literal>& by_folded) {
    std::map<std::pair<std::string, bool>, std::vector<uint32_t>> by_content;
    for (uint32_t i : lit.rules) by_content[window_content(rules_[i])].push_back(i);
    size_t left = 0;
    for (const auto& [content, ids] : by_content) {
      const auto& [bytes, nocase] = content;
      bool placed = false;
      for (size_t width : {size_t{8}, size_t{4}}) {
        for (size_t at = 0; !placed && at + width <= bytes.size(); ++at) {
          const std::string p = bytes.substr(at, width);
          const std::string key = ascii_lower(p);
          if (by_folded.count(key)) continue;
          Literal moved{nocase ? key : p, nocase, ids};
          if (place(key, moved)) {
            by_folded.emplace(key, moved);
            placed = true;
          }
        }
      }
      if (!placed) ++left;
    }
    return left;
  }

  uint32_t literals() const { return next_id_; }

 private:
  // The literal's descriptor: with a single rule, its protocol and ports and, when the
  // hardware can finish it, its window and action. Whether it is final.
  bool describe(uint32_t id, const Literal& lit) {
    auto d = out_.image.entry(tbl::descriptor::kId, id);
    hw::set_field(d, tbl::descriptor::kValid, 1);
    hw::set_field(d, tbl::descriptor::kSrcPortHi, 0xffff);
    hw::set_field(d, tbl::descriptor::kDstPortHi, 0xffff);
    hw::set_field(d, tbl::descriptor::kStartHi, 0xffff);
    // A run of one byte value is reported where the run begins (hw/literal_prefilter.sv), maybe
    // in the headers: rule_check keeps such a hit wherever it begins.
    hw::set_field(d, tbl::descriptor::kRun, one_byte_value(ascii_lower(lit.p)));
    // The protocol and the port ranges that hold every rule's: a hit outside them is no rule's
    // (a literal of several rules, as a field of zeros that an ICMP rule and an SSH rule both
    // look for, is then not a candidate in every frame). ICMP rules name no ports.
    std::optional<hw::Proto> proto;
    std::optional<std::pair<PortRange, PortRange>> ports;
    bool any_ports = false;
    for (uint32_t i : lit.rules) {
      const rules::Rule& r = rules_[i];
      const hw::Proto p = proto_of(r.protocol);
      proto = !proto || *proto == p ? p : hw::Proto::kAny;
      if (r.protocol == Transport::kIcmp) continue;
      auto h = port_hulls(r);
      if (!h) {
        any_ports = true;
        continue;
      }
      if (!ports) {
        ports = h;
      } else {
        ports->first = {std::min(ports->first.first, h->first.first), std::max(ports->first.second, h->first.second)};
        ports->second = {std::min(ports->second.first, h->second.first), std::max(ports->second.second, h->second.second)};
      }
    }
    hw::set_field(d, tbl::descriptor::kProto, static_cast<uint64_t>(proto.value_or(hw::Proto::kAny)));
    if (ports && !any_ports) {
      hw::set_field(d, tbl::descriptor::kSrcPortLo, ports->first.first);
      hw::set_field(d, tbl::descriptor::kSrcPortHi, ports->first.second);
      hw::set_field(d, tbl::descriptor::kDstPortLo, ports->second.first);
      hw::set_field(d, tbl::descriptor::kDstPortHi, ports->second.second);
    }
    bool final = false;
    if (lit.rules.size() == 1) {
      const rules::Rule& r = rules_[lit.rules[0]];
      if (hardware_can_finish(r) && (lit.nocase ? ascii_lower(r.fast_pattern->bytes) : r.fast_pattern->bytes) == lit.p) {
        final = true;
        const rules::Match& m = r.matches[0];
        int64_t lo = m.offset.value_or(0);
        int64_t hi = m.depth ? lo + *m.depth - static_cast<int64_t>(m.bytes.size()) : 0xffff;
        hw::set_field(d, tbl::descriptor::kStartLo, static_cast<uint64_t>(lo));
        if (hi < lo) {  // a window too small for the literal: it never matches
          hw::set_field(d, tbl::descriptor::kValid, 0);
        } else {
          hw::set_field(d, tbl::descriptor::kStartHi, static_cast<uint64_t>(std::min<int64_t>(hi, 0xffff)));
        }
        hw::set_field(d, tbl::descriptor::kDrop, r.action == rules::Action::kDrop);
      }
    }
    hw::set_field(d, tbl::descriptor::kFinal, final);
    return final;
  }

  std::span<const rules::Rule> rules_;
  SignatureTables& out_;
  uint32_t next_id_ = 0;
};

// An anchored literal (hw/anchored_match.sv, ANCHORED): a short content at a fixed place near
// the payload's start, with the protocol and one port range each way that hold its rules'.
struct Anchor {
  std::string bytes;  // folded when nocase
  bool nocase = false;
  uint32_t first = 0, span = 0;
  hw::Proto proto = hw::Proto::kAny;
  PortRange src{0, 0xffff}, dst{0, 0xffff};
  auto operator<=>(const Anchor&) const = default;
};

// The rule's anchored literal: of its payload contents of 1 to 4 bytes at a fixed place (an
// absolute offset and depth, or startswith) within the card's head, the one with the fewest
// starts, then the longest. nullopt when it has none, or is a rule on both directions with ports.
std::optional<Anchor> anchor_of(const rules::Rule& r) {
  constexpr uint32_t kHead = hw::kAnchoredHead, kMaxSpan = 15;
  if (needs_http_flow(r)) return std::nullopt;  // those are handed over by flow (HOST_HTTP)
  auto ports = port_hulls(r);
  if (!ports) return std::nullopt;
  std::optional<Anchor> best;
  for (const rules::Match& m : r.matches) {
    if (m.kind != rules::Match::Kind::kContent || m.buffer != kPacketBuffer || m.negated || m.is_relative() ||
        m.endswith || m.bytes.empty() || m.bytes.size() > 4) {
      continue;
    }
    const int64_t len = static_cast<int64_t>(m.bytes.size());
    const int64_t lo = m.startswith ? 0 : m.offset.value_or(0);
    if (lo < 0 || !(m.startswith || m.depth)) continue;
    const int64_t hi = m.startswith ? 0 : lo + *m.depth - len;
    if (hi < lo || hi - lo > kMaxSpan || hi + len > kHead) continue;
    Anchor a;
    a.nocase = m.nocase;
    a.bytes = m.nocase ? ascii_lower(m.bytes) : m.bytes;
    a.first = static_cast<uint32_t>(lo);
    a.span = static_cast<uint32_t>(hi - lo);
    a.proto = proto_of(r.protocol);
    a.src = ports->first;
    a.dst = ports->second;
    if (!best || a.span < best->span || (a.span == best->span && a.bytes.size() > best->bytes.size())) best = a;
  }
  return best;
}

// A short literal (hw/short_match.sv, SHORT_LITERAL): a content of 1 to 4 bytes a host-only
// rule needs anywhere in the payload, with the protocol and port ranges that hold its rules'.
struct ShortLiteral {
  std::string bytes;  // folded when nocase
  bool nocase = false;
  hw::Proto proto = hw::Proto::kAny;
  PortRange src{0, 0xffff}, dst{0, 0xffff};
  auto operator<=>(const ShortLiteral&) const = default;
};

// The rule's short literal: the longest of the payload contents of 1 to 4 bytes it requires
// (a 4-byte one is a rule the literal tables had no slot for), not a run of one byte value
// (zeros, padding: in nearly every frame). nullopt when it has none, needs an HTTP flow
// (handed over by flow) or is a rule on both directions with ports.
std::optional<ShortLiteral> short_literal_of(const rules::Rule& r) {
  if (needs_http_flow(r)) return std::nullopt;
  auto ports = port_hulls(r);
  if (!ports) return std::nullopt;
  std::optional<ShortLiteral> best;
  for (const rules::Match& m : r.matches) {
    if (m.kind != rules::Match::Kind::kContent || m.buffer != kPacketBuffer || m.negated || m.bytes.empty() ||
        m.bytes.size() > 4) {
      continue;
    }
    const std::string folded = ascii_lower(m.bytes);
    if (folded.size() > 1 && one_byte_value(folded)) continue;
    ShortLiteral l;
    l.nocase = m.nocase;
    l.bytes = m.nocase ? folded : m.bytes;
    l.proto = proto_of(r.protocol);
    l.src = ports->first;
    l.dst = ports->second;
    if (!best || l.bytes.size() > best->bytes.size()) best = l;
  }
  return best;
}

void write_short_literal(const ShortLiteral& l, uint32_t index, TableImage& image) {
  namespace sl = tbl::short_literal;
  auto e = image.entry(sl::kId, index);
  hw::set_field(e, sl::kValid, 1);
  hw::set_field(e, sl::kNocase, l.nocase);
  hw::set_field(e, sl::kLength, l.bytes.size());
  hw::set_field(e, sl::kBytes, little_endian(l.bytes));
  hw::set_field(e, sl::kProto, static_cast<uint64_t>(l.proto));
  hw::set_field(e, sl::kSrcPortLo, l.src.first);
  hw::set_field(e, sl::kSrcPortHi, l.src.second);
  hw::set_field(e, sl::kDstPortLo, l.dst.first);
  hw::set_field(e, sl::kDstPortHi, l.dst.second);
}

void write_anchor(const Anchor& a, uint32_t index, TableImage& image) {
  namespace an = tbl::anchored;
  auto e = image.entry(an::kId, index);
  hw::set_field(e, an::kValid, 1);
  hw::set_field(e, an::kNocase, a.nocase);
  hw::set_field(e, an::kLength, a.bytes.size());
  hw::set_field(e, an::kBytes, little_endian(a.bytes));
  hw::set_field(e, an::kFirst, a.first);
  hw::set_field(e, an::kSpan, a.span);
  hw::set_field(e, an::kProto, static_cast<uint64_t>(a.proto));
  hw::set_field(e, an::kSrcPortLo, a.src.first);
  hw::set_field(e, an::kSrcPortHi, a.src.second);
  hw::set_field(e, an::kDstPortLo, a.dst.first);
  hw::set_field(e, an::kDstPortHi, a.dst.second);
}

}  // namespace

const char* host_reason_name(HostReason r) {
  switch (r) {
    case HostReason::kOnCard: return "on the card";
    case HostReason::kNoLiteral: return "no content";
    case HostReason::kShortLiteral: return "no content of 4 bytes or more";
    case HostReason::kBuiltBuffer: return "fast pattern in a buffer a parser builds";
    case HostReason::kNoSlot: return "no free table slot";
  }
  return "?";
}

SignatureTables compile_signature_tables(std::span<const rules::Rule> rules) {
  SignatureTables out;
  HardwarePlan& plan = out.plan;
  plan.report.rules = rules.size();
  plan.in_hardware.assign(rules.size(), false);

  std::map<std::string, Literal> by_folded = collect_literals(rules);
  LiteralPlacer placer(rules, out);
  std::vector<Literal> bumped;
  for (auto& [key, lit] : by_folded) {
    if (!placer.place(key, lit)) bumped.push_back(lit);
  }
  for (const Literal& lit : bumped) plan.report.literal_collisions += placer.place_elsewhere(lit, by_folded);
  plan.report.literals = placer.literals();

  // Anchored literals for the rules the literal tables do not find, one entry for each distinct
  // one, while there is room; the rest stay host-only.
  std::map<Anchor, uint32_t> entries;
  plan.anchored.assign(rules.size(), false);
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (plan.in_hardware[i]) continue;
    std::optional<Anchor> a = anchor_of(rules[i]);
    if (!a) continue;
    auto it = entries.find(*a);
    if (it == entries.end()) {
      if (entries.size() == tbl::anchored::kDepth) continue;
      it = entries.emplace(*a, static_cast<uint32_t>(entries.size())).first;
      write_anchor(*a, it->second, out.image);
    }
    plan.anchored[i] = true;
    ++plan.report.anchored_rules;
  }
  plan.report.anchored_entries = entries.size();

  // Short literals for the rules left, the same way, the longest first (the fewer frames
  // they hit) while there is room.
  std::vector<std::pair<ShortLiteral, uint32_t>> wanted;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (plan.in_hardware[i] || plan.anchored[i]) continue;
    if (std::optional<ShortLiteral> l = short_literal_of(rules[i])) wanted.emplace_back(*l, i);
  }
  std::stable_sort(wanted.begin(), wanted.end(),
                   [](const auto& a, const auto& b) { return a.first.bytes.size() > b.first.bytes.size(); });
  std::map<ShortLiteral, uint32_t> shorts;
  plan.short_literal.assign(rules.size(), false);
  for (const auto& [l, i] : wanted) {
    auto it = shorts.find(l);
    if (it == shorts.end()) {
      if (shorts.size() == tbl::short_literal::kDepth) continue;
      it = shorts.emplace(l, static_cast<uint32_t>(shorts.size())).first;
      write_short_literal(l, it->second, out.image);
    }
    plan.short_literal[i] = true;
    ++plan.report.short_rules;
  }
  plan.report.short_entries = shorts.size();

  HostMarks marks;
  plan.host_reason.assign(rules.size(), HostReason::kOnCard);
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (plan.in_hardware[i] || plan.anchored[i] || plan.short_literal[i]) continue;
    const HostReason why = unfiled_reason(rules[i]).value_or(HostReason::kNoSlot);
    plan.host_reason[i] = why;
    ++plan.report.host_by_reason[static_cast<size_t>(why)];
    ++plan.report.host_rules;
    mark_host_rule(rules[i], out.image, marks);
  }
  uint32_t control = marks.always << hw::control::kHostAlways.lsb | marks.ported << hw::control::kHostPorted.lsb |
                     marks.http << hw::control::kHostHttp.lsb;
  // A host-only pass rule may outrank a drop: then the host has the last word on drops.
  bool pass_rules = std::any_of(rules.begin(), rules.end(), [](const rules::Rule& r) {
    return r.action == rules::Action::kPass;
  });
  if (!pass_rules) control |= 1u << hw::control::kSignatureDrop.lsb;
  out.image.control = control;
  return out;
}

std::optional<CompiledTables> compile_tables(const SignatureTables& signatures, const IdentityTable& identities,
                                             const Policy* policy, bool drop_malformed, std::string& error) {
  CompiledTables out{signatures.image, signatures.plan};
  TableImage& image = out.image;
  compile_identities(identities, image, out.plan.report, error);
  if (!error.empty()) return std::nullopt;
  if (policy) {
    compile_policy(*policy, identities.registry(), image, out.plan.report, error);
    if (!error.empty()) return std::nullopt;
    hw::PolicyMode mode = policy->mode == PolicyMode::kAudit ? hw::PolicyMode::kAudit : hw::PolicyMode::kEnforce;
    image.control |= static_cast<uint32_t>(mode) << hw::control::kPolicyMode.lsb;
  }
  if (drop_malformed) image.control |= 1u << hw::control::kDropMalformed.lsb;
  return out;
}

}  // namespace picket
