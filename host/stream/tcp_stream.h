// TCP stream reassembly, inline flavour: each direction of a TCP flow as one byte stream, in
// sequence order, so that detection sees what the receiving application will read and not
// just one segment at a time.
//
// A RST's data is no part of the stream. A direction's stream opens at its SYN (at the byte after the SYN's sequence number), or, on
// a flow picked up mid-stream with --midstream, at its first segment with data. A flow whose
// client's SYN was not seen (first seen at its SYN/ACK, or mid-stream) with --midstream off has
// no stream. Data on a SYN
// (TCP Fast Open) is the stream's first bytes, tentatively: a SYN/ACK that acknowledges the
// SYN alone (the server did not take the data), or a segment that says other bytes for them
// before any SYN/ACK, takes them back, and the stream starts again empty (StreamSide::restarts
// tells the application layer). A flow whose handshake was not
// seen and midstream off has no stream: its packets are inspected one by one.
//
//        stream offset 0                      next: the first byte not yet delivered
//        |                                    |
//   .....[=========== delivered in order =====)   [queued]   [queued]     <- out of order
//              [------- tail -----------------)
//              tail_start                          the tail keeps the last bytes delivered,
//                                                  for matches across segment boundaries
//
// A segment is placed by its sequence number. Its bytes before `next` are compared with the
// tail (a retransmission); bytes past `next` are delivered when they are next, or queued until
// the gap before them fills, and then delivered with the segment that filled it. Where the
// same sequence numbers arrive twice with different bytes (in the tail or in the queue), the
// two ends could read different streams: that is an overlap conflict, and inline the segment
// is dropped (StreamConfig::drop_conflicts), so the receiver keeps the bytes that were
// inspected. Accepted instead, the bytes delivered stand (the receiver has them already), and
// where the segment overlaps queued bytes the receiver's stack decides, as its operating
// system does (StreamPolicy, per destination prefix: packet/target_policy.h). Segments that
// would grow the queue past its cap, or all streams past the memory cap, are an exception
// handled by StreamConfig::on_exception. When the receiver acknowledges bytes past a gap up
// to a queued segment, the stream missed them (a capture that lost them): the gap is skipped,
// counted, and the queue delivered.
//
// Urgent data: a segment with URG set and urgent pointer U says the byte at sequence number
// seq + U - 1 is urgent (RFC 6093: what every common stack does). Receivers' stacks read that
// one byte out of band unless the application asks for it inline (SO_OOBINLINE), so the stream
// leaves it out where StreamConfig::urgent says oob: an urgent byte in a segment delivered in
// order is taken out of the stream (its sequence number is skipped; a retransmission of it is
// taken out again); one announced past the segment's data is taken out when it arrives; an
// out-of-order segment that holds it is dropped until it comes in order. `drop` drops every
// segment with urgent data, `inline` reads it as data.
//
// Inspection window: a segment that delivers bytes is inspected together with the stream
// before it, from the start of the earliest earlier segment that begins at most
// StreamConfig::lookback bytes back (or from exactly lookback bytes back when no segment
// begins there), to the end of what it delivered. Past StreamConfig::depth bytes a direction
// is no longer reassembled and its segments are inspected one by one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flow/flow_table.h"
#include "packet/decoder.h"
#include "packet/target_policy.h"

