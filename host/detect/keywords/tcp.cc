// flags (Suricata also names it tcp.flags), tcp.mss: a TCP segment's header.
//
//   flags:[modifier]FLAGS[,IGNORED];   F S R P A U E C (ECE, CWR; Snort's 2 and 1), 0 for none;
//                                      no modifier: exactly these; + these and any others;
//                                      * any of these; ! none of these. IGNORED bits are
//                                      masked off first (flags:S,12 ignores ECE and CWR).
//   tcp.mss:N;                         the MSS option, as a numeric test (<536, 1460, ...);
//                                      a segment without the option has none and fails.
//
// A packet that is not TCP meets neither.
#include <string>

#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "packet/decoder.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kFlagsNames[] = {"flags", "tcp.flags"};
constexpr std::string_view kMssNames[] = {"tcp.mss"};

// The bit of one flag letter; 0 for '0' (no flags); -1 for none.
int flag_bit(char c) {
  switch (c) {
    case 'F': case 'f': return tcp_flag::kFin;
    case 'S': case 's': return tcp_flag::kSyn;
    case 'R': case 'r': return tcp_flag::kRst;
    case 'P': case 'p': return tcp_flag::kPsh;
    case 'A': case 'a': return tcp_flag::kAck;
    case 'U': case 'u': return tcp_flag::kUrg;
    case 'E': case 'e': case '2': return tcp_flag::kEce;
    case 'C': case 'c': case '1': return tcp_flag::kCwr;
    case '0': return 0;
    default: return -1;
  }
}

void parse_flags(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  rules::TcpFlagsTest t;
  std::string_view v = o.value;
  const size_t comma = v.find(',');
  std::string_view main = v.substr(0, comma), ignored = comma == std::string_view::npos ? "" : v.substr(comma + 1);
  bool any_flag = false;
  for (size_t i = 0; i < main.size(); ++i) {
    const char c = main[i];
    if (c == ' ' || c == '\t') continue;
    if (c == '+' || c == '*' || c == '!') {
      if (t.mode != rules::TcpFlagsTest::Mode::kExactly) o.fail(o.value_offset + i, "flags takes one modifier (+, * or !)");
      t.mode = c == '+' ? rules::TcpFlagsTest::Mode::kAll : c == '*' ? rules::TcpFlagsTest::Mode::kAny : rules::TcpFlagsTest::Mode::kNone;
      continue;
    }
    const int bit = flag_bit(c);
    if (bit < 0) o.fail(o.value_offset + i, std::string("unknown TCP flag '") + c + "' (expected F S R P A U E C or 0)");
    t.bits |= static_cast<uint8_t>(bit);
    any_flag = true;
  }
  if (!any_flag) o.fail(o.value_offset, "flags names no flag");
  for (size_t i = 0; i < ignored.size(); ++i) {
    const char c = ignored[i];
    if (c == ' ' || c == '\t') continue;
    const int bit = flag_bit(c);
    if (bit <= 0) o.fail(o.value_offset + comma + 1 + i, std::string("unknown TCP flag '") + c + "' to ignore");
    t.ignored |= static_cast<uint8_t>(bit);
  }
  r.tcp_flags = t;
}

bool flags_used(const rules::Rule& r) { return r.tcp_flags.has_value(); }

bool flags_match(const CompiledRule& cr, const DetectionInput& in) {
  if (!in.packet->is_tcp()) return false;
  const rules::TcpFlagsTest& t = *cr.rule.tcp_flags;
  const uint8_t f = in.packet->tcp_flags & static_cast<uint8_t>(~t.ignored);
  switch (t.mode) {
    case rules::TcpFlagsTest::Mode::kExactly: return f == t.bits;
    case rules::TcpFlagsTest::Mode::kAll: return (f & t.bits) == t.bits;
    case rules::TcpFlagsTest::Mode::kAny: return t.bits == 0 ? f == 0 : (f & t.bits) != 0;
    case rules::TcpFlagsTest::Mode::kNone: return (f & t.bits) == 0;
  }
  return false;
}

void parse_mss(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  r.tcp_mss = rules::parse_numeric_test(o.value, o.value_offset, 65535, "tcp.mss");
}

bool mss_used(const rules::Rule& r) { return r.tcp_mss.has_value(); }

bool mss_match(const CompiledRule& cr, const DetectionInput& in) {
  const DecodedPacket& p = *in.packet;
  return p.is_tcp() && p.tcp_options.mss != 0 && cr.rule.tcp_mss->test(p.tcp_options.mss);
}

}  // namespace

const Keyword kTcpFlagsKeyword{kFlagsNames, parse_flags, flags_used, flags_match, nullptr};
const Keyword kTcpMssKeyword{kMssNames, parse_mss, mss_used, mss_match, nullptr};

}  // namespace picket
