// The one rule model every engine compiles from: a Suricata or Snort 3 signature after
// parsing, with variables expanded, content strings decoded and the fast pattern chosen.
//
//   action proto src_addr src_ports -> dst_addr dst_ports (option; option; ...)
//
// Payload conditions are kept in rule order as Matches (content or pcre), each naming the
// buffer it inspects; a relative match (distance/within, pcre /R) is relative to the previous
// match in the same buffer, as in Suricata.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "identity/selector.h"
#include "packet/ip_address.h"
#include "packet/transport.h"
#include "base/diagnostic.h"
#include "rules/buffers.h"
#include "rules/interval_set.h"

namespace picket::rules {

// Suricata's action order: pass, then drop and reject, then alert.
enum class Action : uint8_t { kPass, kDrop, kReject, kAlert };
std::string_view action_name(Action a);


// Application protocol a header names on top of its transport (`alert http ...`).
enum class AppProtocol : uint8_t { kNone, kHttp };

using AddressSet = IntervalSet<uint128, ~uint128{0}>;
using PortSet = IntervalSet<uint32_t, 65535u>;


struct Match {
  enum class Kind : uint8_t { kContent, kPcre };
  Kind kind = Kind::kContent;
  BufferId buffer = kPacketBuffer;  // rules/buffers.h
  bool negated = false;
  SourceLocation location;  // where the keyword stands

  // kContent: the decoded bytes and their modifiers.
  std::string bytes;
  bool nocase = false;
  bool rawbytes = false;
  std::optional<int32_t> offset, depth;     // absolute window
  std::optional<int32_t> distance, within;  // relative to the previous match
  bool startswith = false;
  bool endswith = false;
  bool fast_pattern = false;       // chosen by the rule's author
  bool fast_pattern_only = false;  // fast_pattern:only
  std::optional<uint16_t> fast_pattern_chop_offset, fast_pattern_chop_length;

  // kPcre: the expression and its flags.
  std::string pcre;        // the expression between the delimiters
  std::string pcre_flags;  // the flags as written
  bool relative = false;   // R: starts where the previous match ended
  bool caseless = false, dotall = false, multiline = false, extended = false;
  bool anchored = false, dollar_endonly = false, ungreedy = false;

  bool is_relative() const { return kind == Kind::kPcre ? relative : distance || within; }
};

struct FlowCondition {
  bool established = false;
  bool not_established = false;
  bool stateless = false;
  bool to_server = false;
  bool to_client = false;
  // only_stream (and the tcp-stream protocol): the payload conditions are checked on the TCP
  // stream window only; no_stream (and tcp-pkt): on the packet's payload only
  // (detect/signature_set.h).
  bool only_stream = false;
  bool no_stream = false;
  bool only_frag = false;  // an IP fragment, or a datagram reassembled from them
  bool no_frag = false;
};

// dsize and similar numeric tests: N, !N, <N, >N, <=N, >=N, N<>M (exclusive bounds).
struct NumericTest {
  enum class Op : uint8_t { kEq, kNe, kLt, kGt, kLe, kGe, kBetween };
  Op op = Op::kEq;
  uint32_t a = 0;
  uint32_t b = 0;
  bool test(uint32_t v) const;
};

// stream_size: a TCP flow's streams' sizes (detect/keywords/stream_size.cc).
struct StreamSizeTest {
  enum class Side : uint8_t { kServer, kClient, kBoth, kEither };
  Side side = Side::kServer;
  NumericTest test;
};

// flags: a TCP header's flags, after the ignored ones are masked off.
struct TcpFlagsTest {
  enum class Mode : uint8_t { kExactly, kAll, kAny, kNone };  // (none), +, *, !
  Mode mode = Mode::kExactly;
  uint8_t bits = 0;
  uint8_t ignored = 0;
};

// The literal an engine's prefilter searches for; a rule is a candidate only where it occurs.
struct FastPattern {
  int match = -1;       // index into Rule::matches
  std::string bytes;    // after any chop
  bool nocase = false;
  bool only = false;    // the rule's author says the literal alone decides (fast_pattern:only)
  bool weak = false;    // short or repetitive: it would match too often to filter well
  // What the card's literal tables file the rule by (rules/fast_pattern.h): at most 8 bytes of
  // this literal or of another content the packet must carry (matches[window_match]), compared
  // without case when window_nocase.
  std::string window_bytes;
  int window_match = -1;
  bool window_nocase = false;
  std::string_view window() const { return window_bytes; }
};

struct Rule {
  SourceLocation location;  // file and line of the rule's first character
  std::string text;         // the rule as written

  Action action = Action::kAlert;
  Transport protocol = Transport::kAny;  // `ip` is any
  AppProtocol app = AppProtocol::kNone;
  AddressSet src_addr = AddressSet::all();
  PortSet src_ports = PortSet::all();
  AddressSet dst_addr = AddressSet::all();
  PortSet dst_ports = PortSet::all();
  bool bidirectional = false;  // <>

  uint32_t gid = 1;
  uint32_t sid = 0;
  uint32_t rev = 0;
  std::string msg;
  std::string classtype;
  std::optional<uint8_t> priority;
  std::vector<std::string> references;
  std::vector<std::string> metadata;

  std::vector<Match> matches;
  FlowCondition flow;
  std::optional<NumericTest> dsize;
  std::optional<NumericTest> icmp_type;  // itype
  std::optional<NumericTest> icmp_code;  // icode
  std::optional<TcpFlagsTest> tcp_flags;  // flags
  std::optional<NumericTest> tcp_mss;     // tcp.mss
  std::optional<StreamSizeTest> stream_size;
  uint32_t decode_events = 0;  // DecodeEvent bits the packet must carry (decode-event)
  uint32_t stream_events = 0;  // StreamEvent bits the packet must carry (stream-event)
  std::optional<IdentitySelector> src_identity;
  std::optional<IdentitySelector> dst_identity;

  std::optional<FastPattern> fast_pattern;

  bool uses_http() const;  // a condition on an application-layer buffer
  bool has_pcre() const;
};

// How many ports a set holds.
uint64_t port_count(const PortSet& ports);

// The ports a rule without a fast pattern is filed under, so that a packet tries only the
// rules its ports can match (the host's prefilter, the card's host-port table): the smaller of
// its two sets, the destination's on a tie, matched against the packet's destination port or
// source port. A <> rule may match either way: its set is filed as both.
struct PortFiling {
  const PortSet* ports;
  bool as_destination;
};
PortFiling port_filing(const Rule& r);

}  // namespace picket::rules
