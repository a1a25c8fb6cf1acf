// Decision records: one JSON line per event, in Suricata's EVE shape so existing pipelines
// ingest them, plus Picket's identity and policy objects:
//
//   {"timestamp":"2023-11-14T22:13:20.000123+0000","flow_id":7,"pcap_cnt":42,
//    "event_type":"alert","src_ip":"10.10.1.10","src_port":40001,"dest_ip":"10.10.2.20",
//    "dest_port":8080,"proto":"TCP","direction":"to_server",
//    "alert":{"action":"blocked","gid":1,"signature_id":1000001,"rev":1,
//             "signature":"PICKET SQL injection ...","category":"Web Application Attack","severity":1},
//    "identity":{"src":"spiffe://demo.picket/frontend","dst":"spiffe://demo.picket/api","src_id":2,"dst_id":3},
//    "policy":{"decision":"allow","statement":1},"engine":"sw","generation":1}
//
// Events: "alert" for each signature that matched (action "allowed" for alert rules,
// "blocked" for the drop or reject rule that dropped the packet, and for each later packet of
// the flow it blocked, with "flow_blocked":true); "drop" for packets dropped by policy, as
// malformed, for a checksum, by the stream, or as a refused fragment; "policy" for packets
// audit mode forwarded although policy denies them; "anomaly" for malformed packets
// forwarded. Every record ends with Suricata's "verdict" object. Forwarded packets that
// nothing flagged have no record.
#pragma once

#include <string>

#include "detect/signature_set.h"
#include "pipeline/flow_record.h"
#include "pipeline/verdict.h"
#include "packet/packet.h"
#include "policy/policy.h"
#include "rules/classification.h"

namespace picket {

struct RecordSource {
  const SignatureSet* signatures = nullptr;
  const IdentityRegistry* registry = nullptr;
  const Policy* policy = nullptr;
  const rules::Classifications* classifications = nullptr;
  std::string_view engine = "sw";
  uint32_t generation = 1;
  int64_t store_revision = 0;  // written when nonzero (a fleet's node)
  bool offline = true;  // records carry pcap_cnt
};

// Appends the packet's records (none, one or several lines) to `out`, from the verdict and the
// decode it carries.
void append_records(const RecordSource& src, const PacketView& packet, const Verdict& v, std::string& out);

// One "flow" record for a flow that ended, in Suricata's shape (src is the client):
//
//   {"timestamp":...,"flow_id":7,"event_type":"flow","src_ip":...,"src_port":...,"dest_ip":...,
//    "dest_port":...,"proto":"TCP","app_proto":"http",
//    "flow":{"pkts_toserver":5,"pkts_toclient":4,"bytes_toserver":...,"bytes_toclient":...,
//            "start":...,"end":...,"age":2,"state":"closed","reason":"timeout","alerted":true,
//            "action":"drop","signature_id":1000001},
//    "identity":{...},"policy":{...},"engine":"sw","generation":3,"generations":[1,3]}
void append_flow_record(const RecordSource& src, const EndedFlow& f, std::string& out);

}  // namespace picket
