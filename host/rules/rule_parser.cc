#include "rules/rule_parser.h"

#include <algorithm>
#include <string>
#include <vector>

#include "detect/keywords/keyword.h"
#include "rules/fast_pattern.h"
#include "rules/header_values.h"
#include "rules/option_values.h"

namespace picket::rules {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class RuleParser {
 public:
  RuleParser(std::string_view text, const Variables& vars) : text_(text), vars_(vars) {}

  Rule parse() {
    rule_.text = std::string(trim(text_));
    size_t options_start = header();
    std::vector<RuleOption> options = tokenize(options_start);
    snort3_ = looks_like_snort3(options);
    for (const RuleOption& o : options) apply(o);
    finish();
    return std::move(rule_);
  }

 private:
  [[noreturn]] void fail(size_t at, std::string message) const { throw ParseError(at, std::move(message)); }
  [[noreturn]] void unsupported(size_t at, std::string message, std::string reason) const {
    throw UnsupportedRule(at, std::move(message), std::move(reason));
  }

  void skip_spaces() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // A header field: runs to white space or '(', with [lists] kept whole.
  std::string_view header_token(size_t& start) {
    skip_spaces();
    start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '[') ++depth;
      if (c == ']') --depth;
      if (depth <= 0 && (is_space(c) || c == '(')) break;
      ++pos_;
    }
    if (depth > 0) fail(start, "unclosed '[' in the rule header");
    return text_.substr(start, pos_ - start);
  }

  // action proto src sport dir dst dport, or Snort 3's "action service" with no addresses.
  size_t header() {
    size_t at = 0;
    std::string_view action = header_token(at);
    if (action.empty()) fail(at, "expected an action (alert, drop, reject, pass)");
    if (action == "alert") rule_.action = Action::kAlert;
    else if (action == "drop" || action == "block" || action == "sdrop") rule_.action = Action::kDrop;
    else if (action == "reject" || action == "rejectsrc" || action == "rejectdst" || action == "rejectboth")
      rule_.action = Action::kReject;
    else if (action == "pass") rule_.action = Action::kPass;
    else if (action == "log" || action == "config" || action == "react" || action == "rewrite")
      unsupported(at, "action " + quote(action) + " is not supported", "action " + std::string(action));
    else fail(at, "expected an action (alert, drop, reject, pass), found " + quote(action));

    std::string_view proto = header_token(at);
    if (proto.empty()) fail(at, "expected a protocol (ip, pkthdr, tcp, tcp-pkt, tcp-stream, udp, icmp, icmpv6, http)");
    protocol(proto, at);

    skip_spaces();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      rule_.bidirectional = true;  // a service rule: any address, either direction
      return pos_;
    }
    size_t src_at = 0, sport_at = 0, dir_at = 0, dst_at = 0, dport_at = 0;
    std::string_view src = header_token(src_at);
    std::string_view sport = header_token(sport_at);
    std::string_view dir = header_token(dir_at);
    std::string_view dst = header_token(dst_at);
    std::string_view dport = header_token(dport_at);
    if (src.empty()) fail(src_at, "expected a source address");
    if (sport.empty()) fail(sport_at, "expected a source port");
    if (dir != "->" && dir != "<>") fail(dir_at, "expected '->' or '<>' between source and destination");
    if (dst.empty()) fail(dst_at, "expected a destination address");
    if (dport.empty()) fail(dport_at, "expected a destination port");
    rule_.bidirectional = dir == "<>";
    rule_.src_addr = parse_address_field(src, src_at, vars_);
    rule_.src_ports = parse_port_field(sport, sport_at, vars_);
    rule_.dst_addr = parse_address_field(dst, dst_at, vars_);
    rule_.dst_ports = parse_port_field(dport, dport_at, vars_);
    if (rule_.src_addr.empty() || rule_.dst_addr.empty()) {
      fail(rule_.src_addr.empty() ? src_at : dst_at, "address matches nothing");
    }
    if (rule_.src_ports.empty() || rule_.dst_ports.empty()) {
      fail(rule_.src_ports.empty() ? sport_at : dport_at, "port matches nothing");
    }
    skip_spaces();
    if (pos_ >= text_.size() || text_[pos_] != '(') fail(pos_, "expected '(' to start the rule options");
    return pos_;
  }

  void protocol(std::string_view p, size_t at) {
    if (p == "ip" || p == "pkthdr") rule_.protocol = Transport::kAny;  // pkthdr: any packet, as ip
    else if (p == "tcp") rule_.protocol = Transport::kTcp;
    else if (p == "tcp-pkt") {
      rule_.protocol = Transport::kTcp;
      rule_.flow.no_stream = true;
    }
    else if (p == "tcp-stream") {
      rule_.protocol = Transport::kTcp;
      rule_.flow.only_stream = true;
    }
    else if (p == "udp") rule_.protocol = Transport::kUdp;
    else if (p == "icmp" || p == "icmpv6") rule_.protocol = Transport::kIcmp;  // both families, as icmp
    else if (p == "http" || p == "http1") {
      rule_.protocol = Transport::kTcp;
      rule_.app = AppProtocol::kHttp;  // the engine applies it to flows on which HTTP was seen
    } else {
      bool word = std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      });
      if (!word) fail(at, "expected a protocol (ip, tcp, udp, icmp, http), found " + quote(p));
      unsupported(at, "protocol " + quote(p) + " is not supported", "protocol " + std::string(p));
    }
  }

  std::vector<RuleOption> tokenize(size_t open) {
    std::vector<RuleOption> out;
    pos_ = open + 1;
    for (;;) {
      skip_spaces();
      if (pos_ >= text_.size()) fail(open, "unclosed '(': expected ')' at the end of the rule");
      if (text_[pos_] == ')') {
        ++pos_;
        skip_spaces();
        if (pos_ < text_.size()) fail(pos_, "unexpected text after the closing ')'");
        return out;
      }
      RuleOption o;
      o.keyword_offset = pos_;
      while (pos_ < text_.size()) {
        char c = text_[pos_];
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
        if (!word) break;
        ++pos_;
      }
      o.keyword = text_.substr(o.keyword_offset, pos_ - o.keyword_offset);
      if (o.keyword.empty()) fail(pos_, "expected an option keyword");
      skip_spaces();
      if (pos_ < text_.size() && text_[pos_] == ';') {
        ++pos_;
      } else if (pos_ < text_.size() && text_[pos_] == ':') {
        o.has_value = true;
        o.value_offset = ++pos_;
        // As Suricata does, the value ends at the first ';' not escaped by '\\', quotes or
        // not: rules in the wild put unescaped '"' inside pcre expressions.
        while (pos_ < text_.size() && text_[pos_] != ';') pos_ += text_[pos_] == '\\' ? 2 : 1;
        if (pos_ >= text_.size()) {
          // The last option may omit its ';' before the closing ')'.
          size_t close = text_.find_last_of(')');
          if (close == std::string_view::npos || close < o.value_offset) {
            fail(o.keyword_offset, "expected ';' after the value of " + quote(o.keyword));
          }
          o.value = text_.substr(o.value_offset, close - o.value_offset);
          pos_ = close;
        } else {
          o.value = text_.substr(o.value_offset, pos_ - o.value_offset);
          ++pos_;
        }
      } else if (pos_ < text_.size() && text_[pos_] == ')') {
        // keyword without ';' before ')': accepted like the value case
      } else {
        fail(pos_, "expected ':' or ';' after " + quote(o.keyword));
      }
      out.push_back(o);
    }
  }

  static bool looks_like_snort3(const std::vector<RuleOption>& options) {
    bool content_seen = false;
    for (const RuleOption& o : options) {
      if (o.keyword == "service" || o.keyword == "rem") return true;
      if (o.keyword == "content" || o.keyword == "pcre") {
        std::string_view v = trim(o.value);
        size_t close = v.rfind('"');
        if (close != std::string_view::npos && trim(v.substr(close + 1)).starts_with(",")) return true;
        content_seen = true;
      }
      if (!content_seen && buffers().by_modifier(o.keyword)) return true;
    }
    return false;
  }

  Match& last_content(const RuleOption& o) {
    for (auto it = rule_.matches.rbegin(); it != rule_.matches.rend(); ++it) {
      if (it->kind == Match::Kind::kContent) return *it;
    }
    fail(o.keyword_offset, quote(o.keyword) + " needs a content before it");
  }

  static void need_value(const RuleOption& o) { o.need_value(); }
  static void no_value(const RuleOption& o) { o.no_value(); }

  // A match's location holds its byte offset in `column` until parse_rule() turns it into
  // a line and column.
  SourceLocation here(size_t offset) const { return {"", 0, static_cast<uint32_t>(offset)}; }

  void apply(const RuleOption& o) {
    std::string_view k = o.keyword;
    if (k == "content" || k == "uricontent") return content(o);
    if (k == "pcre") return pcre(o);
    if (k == "nocase" || k == "rawbytes" || k == "fast_pattern" || k == "startswith" || k == "endswith" ||
        k == "offset" || k == "depth" || k == "distance" || k == "within") {
      return modifier(last_content(o), k, o.has_value ? o.value : std::string_view{}, o.value_offset, o);
    }
    if (std::optional<BufferId> b = buffers().by_sticky(k)) {
      no_value(o);
      sticky_ = *b;
      return;
    }
    if (std::optional<BufferId> b = buffers().by_modifier(k)) {
      if (o.has_value) unsupported(o.keyword_offset, quote(k) + " with a value is not supported",
                                   "keyword " + std::string(k) + ":");
      if (snort3_) {
        sticky_ = *b;
      } else {
        Match& m = last_content(o);
        m.buffer = *b;
      }
      return;
    }
    if (const Keyword* keyword = find_keyword(k)) return keyword->parse(o, rule_);
    unsupported(o.keyword_offset, "keyword " + quote(k) + " is not supported",
                "keyword " + std::string(k));
  }

  void content(const RuleOption& o) {
    need_value(o);
    QuotedValue q = split_quoted(o.value, o.value_offset, true);
    Match m;
    m.kind = Match::Kind::kContent;
    m.buffer = o.keyword == "uricontent" ? *buffers().find("http.uri") : sticky_;
    m.negated = q.negated;
    m.location = here(o.keyword_offset);
    m.bytes = decode_content(q.inner, q.inner_offset);
    rule_.matches.push_back(std::move(m));
    snort3_modifiers(rule_.matches.back(), q);
  }

  // Snort 3: content:"x", nocase, depth 4, fast_pattern;
  void snort3_modifiers(Match& m, const QuotedValue& q) {
    std::string_view rest = q.rest;
    size_t base = q.rest_offset;
    if (trim(rest).empty()) return;
    size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && is_space(rest[i])) ++i;
      if (i >= rest.size()) break;
      if (rest[i] != ',') fail(base + i, "expected ',' before a content modifier");
      size_t start = ++i;
      while (i < rest.size() && rest[i] != ',') ++i;
      std::string_view item = rest.substr(start, i - start);
      std::string_view t = trim(item);
      size_t lead = start + static_cast<size_t>(t.data() - item.data());
      size_t space = t.find_first_of(" \t");
      std::string_view name = t.substr(0, space);
      std::string_view arg = space == std::string_view::npos ? std::string_view{} : trim(t.substr(space));
      size_t arg_at = arg.empty() ? base + lead : base + lead + static_cast<size_t>(arg.data() - t.data());
      if (name.empty()) fail(base + start, "expected a content modifier after ','");
      if (name == "fast_pattern_offset" || name == "fast_pattern_length") {
        auto v = static_cast<uint16_t>(parse_integer(arg, arg_at, 0, 65535, name));
        (name == "fast_pattern_offset" ? m.fast_pattern_chop_offset : m.fast_pattern_chop_length) = v;
        m.fast_pattern = true;
        continue;
      }
      RuleOption fake{name, arg, !arg.empty(), base + lead, arg_at};
      modifier(m, name, arg, arg_at, fake);
    }
  }

  void modifier(Match& m, std::string_view k, std::string_view v, size_t at, const RuleOption& o) {
    auto num = [&](int64_t min, int64_t max) {
      std::string_view t = trim(v);
      if (t.empty()) fail(o.keyword_offset, quote(k) + " needs a value");
      if ((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z') || t[0] == '_') {
        unsupported(at, std::string(k) + " from a byte_extract variable is not supported", "byte_extract variable");
      }
      return static_cast<int32_t>(parse_integer(v, at, min, max, k));
    };
    auto set_once = [&](std::optional<int32_t>& field, int32_t value) {
      if (field) fail(o.keyword_offset, quote(k) + " given twice for one content");
      field = value;
    };
    if (k == "nocase") return no_value(o), void(m.nocase = true);
    if (k == "rawbytes") return no_value(o);
    if (k == "startswith") return no_value(o), void(m.startswith = true);
    if (k == "endswith") return no_value(o), void(m.endswith = true);
    if (k == "offset") return set_once(m.offset, num(0, 65535));
    if (k == "depth") return set_once(m.depth, num(1, 65535));
    if (k == "distance") return set_once(m.distance, num(-65535, 65535));
    if (k == "within") return set_once(m.within, num(1, 65535));
    if (k == "fast_pattern") {
      m.fast_pattern = true;
      std::string_view t = trim(v);
      if (t.empty()) return;
      if (t == "only") return void(m.fast_pattern_only = true);
      size_t comma = t.find(',');
      if (comma == std::string_view::npos) fail(at, "expected 'only' or OFFSET,LENGTH for fast_pattern");
      size_t t_at = at + static_cast<size_t>(t.data() - v.data());
      m.fast_pattern_chop_offset = static_cast<uint16_t>(parse_integer(t.substr(0, comma), t_at, 0, 65535, "fast_pattern offset"));
      m.fast_pattern_chop_length = static_cast<uint16_t>(parse_integer(t.substr(comma + 1), t_at + comma + 1, 1, 65535, "fast_pattern length"));
      return;
    }
    fail(o.keyword_offset, "unknown content modifier " + quote(k));
  }

  void pcre(const RuleOption& o) {
    need_value(o);
    QuotedValue q;
    std::string_view t = trim(o.value);
    size_t t_at = o.value_offset + static_cast<size_t>(t.data() - o.value.data());
    if (t.starts_with("/") || t.starts_with("!/")) {  // Suricata also takes it unquoted
      q.negated = t[0] == '!';
      q.inner = t.substr(q.negated ? 1 : 0);
      q.inner_offset = t_at + (q.negated ? 1 : 0);
    } else {
      q = split_quoted(o.value, o.value_offset, true);
      if (!trim(q.rest).empty()) fail(q.rest_offset, "unexpected text after the pcre's closing '\"'");
    }
    Match m;
    m.buffer = sticky_;
    m.negated = q.negated;
    m.location = here(o.keyword_offset);
    decode_pcre(q.inner, q.inner_offset, m);
    rule_.matches.push_back(std::move(m));
  }

  // Checks across options, as Suricata makes them.
  void finish() {
    if (rule_.sid == 0) fail(0, "rule has no sid");
    int fast_patterns = 0;
    for (const Match& m : rule_.matches) {
      size_t at = m.location.column;
      if (m.kind != Match::Kind::kContent) continue;
      auto len = static_cast<int32_t>(m.bytes.size());
      if ((m.offset || m.depth || m.startswith) && (m.distance || m.within)) {
        fail(at, "a content cannot have both absolute (offset, depth) and relative (distance, within) modifiers");
      }
      if (m.depth && *m.depth < len) {
        fail(at, "depth " + std::to_string(*m.depth) + " is shorter than the content (" + std::to_string(len) + " bytes)");
      }
      if (m.within && *m.within < len) {
        fail(at, "within " + std::to_string(*m.within) + " is shorter than the content (" + std::to_string(len) + " bytes)");
      }
      if (m.fast_pattern) ++fast_patterns;
      if (m.fast_pattern_only && (m.offset || m.depth || m.distance || m.within || m.negated)) {
        fail(at, "fast_pattern:only cannot be combined with negation, offset, depth, distance or within");
      }
      if (m.fast_pattern_chop_length &&
          uint32_t{m.fast_pattern_chop_offset.value_or(0)} + *m.fast_pattern_chop_length > m.bytes.size()) {
        fail(at, "fast_pattern OFFSET,LENGTH runs past the content's end");
      }
    }
    if (fast_patterns > 1) fail(0, "only one content can be the fast_pattern");
    if (rule_.uses_http() && rule_.protocol != Transport::kTcp && rule_.protocol != Transport::kAny) {
      fail(0, "HTTP buffers need protocol tcp or http");
    }
    if (rule_.uses_http() && rule_.protocol == Transport::kAny) rule_.protocol = Transport::kTcp;
    rule_.fast_pattern = choose_fast_pattern(rule_);
  }

  std::string_view text_;
  const Variables& vars_;
  size_t pos_ = 0;
  Rule rule_;
  bool snort3_ = false;
  BufferId sticky_ = kPacketBuffer;
};

