#include "policy/policy.h"

#include "base/text.h"
#include "packet/decoder.h"

namespace picket {

void Policy::resolve(IdentityRegistry& registry) const {
  if (from_.size() != statements.size()) {
    for (const PolicyStatement& s : statements) {
      for (const IdentitySelector* sel : {&s.from, &s.to}) {
        if (sel->kind == IdentitySelector::Kind::kExact) registry.intern(sel->id);
      }
    }
    from_.clear();
    to_.clear();
    by_server_.clear();
    any_server_.clear();
    for (uint32_t i = 0; i < statements.size(); ++i) {
      const PolicyStatement& s = statements[i];
      from_.push_back(matchers_.add(s.from, registry));
      to_.push_back(matchers_.add(s.to, registry));
      std::optional<IdentityId> server;
      if (s.to.kind == IdentitySelector::Kind::kExact) server = registry.find(s.to.id);
      if (server) by_server_[*server].push_back(i);
      else any_server_.push_back(i);
    }
  }
  matchers_.refresh(registry);
}

bool Policy::matches(size_t i, IdentityId client, IdentityId server, uint8_t ip_proto,
                     std::optional<uint16_t> port) const {
  const PolicyStatement& s = statements[i];
  if (!transport_matches(s.proto, ip_proto)) return false;
  if (s.ports) {
    bool has_ports = ip_proto == ip_proto::kTcp || ip_proto == ip_proto::kUdp;
    if (!has_ports || !port || !s.ports->contains(*port)) return false;
  }
  return matchers_[from_[i]].matches(client) && matchers_[to_[i]].matches(server);
}

PolicyDecision Policy::judge(IdentityId client, IdentityId server, uint8_t ip_proto,
                             std::optional<uint16_t> server_port, int64_t now_ns) const {
  PolicyDecision d;
  const PolicyStatement* allow = nullptr;
  static const std::vector<uint32_t> kNone;
  auto named = by_server_.find(server);
  const std::vector<uint32_t>& a = named == by_server_.end() ? kNone : named->second;
  const std::vector<uint32_t>& b = any_server_;
  // Both lists are in file order; walk them merged.
  for (size_t ia = 0, ib = 0; ia < a.size() || ib < b.size();) {
    const uint32_t i = ib == b.size() || (ia < a.size() && a[ia] < b[ib]) ? a[ia++] : b[ib++];
    const PolicyStatement& s = statements[i];
    if (!s.applies(now_ns) || !matches(i, client, server, ip_proto, server_port)) continue;
    // Any matching statement's lapse can change the decision.
    d.valid_until_ns = std::min(d.valid_until_ns, s.until_ns);
    if (s.verb == PolicyStatement::Verb::kDeny) {
      d.allowed = false;
      d.statement = s.number;
      return d;
    }
    if (!allow) allow = &s;
  }
  d.allowed = allow != nullptr;
  d.statement = allow ? allow->number : 0;
  return d;
}

namespace {

// "80", "80,443", "8000-8080", "8000:8080"; nullopt with a message otherwise.
std::optional<rules::PortSet> parse_ports(std::string_view text, std::string& error, size_t& bad_at) {
  rules::PortSet set;
  size_t i = 0;
  while (i <= text.size()) {
    size_t comma = std::min(text.find(',', i), text.size());
    std::string_view item = text.substr(i, comma - i);
    size_t dash = item.find_first_of("-:");
    auto number = [&](std::string_view s, uint32_t& out) {
      if (s.empty() || s.size() > 5) return false;
      out = 0;
      for (char c : s) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + uint32_t(c - '0');
      }
      return out <= 65535;
    };
    uint32_t lo = 0, hi = 0;
    bool ok = dash == std::string_view::npos ? number(item, lo) && number(item, hi)
                                             : number(item.substr(0, dash), lo) && number(item.substr(dash + 1), hi);
    if (!ok || hi < lo) {
      error = "expected ports as 80, 80,443 or 8000-8080 (each 0 to 65535), found " + quote(item);
      bad_at = i;
      return std::nullopt;
    }
    set = set.unite(rules::PortSet::of(lo, hi));
    i = comma + 1;
  }
  return set;
}

}  // namespace