namespace picket {

// What to do when a stream cannot take a segment (its queue or the memory cap is full), as
// Suricata's exception policies name it.
enum class StreamException : uint8_t {
  kDropFlow,    // drop this packet and block the rest of the flow (inline default)
  kDropPacket,  // drop this packet; the sender will retransmit it
  kPassFlow,    // stop reassembling the flow; inspect its packets one by one
  kIgnore,      // forward this packet uninspected by the stream
};
std::string_view stream_exception_name(StreamException e);

// Whose bytes a receiver keeps where a new segment overlaps bytes it holds out of order, by
// how the two lie (Suricata's stream policies, after Novak and Sturges, "Target-Based TCP
// Stream Reassembly", 2007). "Starts before" compares the segments' first bytes, "reaches"
// their ends:
//
//   first, vista          the held bytes
//   last                  the new bytes
//   bsd, hpux10, irix,    the new bytes when the new segment starts before the held one
//   macos, windows, windows2k3
//   linux                 ... or starts with it and ends past it
//   old-linux             ... or starts with it and reaches its end
//   solaris, hpux11       the new bytes when the new segment ends past the held one, or
//                         reaches its end and does not start after it
enum class StreamPolicy : uint8_t {
  kFirst, kLast, kBsd, kOldLinux, kLinux, kSolaris, kHpux10, kHpux11, kIrix, kMacos, kWindows, kVista, kWindows2k3
};
std::string_view stream_policy_name(StreamPolicy p);
std::optional<StreamPolicy> parse_stream_policy(std::string_view name);
inline constexpr std::string_view kStreamPolicyNames =
    "first, last, bsd, old-linux, linux, solaris, hpux10, hpux11, irix, macos, windows, vista, windows2k3";
// Whether the new segment [new_begin, new_end) replaces the held bytes [held_begin, held_end).
bool new_segment_wins(StreamPolicy p, uint64_t new_begin, uint64_t new_end, uint64_t held_begin, uint64_t held_end);
using StreamTarget = PolicyTarget<StreamPolicy>;
// "10.0.0.0/8=linux"; nullopt and `error` when it is not.
std::optional<StreamTarget> parse_stream_target(std::string_view text, std::string& error);

// What the stream does with urgent data (above), as Suricata's stream.reassembly.urgent.policy.
enum class UrgentPolicy : uint8_t {
  kOob,     // the urgent byte is no part of the stream, as the receiver's stack reads it (default)
  kInline,  // it is stream data, as for an application that reads it inline
  kDrop,    // a segment with urgent data is dropped (an event): the two readings never differ
};
std::string_view urgent_policy_name(UrgentPolicy p);
std::optional<UrgentPolicy> parse_urgent_policy(std::string_view name);

struct StreamConfig {
  uint32_t depth = 1 << 20;          // bytes reassembled per direction (Suricata's default)
  uint32_t lookback = 4096;          // bytes before a segment that its inspection sees
  uint32_t max_queued_segments = 256;  // out-of-order segments held per direction
  size_t memcap = size_t{256} << 20;   // bytes held by every stream together
  bool drop_conflicts = true;         // inline: drop a segment that rewrites inspected bytes
  bool drop_invalid = true;           // inline: drop a packet whose receiver refuses its sequence numbers
  StreamPolicy policy = StreamPolicy::kBsd;  // accepted overlaps, for destinations no target names
  std::vector<StreamTarget> targets;         // the longest prefix that holds wins
  uint32_t hold_limit = 65536;        // bytes kept for an application message still arriving
  StreamException on_exception = StreamException::kDropFlow;
  UrgentPolicy urgent = UrgentPolicy::kOob;
};

// Stream events, counted per engine and named in counters.
enum class StreamEvent : uint8_t {
  kNone,
  kOverlapConflict,  // the same sequence numbers with different bytes
  kQueueFull,        // more out-of-order segments than max_queued_segments
  kMemcap,           // the memory cap was reached
  // Sequence numbers the receiver refuses (flow/flow_table.h, TcpCheck): the packet is no
  // part of the stream.
  kOutOfWindow,      // data beginning past the receiver's window
  kInvalidRst,       // a RST not at its sender's next sequence number
  kDepthReached,     // a direction reached StreamConfig::depth (StreamUpdate::depth_reached; not an exception)
  kUrgentData,       // urgent data the stream does not take (UrgentPolicy): the segment is dropped
  kCount,
};
std::string_view stream_event_name(StreamEvent e);
constexpr uint32_t stream_event_bit(StreamEvent e) { return 1u << static_cast<unsigned>(e); }
// Suricata's name of the event (stream-events.rules, EVE anomaly "stream.NAME"); empty for
// those it has no name for (queue_full, memcap: its exception policies).
std::string_view stream_event_suricata_name(StreamEvent e);

struct StreamCounters {
  uint64_t segments = 0;         // segments with data placed in a stream
  uint64_t delivered_bytes = 0;  // bytes delivered in order
  uint64_t retransmissions = 0;  // segments wholly before `next`
  uint64_t out_of_order = 0;     // segments queued behind a gap
  uint64_t depth_reached = 0;    // directions that reached the depth
  uint64_t unopened = 0;         // segments with data on a flow without a stream
  uint64_t gaps = 0;             // gaps skipped: the receiver acknowledged bytes the stream never saw
  uint64_t urgent_out_of_band = 0;  // urgent bytes left out of a stream (UrgentPolicy::kOob)
  uint64_t events[static_cast<size_t>(StreamEvent::kCount)] = {};
};

struct StreamSide;

// What placing one segment did.
struct StreamUpdate {
  bool in_stream = false;  // the segment belongs to a reassembled stream
  StreamEvent event = StreamEvent::kNone;
  bool depth_reached = false;  // this segment took its direction to StreamConfig::depth
  bool overlap_accepted = false;  // an overlap conflict taken by the policy (drop_conflicts off)
  // Set when the segment delivered bytes: the inspection window, and where in it the bytes this
  // segment delivered begin. Valid until the stream changes again.
  std::string_view window;
  size_t fresh_from = 0;
  StreamSide* side = nullptr;  // the direction's stream, for the application layer
};

// The bytes every stream of one engine holds, against StreamConfig::memcap.
struct StreamMemory {
  size_t held = 0;
};

// One direction of a TCP flow.
struct StreamSide {
  bool open = false;
  bool done = false;       // past the depth, or reassembly given up: segments go one by one
  uint32_t next_seq = 0;   // the sequence number of the next byte to deliver
  uint64_t next = 0;       // its stream offset: the bytes delivered so far
  std::string tail;        // delivered bytes [tail_start, next)
  uint64_t tail_start = 0;
  std::vector<uint64_t> segment_starts;  // stream offsets where delivered segments began, in the tail
  std::map<uint64_t, std::string> queue;  // out-of-order segments by stream offset
  uint32_t tentative = 0;  // bytes from the SYN's data, until the SYN/ACK says they were taken
  uint32_t restarts = 0;   // times the stream started again empty
  uint64_t hold_from = UINT64_MAX;  // kept from here for the application layer (hold())
  // Urgent bytes left out (UrgentPolicy::kOob): the sequence numbers of the last few taken out,
  // oldest first (all before next_seq), and one announced past the data so far.
  std::vector<uint32_t> urgent_taken;
  std::optional<uint32_t> urgent_pending;
  size_t held() const;
};

// The stream state on a flow (flow/flow_data.h); gives its bytes back to the memory count
// when the flow goes.
struct TcpStream : FlowData {
  ~TcpStream() override;
  StreamSide sides[2];  // by Direction of the sender
  StreamMemory* memory = nullptr;
};
FlowSlot tcp_stream_slot();

class StreamReassembler {
 public:
  explicit StreamReassembler(StreamConfig config) : config_(std::move(config)) {}

