// flow: the packet's place in its flow.
//
//   flow:established,to_server;   established | not_established | stateless,
//                                 to_server (from_client) | to_client (from_server),
//                                 only_stream | no_stream, only_frag | no_frag
//
// only_frag: an IP fragment, or a datagram reassembled from fragments; no_frag: neither.
//
// The `tcp-stream` protocol sets only_stream, `tcp-pkt` no_stream: which of the packet's
// payload and the TCP stream window the payload conditions see (detect/signature_set.h).
#include "base/text.h"
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"flow"};

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  rules::FlowCondition& f = r.flow;
  size_t i = 0;
  std::string_view v = o.value;
  while (i <= v.size()) {
    size_t comma = std::min(v.find(',', i), v.size());
    std::string_view item = trim(v.substr(i, comma - i));
    size_t at = o.value_offset + i;
    if (item == "established") f.established = true;
    else if (item == "not_established") f.not_established = true;
    else if (item == "stateless") f.stateless = true;
    else if (item == "to_server" || item == "from_client") f.to_server = true;
    else if (item == "to_client" || item == "from_server") f.to_client = true;
    else if (item == "only_stream") f.only_stream = true;
    else if (item == "no_stream") f.no_stream = true;
    else if (item == "only_frag") f.only_frag = true;
    else if (item == "no_frag") f.no_frag = true;
    else o.fail(at, "unknown flow option " + quote(item) +
                        " (expected established, not_established, stateless, to_server, to_client, "
                        "only_stream, no_stream, only_frag, no_frag)");
    i = comma + 1;
  }
  if (f.established && f.not_established) o.fail(o.value_offset, "flow cannot be both established and not_established");
  if (f.to_server && f.to_client) o.fail(o.value_offset, "flow cannot be both to_server and to_client");
  if (f.only_stream && f.no_stream) o.fail(o.value_offset, "flow cannot be both only_stream and no_stream");
  if (f.only_frag && f.no_frag) o.fail(o.value_offset, "flow cannot be both only_frag and no_frag");
}

// The conditions a packet can fail here (stateless always holds; the stream conditions choose
// the payload the signature set inspects).
bool used(const rules::Rule& r) {
  const rules::FlowCondition& f = r.flow;
  return f.established || f.not_established || f.to_server || f.to_client || f.only_stream || f.only_frag ||
         f.no_frag;
}

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  const rules::FlowCondition& f = cr.rule.flow;
  const DecodedPacket& p = *in.packet;
  if (f.established && !(in.has_flow && in.established)) return false;
  if (f.not_established && in.has_flow && in.established) return false;
  if (f.to_server && !(in.has_flow && in.direction == Direction::kToServer)) return false;
  if (f.to_client && !(in.has_flow && in.direction == Direction::kToClient)) return false;
  if (f.only_frag && !(p.fragment || p.reassembled)) return false;
  if (f.no_frag && (p.fragment || p.reassembled)) return false;
  if (f.only_stream && (!p.is_tcp() || in.payload.empty())) return false;
  return true;
}

}  // namespace

// The card knows no flows yet: a rule with a flow condition is never final there.
const Keyword kFlowKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
