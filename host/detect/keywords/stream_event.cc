// stream-event: an event the TCP stream or the flow table's sequence checks raised on the
// packet, by Suricata's name (its stream-events.rules).
//
//   stream-event:reassembly_overlap_different_data;   the same sequence numbers, other bytes
//   stream-event:est_packet_out_of_window;            data past the receiver's window
//   stream-event:rst_invalid;                         a RST off the next sequence number
//   stream-event:reassembly_depth_reached;            the direction reached --stream-depth
//
// A packet the stream refuses (an overlap conflict) is not inspected further, but the rules
// with stream-event or decode-event are still checked on it, so the event is recorded. An
// event Picket does not raise skips the rule, counted.
#include <string>

#include "base/text.h"
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "stream/tcp_stream.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"stream-event"};

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  std::string_view name = trim(o.value);
  if (name.substr(0, 7) == "stream.") name.remove_prefix(7);
  for (size_t e = 1; e < static_cast<size_t>(StreamEvent::kCount); ++e) {
    if (!name.empty() && stream_event_suricata_name(static_cast<StreamEvent>(e)) == name) {
      r.stream_events |= stream_event_bit(static_cast<StreamEvent>(e));
      return;
    }
  }
  o.unsupported(o.value_offset, "stream-event " + quote(name) + " is not raised by Picket",
                "stream-event " + std::string(name));
}

bool used(const rules::Rule& r) { return r.stream_events != 0; }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  return (in.stream_events & cr.rule.stream_events) == cr.rule.stream_events;
}

}  // namespace

const Keyword kStreamEventKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
