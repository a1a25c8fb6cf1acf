#include "rules/rule.h"

#include <array>

namespace picket::rules {

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kPass: return "pass";
    case Action::kDrop: return "drop";
    case Action::kReject: return "reject";
    case Action::kAlert: return "alert";
  }
  return "?";
}

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kIp: return "ip";
    case Protocol::kTcp: return "tcp";
    case Protocol::kUdp: return "udp";
    case Protocol::kIcmp: return "icmp";
  }
  return "?";
}

namespace {
constexpr std::array<std::string_view, static_cast<size_t>(Buffer::kCount)> kBufferNames = {
    "pkt_data",          "http.uri",           "http.uri.raw",      "http.method",
    "http.request_line", "http.protocol",      "http.header",       "http.header.raw",
    "http.header_names", "http.start",         "http.host",         "http.host.raw",
    "http.user_agent",   "http.cookie",        "http.content_type", "http.content_len",
    "http.referer",      "http.accept",        "http.accept_lang",  "http.accept_enc",
    "http.connection",   "http.location",      "http.server",       "http.request_body",
    "http.response_body", "file.data",        "http.stat_code",    "http.stat_msg",     "http.response_line", "http.transfer_encoding",
};
}  // namespace

std::string_view buffer_name(Buffer b) { return kBufferNames[static_cast<size_t>(b)]; }
bool is_http(Buffer b) { return b != Buffer::kPacket; }

bool NumericTest::test(uint32_t v) const {
  switch (op) {
    case Op::kEq: return v == a;
    case Op::kNe: return v != a;
    case Op::kLt: return v < a;
    case Op::kGt: return v > a;
    case Op::kLe: return v <= a;
    case Op::kGe: return v >= a;
    case Op::kBetween: return v > a && v < b;
  }
  return false;
}

bool Rule::uses_http() const {
  if (app == AppProtocol::kHttp) return true;
  for (const Match& m : matches) {
    if (is_http(m.buffer)) return true;
  }
  return false;
}

bool Rule::has_pcre() const {
  for (const Match& m : matches) {
    if (m.kind == Match::Kind::kPcre) return true;
  }
  return false;
}

uint64_t port_count(const PortSet& ports) {
  uint64_t n = 0;
  for (const auto& iv : ports.intervals()) n += iv.hi - iv.lo + 1;
  return n;
}

PortFiling port_filing(const Rule& r) {
  bool destination = port_count(r.dst_ports) <= port_count(r.src_ports);
  return {destination ? &r.dst_ports : &r.src_ports, destination};
}

}  // namespace picket::rules