// Line and column (1-based) of byte `offset` of `text`, which starts at `where`.
SourceLocation locate(std::string_view text, size_t offset, const SourceLocation& where) {
  SourceLocation at = where;
  offset = std::min(offset, text.size());
  size_t line_start = 0;
  uint32_t lines = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lines;
      line_start = i + 1;
    }
  }
  at.line = where.line + lines;
  at.column = static_cast<uint32_t>((lines ? 1 : std::max<uint32_t>(where.column, 1)) + offset - line_start);
  return at;
}

uint32_t find_sid(std::string_view text) {
  for (size_t i = text.find("sid"); i != std::string_view::npos; i = text.find("sid", i + 3)) {
    if (i > 0 && text[i - 1] != ';' && text[i - 1] != '(' && !is_space(text[i - 1])) continue;
    size_t j = i + 3;
    while (j < text.size() && is_space(text[j])) ++j;
    if (j >= text.size() || text[j] != ':') continue;
    ++j;
    while (j < text.size() && is_space(text[j])) ++j;
    uint64_t v = 0;
    size_t digits = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9' && digits < 10) v = v * 10 + uint64_t(text[j++] - '0'), ++digits;
    if (digits && v <= UINT32_MAX) return static_cast<uint32_t>(v);
  }
  return 0;
}

}  // namespace

ParseOutcome parse_rule(std::string_view text, const SourceLocation& where, const Variables& vars) {
  ParseOutcome out;
  try {
    Rule rule = RuleParser(text, vars).parse();
    rule.location = where;
    for (Match& m : rule.matches) m.location = locate(text, m.location.column, where);
    out.rule = std::move(rule);
  } catch (const UnsupportedRule& e) {
    out.diagnostic = Diagnostic{Severity::kWarning, locate(text, e.offset, where),
                                std::string("rule skipped: ") + e.what(), e.reason, find_sid(text)};
  } catch (const ParseError& e) {
    out.diagnostic = Diagnostic{Severity::kError, locate(text, e.offset, where), e.what(), {}, find_sid(text)};
  }
  return out;
}

}  // namespace picket::rules
