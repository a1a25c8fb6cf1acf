// decode-event: an anomaly the decoder or the defragmenter raised on the packet, by Suricata's
// name (packet/decoder.h, DecodeEvent).
//
//   decode-event:ipv6.frag_overlap;     several keywords: every one must have been raised
//
// Rules with it are also checked on malformed packets (whose events say why), where nothing
// else is inspected; an event Picket does not raise skips the rule, counted.
#include <string>

#include "base/text.h"
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "packet/decoder.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"decode-event"};

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  const std::string_view name = trim(o.value);
  std::optional<DecodeEvent> e = parse_decode_event(name);
  if (!e) o.unsupported(o.value_offset, "decode-event " + quote(name) + " is not raised by Picket", "decode-event " + std::string(name));
  r.decode_events |= event_bit(*e);
}

bool used(const rules::Rule& r) { return r.decode_events != 0; }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  return (in.packet->events & cr.rule.decode_events) == cr.rule.decode_events;
}

}  // namespace

const Keyword kDecodeEventKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
