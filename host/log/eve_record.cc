#include "log/eve_record.h"

#include "base/time_text.h"
#include "log/json_line.h"

namespace picket {
namespace {

std::string_view proto_name(uint8_t proto, std::string& scratch) {
  switch (proto) {
    case ip_proto::kTcp: return "TCP";
    case ip_proto::kUdp: return "UDP";
    case ip_proto::kIcmp: return "ICMP";
    case ip_proto::kIcmpv6: return "IPv6-ICMP";
    default: scratch = std::to_string(proto); return scratch;
  }
}

// The fields every record starts with.
JsonLine header(const RecordSource& src, const PacketView& packet, const DecodedPacket& d, const Verdict& v,
                std::string_view event_type) {
  JsonLine j;
  j.field("timestamp", format_eve_time(packet.timestamp_ns));
  if (v.has_flow) j.field("flow_id", v.flow_id);
  if (src.offline) j.field("pcap_cnt", packet.index);
  j.field("event_type", event_type);
  if (d.vlan_count) {
    j.begin_array("vlan");
    for (int i = 0; i < d.vlan_count; ++i) j.element(uint64_t{d.vlan_ids[i]});
    j.end_array();
  }
  if (d.is_ip()) {
    std::string scratch;
    j.field("src_ip", d.src.to_string());
    if (d.is_tcp() || d.is_udp()) j.field("src_port", uint32_t{d.src_port});
    j.field("dest_ip", d.dst.to_string());
    if (d.is_tcp() || d.is_udp()) j.field("dest_port", uint32_t{d.dst_port});
    j.field("proto", proto_name(d.ip_proto, scratch));
    if (d.is_icmp()) {
      j.field("icmp_type", uint32_t{d.icmp_type});
      j.field("icmp_code", uint32_t{d.icmp_code});
    }
  }
  if (v.has_flow) j.field("direction", v.direction == Direction::kToServer ? "to_server" : "to_client");
  return j;
}

// The fields every record ends with.
void trailer(const RecordSource& src, const Verdict& v, JsonLine& j) {
  if (v.ip) {
    j.begin("identity")
        .field("src", src.registry->name(v.src_id))
        .field("dst", src.registry->name(v.dst_id))
        .field("src_id", uint32_t{v.src_id})
        .field("dst_id", uint32_t{v.dst_id})
        .end();
  }
  if (v.policy_checked) {
    j.begin("policy").field("decision", v.policy.allowed ? "allow" : "deny");
    j.field("statement", v.policy.statement);
    if (const PolicyStatement* s = src.policy ? src.policy->statement(v.policy.statement) : nullptr) {
      j.field("rule", s->text);
    }
    if (src.policy && src.policy->mode == PolicyMode::kAudit) j.field("audit", true);
    j.end();
  }
  // What happened to the packet, as Suricata's verdict object says it.
  j.begin("verdict").field("action", v.drop ? "drop" : (v.passed || v.flow_passed) ? "pass" : "alert");
  if (v.reject && v.drop) {
    j.field("reject-target", v.direction == Direction::kToServer ? "to_client" : "to_server");
    j.begin_array("reject").element(v.decoded.is_tcp() ? "tcp-reset" : "icmp-prohib").end_array();
  }
  j.end();
  j.field("engine", src.engine);
  j.field("generation", src.generation);
}

void alert(const RecordSource& src, const PacketView& packet, const DecodedPacket& d, const Verdict& v, uint32_t rule,
           bool flow_blocked, std::string& out) {
  const rules::Rule& r = src.signatures->rules()[rule].rule;
  bool blocked = v.drop && rule == v.blocking_rule;
  const rules::Classtype* ct = src.classifications ? src.classifications->find(r.classtype) : nullptr;
  int severity = r.priority ? *r.priority : ct ? ct->priority : 3;
  JsonLine j = header(src, packet, d, v, "alert");
  j.begin("alert")
      .field("action", blocked ? "blocked" : "allowed")
      .field("gid", r.gid)
      .field("signature_id", r.sid)
      .field("rev", r.rev)
      .field("signature", r.msg)
      .field("category", ct ? std::string_view(ct->description) : std::string_view(r.classtype))
      .field("severity", severity);
  if (flow_blocked) j.field("flow_blocked", true);
  j.end();
  trailer(src, v, j);
  out += j.finish();
}

}  // namespace

void append_records(const RecordSource& src, const PacketView& packet, const Verdict& v, std::string& out) {
  const DecodedPacket& d = v.decoded;
  if (v.malformed != Malformed::kNone) {
    JsonLine j = header(src, packet, d, v, v.drop ? "drop" : "anomaly");
    j.begin(v.drop ? "drop" : "anomaly").field("reason", "malformed").field("malformed", malformed_name(v.malformed)).end();
    trailer(src, v, j);
    out += j.finish();
    for (uint32_t rule : v.alerts) alert(src, packet, d, v, rule, false, out);  // decode-event rules
    return;
  }
  // Drops that are not a rule's: the reason's name, and what the stream made of the segment.
  if (v.reason == DropReason::kPolicy || v.reason == DropReason::kChecksum || v.reason == DropReason::kStream ||
      v.reason == DropReason::kFragment) {
    JsonLine j = header(src, packet, d, v, "drop");
    j.begin("drop").field("reason", drop_reason_name(v.reason));
    if (v.stream_event != StreamEvent::kNone) j.field("stream_event", stream_event_name(v.stream_event));
    if (v.flow_was_blocked) j.field("flow_blocked", true);
    j.end();
    trailer(src, v, j);
    out += j.finish();
    for (uint32_t rule : v.alerts) alert(src, packet, d, v, rule, false, out);  // a refused fragment's events
    return;
  }
  if (v.audit_would_drop) {
    JsonLine j = header(src, packet, d, v, "policy");
    trailer(src, v, j);
    out += j.finish();
  }
  if (v.flow_was_blocked) {  // a later packet of a flow a rule blocked: Suricata alerts again
    alert(src, packet, d, v, v.blocking_rule, true, out);
    return;
  }
  for (uint32_t rule : v.alerts) alert(src, packet, d, v, rule, false, out);
}

}  // namespace picket