  // Places the packet's TCP segment (it must be TCP) on its flow's stream in `direction`.
  // `payload` is the segment's data. Nothing changes when the result's event is one the
  // configuration drops for.
  StreamUpdate place(Flow& flow, Direction direction, const DecodedPacket& p, std::string_view payload);

  // Gives up reassembly of both directions of `flow` (the pass-flow exception).
  void abandon(Flow& flow);

  // The application layer's view: the delivered bytes from stream offset `from` to the end,
  // nullopt when they are no longer held. hold() asks that they stay, as long as no more than
  // StreamConfig::hold_limit bytes lie between `from` and the end.
  std::optional<std::string_view> bytes_from(const StreamSide& side, uint64_t from) const;
  static void hold(StreamSide& side, uint64_t from) { side.hold_from = from; }

  const StreamConfig& config() const { return config_; }
  const StreamCounters& counters() const { return counters_; }
  void count(StreamEvent e) { ++counters_.events[static_cast<size_t>(e)]; }
  size_t held_bytes() const { return memory_.held; }

 private:
  // What one segment does to its side's urgent bytes (cut_urgent).
  struct UrgentCut {
    std::optional<uint32_t> mark;           // the urgent byte it announces: pending once it is placed
    std::optional<uint32_t> takes_pending;  // the pending urgent byte it delivers: taken out
  };
  bool cut_urgent(const StreamSide& side, const DecodedPacket& p, uint32_t seq, std::string_view& payload,
                  std::string& kept, int64_t& at, UrgentCut& cut) const;
  void take_urgent(StreamSide& side, uint32_t u);
  StreamUpdate deliver(StreamSide& side, uint64_t at, std::string_view bytes, std::optional<uint32_t> urgent = {});
  bool conflicts(const StreamSide& side, uint64_t at, std::string_view bytes) const;
  std::string resolve_overlaps(StreamSide& side, uint64_t at, std::string_view bytes, StreamPolicy policy);
  void restart(StreamSide& side);
  void skip_acknowledged_gap(StreamSide& side, uint32_t ack);
  void append(StreamSide& side, std::string_view bytes);
  void drain_queue(StreamSide& side);
  void trim(StreamSide& side);
  StreamUpdate exception(StreamEvent e);

  StreamConfig config_;
  StreamMemory memory_;
  StreamCounters counters_;
  FlowSlot slot_ = tcp_stream_slot();
};

}  // namespace picket
