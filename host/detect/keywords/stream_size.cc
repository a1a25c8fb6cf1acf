// stream_size: how far a TCP flow's streams have come, as Suricata counts it.
//
//   stream_size:SIDE,MODIFIER,N;   SIDE: server (what the server sent), client (what the client
//                                  sent), both (each), either (one of them); MODIFIER: < > =
//                                  != <= >=; N: bytes
//
// A side's size is its next sequence number less its initial one (flow/flow_table.h), so its
// SYN (and FIN) count one, as in Suricata: a client that sent 10 bytes after its SYN has a
// size of 11. A flow picked up mid-stream counts from its first segment, less one. A packet
// that is not on a TCP flow meets none.
#include <algorithm>
#include <string>

#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"stream_size"};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  const std::string_view v = o.value;
  const size_t c1 = v.find(','), c2 = c1 == std::string_view::npos ? c1 : v.find(',', c1 + 1);
  if (c2 == std::string_view::npos || v.find(',', c2 + 1) != std::string_view::npos) {
    o.fail(o.value_offset, "stream_size takes SIDE,MODIFIER,BYTES (e.g. server,>,1000)");
  }
  rules::StreamSizeTest t;
  const std::string_view side = trimmed(v.substr(0, c1)), op = trimmed(v.substr(c1 + 1, c2 - c1 - 1));
  if (side == "server") t.side = rules::StreamSizeTest::Side::kServer;
  else if (side == "client") t.side = rules::StreamSizeTest::Side::kClient;
  else if (side == "both") t.side = rules::StreamSizeTest::Side::kBoth;
  else if (side == "either") t.side = rules::StreamSizeTest::Side::kEither;
  else o.fail(o.value_offset, "stream_size's side is server, client, both or either");
  std::string prefix;
  if (op == "=") prefix = "";
  else if (op == "!=") prefix = "!";
  else if (op == "<" || op == ">" || op == "<=" || op == ">=") prefix = std::string(op);
  else o.fail(o.value_offset + c1 + 1, "stream_size's modifier is <, >, =, !=, <= or >=");
  const size_t number_at = std::min(v.find_first_not_of(" \t", c2 + 1), v.size());
  const std::string number(trimmed(v.substr(c2 + 1)));
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
    o.fail(o.value_offset + number_at, "stream_size takes a number of bytes");
  }
  t.test = rules::parse_numeric_test(prefix + number, o.value_offset + number_at - prefix.size(), UINT32_MAX,
                                     "stream_size");
  r.stream_size = t;
}

bool used(const rules::Rule& r) { return r.stream_size.has_value(); }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  if (!in.stream_sizes_known) return false;
  const rules::StreamSizeTest& t = *cr.rule.stream_size;
  const bool client = t.test.test(in.stream_size[static_cast<size_t>(Direction::kToServer)]);
  const bool server = t.test.test(in.stream_size[static_cast<size_t>(Direction::kToClient)]);
  switch (t.side) {
    case rules::StreamSizeTest::Side::kServer: return server;
    case rules::StreamSizeTest::Side::kClient: return client;
    case rules::StreamSizeTest::Side::kBoth: return server && client;
    case rules::StreamSizeTest::Side::kEither: return server || client;
  }
  return false;
}

}  // namespace

const Keyword kStreamSizeKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