std::optional<Policy> parse_policy(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors) {
  Policy policy;
  size_t errors_before = errors.size();
  bool mode_seen = false;
  for (LineReader lines(text); lines.next();) {
    std::string_view line = lines.line();
    uint32_t line_no = lines.number();
    std::vector<Word> t = split_words(line);
    if (t.empty()) continue;
    auto error = [&](uint32_t column, std::string message) {
      errors.push_back(Diagnostic::error({file, line_no, column}, std::move(message)));
    };
    auto end_column = [&] { return t.back().column + static_cast<uint32_t>(t.back().text.size()); };

    if (t[0].text == "mode") {
      if (t.size() != 2 || (t[1].text != "enforce" && t[1].text != "audit")) {
        error(t.size() > 1 ? t[1].column : end_column(), "expected 'mode enforce' or 'mode audit'");
      } else if (mode_seen) {
        error(t[0].column, "mode is set twice");
      } else {
        policy.mode = t[1].text == "audit" ? PolicyMode::kAudit : PolicyMode::kEnforce;
        mode_seen = true;
      }
      continue;
    }
    PolicyStatement s;
    if (t[0].text == "allow") s.verb = PolicyStatement::Verb::kAllow;
    else if (t[0].text == "deny") s.verb = PolicyStatement::Verb::kDeny;
    else {
      error(t[0].column, "expected 'allow', 'deny' or 'mode', found " + quote(t[0].text));
      continue;
    }
    if (t.size() < 4 || t[2].text != "->") {
      error(t.size() > 2 ? t[2].column : end_column(), "expected FROM -> TO after " + quote(t[0].text));
      continue;
    }
    bool bad = false;
    for (int k : {1, 3}) {
      std::optional<IdentitySelector::Error> e;
      IdentitySelector sel = IdentitySelector::parse(t[k].text, e);
      if (e) {
        error(t[k].column + static_cast<uint32_t>(e->offset), e->message);
        bad = true;
        break;
      }
      (k == 1 ? s.from : s.to) = sel;
    }
    if (bad) continue;
    size_t k = 4;
    if (k < t.size() && t[k].text != "until") {
      std::string_view spec = t[k].text;
      size_t slash = spec.find('/');
      std::string_view proto = spec.substr(0, slash);
      if (proto == "any") s.proto = Transport::kAny;
      else if (proto == "tcp") s.proto = Transport::kTcp;
      else if (proto == "udp") s.proto = Transport::kUdp;
      else if (proto == "icmp") s.proto = Transport::kIcmp;
      else {
        error(t[k].column, "expected a protocol (any, tcp, udp, icmp), found " + quote(proto));
        continue;
      }
      if (slash != std::string_view::npos) {
        if (s.proto == Transport::kIcmp) {
          error(t[k].column + static_cast<uint32_t>(slash), "icmp has no ports");
          continue;
        }
        std::string why;
        size_t bad_at = 0;
        s.ports = parse_ports(spec.substr(slash + 1), why, bad_at);
        if (!s.ports) {
          error(t[k].column + static_cast<uint32_t>(slash + 1 + bad_at), why);
          continue;
        }
      }
      ++k;
    }
    if (k < t.size()) {
      if (t[k].text != "until" || k + 2 != t.size()) {
        error(t[k].column, "expected 'until TIME' or the end of the statement");
        continue;
      }
      auto until = parse_rfc3339(t[k + 1].text);
      if (!until) {
        error(t[k + 1].column, "expected an RFC 3339 time with a zone, such as 2023-11-14T22:15:00Z");
        continue;
      }
      s.until_ns = *until;
    }
    s.number = static_cast<uint32_t>(policy.statements.size() + 1);
    s.location = {file, line_no, t[0].column};
    std::string_view body = line.substr(t[0].column - 1, end_column() - t[0].column);
    s.text = std::string(body);
    policy.statements.push_back(std::move(s));
  }
  if (errors.size() != errors_before) return std::nullopt;
  return policy;
}

std::optional<Policy> load_policy_file(const std::string& path, std::vector<Diagnostic>& errors) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    errors.push_back(Diagnostic::error({path, 0, 0}, "cannot read the policy file"));
    return std::nullopt;
  }
  return parse_policy(*text, path, errors);
}

}  // namespace picket
