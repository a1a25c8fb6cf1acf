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
  if (src.store_revision) j.field("store_revision", src.store_revision);
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
  if (v.app_http) j.field("app_proto", "http");
  if (v.http.present) {
    const HttpRecord& h = v.http;
    j.begin("http");
    auto put = [&](std::string_view key, const std::string& value) {
      if (!value.empty()) j.field(key, value);
    };
    put("hostname", h.hostname);
    put("url", h.url);
    put("http_user_agent", h.user_agent);
    put("http_method", h.method);
    put("protocol", h.protocol);
    if (!h.status.empty() && h.status.size() <= 3) {
      j.field("status", static_cast<int64_t>(std::stoi(h.status)));
    }
    put("http_content_type", h.content_type);
    j.end();
  }
  trailer(src, v, j);
  out += j.finish();
}

}  // namespace

void append_flow_record(const RecordSource& src, const EndedFlow& f, std::string& out) {
  JsonLine j;
  j.field("timestamp", format_eve_time(f.last_seen_ns));
  j.field("flow_id", f.id);
  j.field("event_type", "flow");
  if (f.key.vlan_count) {
    j.begin_array("vlan");
    for (int i = 0; i < f.key.vlan_count; ++i) j.element(uint64_t{f.key.vlan_ids[i]});
    j.end_array();
  }
  const bool ports = f.key.ip_proto == ip_proto::kTcp || f.key.ip_proto == ip_proto::kUdp;
  std::string scratch;
  j.field("src_ip", f.client_addr.to_string());
  if (ports) j.field("src_port", uint32_t{f.client_port});
  j.field("dest_ip", f.server_addr.to_string());
  if (ports) j.field("dest_port", uint32_t{f.server_port});
  j.field("proto", proto_name(f.key.ip_proto, scratch));
  if (!f.app_proto.empty()) j.field("app_proto", f.app_proto);
  const auto to_server = static_cast<size_t>(Direction::kToServer), to_client = static_cast<size_t>(Direction::kToClient);
  j.begin("flow")
      .field("pkts_toserver", f.packets[to_server])
      .field("pkts_toclient", f.packets[to_client])
      .field("bytes_toserver", f.bytes[to_server])
      .field("bytes_toclient", f.bytes[to_client])
      .field("start", format_eve_time(f.first_seen_ns))
      .field("end", format_eve_time(f.last_seen_ns))
      .field("age", static_cast<int64_t>((f.last_seen_ns - f.first_seen_ns) / 1'000'000'000))
      .field("state", f.bypassed ? "bypassed" : f.tcp_state == TcpState::kClosed ? "closed" : f.established ? "established" : "new")
      .field("reason", flow_end_name(f.reason))
      .field("alerted", f.facts.alerts > 0);
  if (f.action == EndedFlow::Action::kBlocked) {
    j.field("action", "drop");
    if (f.blocking_rule != Verdict::kNoRule && src.signatures && f.blocking_rule < src.signatures->rules().size()) {
      const rules::Rule& r = src.signatures->rules()[f.blocking_rule].rule;
      j.field("gid", r.gid).field("signature_id", r.sid);
    }
  } else if (f.action == EndedFlow::Action::kPassed) {
    j.field("action", "pass");
  }
  j.field("dropped_packets", f.facts.dropped);
  j.end();
  j.begin("identity")
      .field("src", src.registry->name(f.facts.client_id))
      .field("dst", src.registry->name(f.facts.server_id))
      .field("src_id", uint32_t{f.facts.client_id})
      .field("dst_id", uint32_t{f.facts.server_id})
      .end();
  if (f.facts.policy_checked) {
    j.begin("policy").field("decision", f.facts.policy.allowed ? "allow" : "deny");
    j.field("statement", f.facts.policy.statement);
    if (const PolicyStatement* s = src.policy ? src.policy->statement(f.facts.policy.statement) : nullptr) {
      j.field("rule", s->text);
    }
    j.end();
  }
  j.field("engine", src.engine);
  j.field("generation", f.facts.last_generation);
  j.begin_array("generations").element(uint64_t{f.facts.first_generation}).element(uint64_t{f.facts.last_generation}).end_array();
  if (f.facts.last_store_revision) j.field("store_revision", f.facts.last_store_revision);
  out += j.finish();
}

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
  // Stream events, as Suricata's anomaly records of type stream (EngineConfig::stream_anomalies).
  for (size_t e = 1; e < static_cast<size_t>(StreamEvent::kCount); ++e) {
    const std::string_view name = stream_event_suricata_name(static_cast<StreamEvent>(e));
    if (!(v.stream_anomalies & stream_event_bit(static_cast<StreamEvent>(e))) || name.empty()) continue;
    JsonLine j = header(src, packet, d, v, "anomaly");
    j.begin("anomaly").field("type", "stream").field("event", "stream." + std::string(name)).end();
    trailer(src, v, j);
    out += j.finish();
  }
  // Drops that are not a rule's: the reason's name, and what the stream made of the segment.
  if (v.reason == DropReason::kPolicy || v.reason == DropReason::kChecksum || v.reason == DropReason::kStream ||
      v.reason == DropReason::kFragment || v.reason == DropReason::kMidstream) {
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
