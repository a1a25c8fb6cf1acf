#include "stream/tcp_stream.h"

#include <algorithm>
#include <array>

namespace picket {
namespace {

StreamUpdate in_stream(bool yes = true) {
  StreamUpdate u;
  u.in_stream = yes;
  return u;
}

}  // namespace

std::string_view stream_exception_name(StreamException e) {
  switch (e) {
    case StreamException::kDropFlow: return "drop-flow";
    case StreamException::kDropPacket: return "drop-packet";
    case StreamException::kPassFlow: return "pass-flow";
    case StreamException::kIgnore: return "ignore";
  }
  return "?";
}

std::string_view stream_event_name(StreamEvent e) {
  switch (e) {
    case StreamEvent::kNone: return "none";
    case StreamEvent::kOverlapConflict: return "overlap_conflict";
    case StreamEvent::kQueueFull: return "queue_full";
    case StreamEvent::kMemcap: return "memcap";
    case StreamEvent::kOutOfWindow: return "packet_out_of_window";
    case StreamEvent::kInvalidRst: return "rst_invalid";
    case StreamEvent::kDepthReached: return "depth_reached";
    case StreamEvent::kUrgentData: return "urgent_data";
    case StreamEvent::kCount: break;
  }
  return "?";
}

namespace {

constexpr std::array<std::string_view, 13> kPolicyNames = {"first",  "last",   "bsd",  "old-linux", "linux",
                                                           "solaris", "hpux10", "hpux11", "irix", "macos",
                                                           "windows", "vista",  "windows2k3"};

constexpr std::array<std::string_view, 3> kUrgentNames = {"oob", "inline", "drop"};

// How many urgent bytes taken out a side remembers, for retransmissions that carry them again.
constexpr size_t kUrgentRemembered = 16;

// Whether sequence number `a` comes before `b` (modulo 2^32).
bool seq_before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

}  // namespace

std::string_view urgent_policy_name(UrgentPolicy p) { return kUrgentNames[static_cast<size_t>(p)]; }

std::optional<UrgentPolicy> parse_urgent_policy(std::string_view name) {
  return policy_named<UrgentPolicy>(kUrgentNames, name);
}

std::string_view stream_policy_name(StreamPolicy p) { return kPolicyNames[static_cast<size_t>(p)]; }

std::optional<StreamPolicy> parse_stream_policy(std::string_view name) {
  return policy_named<StreamPolicy>(kPolicyNames, name);
}

std::optional<StreamTarget> parse_stream_target(std::string_view text, std::string& error) {
  return parse_policy_target<StreamPolicy>(text, parse_stream_policy, kStreamPolicyNames, error);
}

bool new_segment_wins(StreamPolicy p, uint64_t new_begin, uint64_t new_end, uint64_t held_begin, uint64_t held_end) {
  switch (p) {
    case StreamPolicy::kFirst:
    case StreamPolicy::kVista: return false;
    case StreamPolicy::kLast: return true;
    case StreamPolicy::kBsd:
    case StreamPolicy::kHpux10:
    case StreamPolicy::kIrix:
    case StreamPolicy::kMacos:
    case StreamPolicy::kWindows:
    case StreamPolicy::kWindows2k3: return new_begin < held_begin;
    case StreamPolicy::kLinux: return new_begin < held_begin || (new_begin == held_begin && new_end > held_end);
    case StreamPolicy::kOldLinux: return new_begin < held_begin || (new_begin == held_begin && new_end >= held_end);
    case StreamPolicy::kSolaris:
    case StreamPolicy::kHpux11: return new_end > held_end || (new_end == held_end && new_begin <= held_begin);
  }
  return false;
}

std::string_view stream_event_suricata_name(StreamEvent e) {
  switch (e) {
    case StreamEvent::kOverlapConflict: return "reassembly_overlap_different_data";
    case StreamEvent::kOutOfWindow: return "est_packet_out_of_window";
    case StreamEvent::kInvalidRst: return "rst_invalid";
    case StreamEvent::kDepthReached: return "reassembly_depth_reached";
    default: return {};
  }
}

size_t StreamSide::held() const {
  size_t n = tail.size();
  for (const auto& [at, bytes] : queue) n += bytes.size();
  return n;
}

TcpStream::~TcpStream() {
  if (!memory) return;
  for (const StreamSide& s : sides) memory->held -= s.held();
}

FlowSlot tcp_stream_slot() {
  static const FlowSlot slot = register_flow_slot("stream.tcp");
  return slot;
}

StreamUpdate StreamReassembler::exception(StreamEvent e) {
  count(e);
  StreamUpdate u = in_stream();
  u.event = e;
  return u;
}

void StreamReassembler::abandon(Flow& flow) {
  TcpStream* ts = flow.data.find<TcpStream>(slot_);
  if (!ts) return;
  for (StreamSide& s : ts->sides) {
    memory_.held -= s.held();
    s.tail.clear();
    s.tail.shrink_to_fit();
    s.queue.clear();
    s.segment_starts.clear();
    s.done = true;
  }
}

// Whether `bytes` at stream offset `at` say something else than what the side already holds
// for the same offsets: delivered bytes still in the tail, or queued ones.
bool StreamReassembler::conflicts(const StreamSide& side, uint64_t at, std::string_view bytes) const {
  const uint64_t end = at + bytes.size();
  const uint64_t lo = std::max(at, side.tail_start), hi = std::min(end, side.next);
  if (lo < hi && bytes.substr(lo - at, hi - lo) != std::string_view(side.tail).substr(lo - side.tail_start, hi - lo)) {
    return true;
  }
  auto it = side.queue.upper_bound(at);
  if (it != side.queue.begin()) --it;
  for (; it != side.queue.end() && it->first < end; ++it) {
    const uint64_t qlo = std::max(at, it->first), qhi = std::min(end, it->first + it->second.size());
    if (qlo < qhi && bytes.substr(qlo - at, qhi - qlo) != std::string_view(it->second).substr(qlo - it->first, qhi - qlo)) {
      return true;
    }
  }
  return false;
}

// The bytes the receiver will read for the segment `bytes` at stream offset `at`: where it
// overlaps queued bytes, the policy picks the queued ones (copied into the result) or the new
// ones (written over the queued). Delivered bytes are not its to change: the receiver has them.
std::string StreamReassembler::resolve_overlaps(StreamSide& side, uint64_t at, std::string_view bytes,
                                                StreamPolicy policy) {
  std::string out(bytes);
  const uint64_t end = at + bytes.size();
  auto it = side.queue.upper_bound(at);
  if (it != side.queue.begin()) --it;
  for (; it != side.queue.end() && it->first < end; ++it) {
    const uint64_t q_end = it->first + it->second.size();
    const uint64_t lo = std::max(at, it->first), hi = std::min(end, q_end);
    if (lo >= hi) continue;
    if (new_segment_wins(policy, at, end, it->first, q_end)) {
      it->second.replace(lo - it->first, hi - lo, bytes.substr(lo - at, hi - lo));
    } else {
      out.replace(lo - at, hi - lo, it->second, lo - it->first, hi - lo);
    }
  }
  return out;
}

// Keeps `lookback` bytes before `next` in the tail (more when the application layer holds
// them), erasing in large steps so a stream's bytes move at most a few times.
void StreamReassembler::trim(StreamSide& side) {
  uint64_t keep_from = side.next > config_.lookback ? side.next - config_.lookback : 0;
  if (side.hold_from < keep_from && side.next - side.hold_from <= config_.hold_limit) keep_from = side.hold_from;
  if (keep_from <= side.tail_start || keep_from - side.tail_start < std::max<uint64_t>(config_.lookback, 4096)) return;
  const size_t erase = keep_from - side.tail_start;
  side.tail.erase(0, erase);
  memory_.held -= erase;
  side.tail_start = keep_from;
  auto first_kept = std::lower_bound(side.segment_starts.begin(), side.segment_starts.end(), keep_from);
  side.segment_starts.erase(side.segment_starts.begin(), first_kept);
}

StreamUpdate StreamReassembler::place(Flow& flow, Direction direction, const DecodedPacket& p, std::string_view payload) {
  const bool syn = p.tcp_flags & tcp_flag::kSyn;
  TcpStream* ts = flow.data.find<TcpStream>(slot_);
  // A flow has streams from its client's SYN on, or when picked up mid-stream with --midstream:
  // one first seen at its SYN/ACK, midstream off, has none, as in Suricata.
  const bool tracked = flow.tcp_state != TcpState::kNone;
  if (!ts && tracked && (syn || !payload.empty())) {
    ts = &flow.data.emplace<TcpStream>(slot_);
    ts->memory = &memory_;
  }
  if (!ts) {
    if (!payload.empty()) ++counters_.unopened;
    return {};
  }
  StreamSide& side = ts->sides[static_cast<size_t>(direction)];
  // The SYN takes one sequence number; its data (TCP Fast Open) follows it. A SYN seen again
  // before any data (a retransmission, or a new initial sequence number) opens the side anew.
  const uint32_t seq = syn ? p.tcp_seq + 1 : p.tcp_seq;
  if (syn && (!side.open || (side.next == 0 && side.queue.empty()))) {
    side.open = true;
    side.next_seq = seq;
  }
  if (syn && (p.tcp_flags & tcp_flag::kAck)) {
    // The SYN/ACK says whether the server took the other side's SYN data.
    StreamSide& other = ts->sides[direction == Direction::kToServer ? 1 : 0];
    if (other.tentative) {
      const uint32_t first_seq = other.next_seq - static_cast<uint32_t>(other.next);
      if (p.tcp_ack == first_seq) restart(other);  // it acknowledges the SYN alone
      other.tentative = 0;
    }
  }
  if (p.tcp_flags & tcp_flag::kAck) skip_acknowledged_gap(ts->sides[direction == Direction::kToServer ? 1 : 0], p.tcp_ack);
  // Data on a RST is no part of the stream (the receiver's application never reads it, as
  // Suricata has it too): it is inspected as the packet's own.
  if (p.tcp_flags & tcp_flag::kRst) return {};
  if (payload.empty()) return in_stream(side.open && !side.done);
  if (!side.open) {
    if (!flow.midstream) {
      ++counters_.unopened;
      return {};
    }
    side.open = true;
    side.next_seq = seq;
  }
  if (side.done) return {};

  // The segment's stream offset; bytes before the stream's start are not part of it.
  int64_t at = static_cast<int64_t>(side.next) + static_cast<int32_t>(seq - side.next_seq);
  std::string kept;  // the payload without its urgent bytes, when it had any
  UrgentCut cut;
  if (config_.urgent != UrgentPolicy::kInline && !syn && !cut_urgent(side, p, seq, payload, kept, at, cut)) {
    return exception(StreamEvent::kUrgentData);
  }
  if (at < 0) {
    if (static_cast<uint64_t>(-at) >= payload.size()) return in_stream();
    payload.remove_prefix(static_cast<size_t>(-at));
    at = 0;
  }
  uint64_t start = static_cast<uint64_t>(at);
  if (config_.depth && start >= config_.depth) {
    side.done = true;
    ++counters_.depth_reached;
    StreamUpdate u;
    u.depth_reached = true;
    return u;
  }
  if (config_.depth && start + payload.size() > config_.depth) payload = payload.substr(0, config_.depth - start);
  ++counters_.segments;
  std::string resolved;
  bool accepted = false;
  // Other bytes where the SYN's data was, before any SYN/ACK: the server did not take it.
  // (A restart keeps every offset where it was.)
  if (side.tentative && !syn && conflicts(side, start, payload)) restart(side);

  if (conflicts(side, start, payload)) {
    StreamUpdate u = exception(StreamEvent::kOverlapConflict);
    if (config_.drop_conflicts) return u;
    // Accepted: the receiver's policy says whose bytes stand where the segment overlaps queued
    // ones; `resolved` outlives the placing below.
    resolved = resolve_overlaps(side, start, payload, policy_for(p.dst, config_.policy, config_.targets));
    payload = resolved;
    accepted = true;
  }
  auto placed = [&](StreamUpdate u) {
    u.overlap_accepted = accepted;
    if (u.event == StreamEvent::kNone && cut.mark && cut.mark != cut.takes_pending) side.urgent_pending = cut.mark;
    return u;
  };
  const uint64_t end = start + payload.size();
  // (A segment whose one new sequence number is the urgent byte delivers nothing of its own,
  // but what was queued behind that byte.)
  if (end <= side.next && !cut.takes_pending) {
    ++counters_.retransmissions;
    return placed(in_stream());
  }
  if (start > side.next) {
    // Out of order: held until the gap before it fills. Only the parts no queued segment
    // covers yet are added (where it overlaps queued bytes, those stand, or resolve_overlaps
    // wrote its bytes over them).
    if (side.queue.size() >= config_.max_queued_segments) return placed(exception(StreamEvent::kQueueFull));
    if (memory_.held + payload.size() > config_.memcap) return placed(exception(StreamEvent::kMemcap));
    uint64_t pos = start;
    auto it = side.queue.upper_bound(start);
    if (it != side.queue.begin() && std::prev(it)->first + std::prev(it)->second.size() > pos) {
      pos = std::prev(it)->first + std::prev(it)->second.size();
    }
    while (pos < end) {
      const uint64_t gap_end = it == side.queue.end() ? end : std::min(end, it->first);
      if (gap_end > pos) {
        side.queue.emplace(pos, std::string(payload.substr(pos - start, gap_end - pos)));
        memory_.held += gap_end - pos;
      }
      if (it == side.queue.end()) break;
      pos = std::max(pos, it->first + it->second.size());
      ++it;
    }
    ++counters_.out_of_order;
    return placed(in_stream());
  }
  StreamUpdate u = deliver(side, start, payload, cut.takes_pending);
  if (syn && start == 0 && u.event == StreamEvent::kNone) side.tentative = static_cast<uint32_t>(side.next);
  return placed(u);
}

// Urgent data under UrgentPolicy::kOob or kDrop (tcp_stream.h). Leaves out of `payload` (into
// `kept`) the urgent bytes in it: those taken out before (a retransmission carries them again)
// and the pending one, when this segment delivers it in order (`cut`); `at` becomes the
// stream offset of what is left. Changes nothing: deliver() takes the pending byte out, and
// the mark this segment sets is kept only once it is placed. False when the segment must be
// dropped: urgent data under kDrop, or an urgent byte out of order.
bool StreamReassembler::cut_urgent(const StreamSide& side, const DecodedPacket& p, uint32_t seq,
                                   std::string_view& payload, std::string& kept, int64_t& at, UrgentCut& cut) const {
  const bool urgent = (p.tcp_flags & tcp_flag::kUrg) && p.tcp_urgent > 0;
  if (urgent && config_.urgent == UrgentPolicy::kDrop) return false;
  if (config_.urgent != UrgentPolicy::kOob) return true;
  // The latest urgent pointer wins, as the receiving stack keeps one urgent mark; one at a
  // byte already delivered changes nothing (the receiver has read it).
  std::optional<uint32_t> pending = side.urgent_pending;
  if (pending && seq_before(*pending, side.next_seq)) pending.reset();  // passed by a skipped gap
  if (urgent && !seq_before(seq + p.tcp_urgent - 1, side.next_seq)) pending = cut.mark = seq + p.tcp_urgent - 1;
  const uint32_t end_seq = seq + static_cast<uint32_t>(payload.size());
  std::vector<uint32_t> out;  // sequence numbers of this segment's bytes to leave out, in order
  for (uint32_t u : side.urgent_taken) {
    if (!seq_before(u, seq) && seq_before(u, end_seq)) out.push_back(u);
    // Taken-out bytes between the segment's start and next_seq are no stream bytes: the
    // segment's first stream byte is that much nearer to next.
    if (!seq_before(u, seq)) ++at;
  }
  if (pending && !seq_before(*pending, seq) && seq_before(*pending, end_seq)) {
    // In order only: queued bytes at or before it would need it gone before they were placed.
    if (seq_before(side.next_seq, seq)) return false;
    const uint64_t offset = side.next + (*pending - side.next_seq);
    if (!side.queue.empty() && side.queue.begin()->first <= offset) return false;
    out.push_back(*pending);
    cut.takes_pending = *pending;
  }
  if (out.empty()) return true;
  kept.reserve(payload.size());
  size_t from = 0;
  for (uint32_t u : out) {
    const size_t i = u - seq;
    kept.append(payload.substr(from, i - from));
    from = i + 1;
  }
  kept.append(payload.substr(from));
  payload = kept;
  return true;
}

// Takes the pending urgent byte out of the stream, before the segment that holds it is
// delivered: its sequence number will be skipped, and queued segments, all past it, move back
// one stream byte.
void StreamReassembler::take_urgent(StreamSide& side, uint32_t u) {
  std::map<uint64_t, std::string> moved;
  for (auto& [offset, bytes] : side.queue) moved.emplace(offset - 1, std::move(bytes));
  side.queue.swap(moved);
  side.urgent_taken.push_back(u);
  if (side.urgent_taken.size() > kUrgentRemembered) side.urgent_taken.erase(side.urgent_taken.begin());
  side.urgent_pending.reset();
  ++counters_.urgent_out_of_band;
}

// The receiver acknowledged bytes past a gap the stream is stuck at, up to a queued segment:
// it has them, so the stream missed them (a capture that lost packets). The gap is skipped,
// uninspected and counted, and the queued segments are delivered, so a lost segment does not
// hold a direction's queue until it overflows.
void StreamReassembler::skip_acknowledged_gap(StreamSide& side, uint32_t ack) {
  if (!side.open || side.done || side.queue.empty()) return;
  const int32_t ahead = static_cast<int32_t>(ack - side.next_seq);
  if (ahead <= 0) return;
  const uint64_t first = side.queue.begin()->first;
  if (side.next + static_cast<uint64_t>(ahead) < first) return;
  memory_.held -= side.tail.size();
  side.tail.clear();
  side.segment_starts.clear();
  side.next_seq += static_cast<uint32_t>(first - side.next);
  side.next = side.tail_start = first;
  ++counters_.gaps;
  drain_queue(side);
  trim(side);
}

void StreamReassembler::append(StreamSide& side, std::string_view bytes) {
  side.segment_starts.push_back(side.next);
  side.tail.append(bytes);
  memory_.held += bytes.size();
  side.next += bytes.size();
  side.next_seq += static_cast<uint32_t>(bytes.size());
  counters_.delivered_bytes += bytes.size();
}

// Delivers the queued segments that are next, as far as they run without a gap.
void StreamReassembler::drain_queue(StreamSide& side) {
  while (!side.queue.empty() && side.queue.begin()->first <= side.next) {
    auto q = side.queue.begin();
    const uint64_t q_end = q->first + q->second.size();
    if (q_end > side.next) append(side, std::string_view(q->second).substr(side.next - q->first));
    memory_.held -= q->second.size();
    side.queue.erase(q);
  }
}

// Takes back what the stream delivered (the SYN's data, never acknowledged): it starts again
// empty at the same sequence number.
void StreamReassembler::restart(StreamSide& side) {
  memory_.held -= side.held();
  side.next_seq -= static_cast<uint32_t>(side.next);
  side.next = 0;
  side.tail.clear();
  side.tail_start = 0;
  side.segment_starts.clear();
  side.queue.clear();
  side.tentative = 0;
  side.hold_from = UINT64_MAX;
  side.urgent_taken.clear();
  side.urgent_pending.reset();
  ++side.restarts;
}

// Delivers the segment's bytes past `next`, and the queued segments they make next.
// `urgent`: an urgent byte among the fresh bytes' sequence numbers, already cut from them
// (cut_urgent), whose number is skipped.
StreamUpdate StreamReassembler::deliver(StreamSide& side, uint64_t at, std::string_view bytes,
                                        std::optional<uint32_t> urgent) {
  std::string_view fresh = bytes.substr(side.next - at);
  if (memory_.held + fresh.size() > config_.memcap) return exception(StreamEvent::kMemcap);
  trim(side);
  const uint64_t first_fresh = side.next;
  if (urgent) take_urgent(side, *urgent);
  if (!fresh.empty()) append(side, fresh);
  if (urgent) ++side.next_seq;
  drain_queue(side);
  const bool reached = config_.depth && side.next >= config_.depth;
  if (reached) {
    side.done = true;
    ++counters_.depth_reached;
  }

  // The window: from the earliest segment start at most `lookback` before the fresh bytes, or
  // from exactly lookback bytes back when no segment starts there.
  uint64_t lo = first_fresh > config_.lookback ? first_fresh - config_.lookback : 0;
  lo = std::max(lo, side.tail_start);
  auto s = std::lower_bound(side.segment_starts.begin(), side.segment_starts.end(), lo);
  const uint64_t from = s != side.segment_starts.end() && *s < first_fresh ? *s : lo;
  StreamUpdate u = in_stream();
  u.window = std::string_view(side.tail).substr(from - side.tail_start);
  u.fresh_from = first_fresh - from;
  u.side = &side;
  u.depth_reached = reached;
  return u;
}

std::optional<std::string_view> StreamReassembler::bytes_from(const StreamSide& side, uint64_t from) const {
  if (from < side.tail_start || from > side.next) return std::nullopt;
  return std::string_view(side.tail).substr(from - side.tail_start);
}

}  // namespace picket
