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
    if (is_app_buffer(m.buffer)) return true;
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
