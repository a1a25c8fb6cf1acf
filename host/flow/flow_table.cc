#include "flow/flow_table.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace picket {
namespace {

// MurmurHash3's 64-bit finalizer: every input bit flips each output bit with probability
// about one half, so the low bits a power-of-two index uses depend on the high bits too (an
// IPv4 address lies in the high half of its IPv4-mapped word).
uint64_t finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

uint64_t word(const IpAddress& a, int half) {
  uint64_t w;
  std::memcpy(&w, a.bytes.data() + half * 8, 8);
  return w;
}

}  // namespace

std::optional<FlowKey> FlowKey::of(const DecodedPacket& p) {
  if (!p.ok() || !p.is_ip() || p.fragment) return std::nullopt;
  uint16_t sport = p.src_port;
  uint16_t dport = p.dst_port;
  if (p.is_icmp()) {
    bool echo = p.ip_proto == ip_proto::kIcmpv6 ? (p.icmp_type == 128 || p.icmp_type == 129)
                                                : (p.icmp_type == 8 || p.icmp_type == 0);
    // Echo request and reply share the echo id; other messages are keyed by type and code.
    sport = dport = echo ? p.icmp_id : static_cast<uint16_t>(p.icmp_type << 8 | p.icmp_code);
  }
  FlowKey k;
  const uint128 s = p.src.value(), d = p.dst.value();
  bool src_low = s < d || (s == d && sport < dport);
  k.lo_addr = src_low ? p.src : p.dst;
  k.hi_addr = src_low ? p.dst : p.src;
  k.lo_port = src_low ? sport : dport;
  k.hi_port = src_low ? dport : sport;
  k.ip_proto = p.ip_proto;
  k.vlan_count = p.vlan_count;
  for (int i = 0; i < p.vlan_count; ++i) k.vlan_ids[i] = p.vlan_ids[i];
  return k;
}

size_t FlowKeyHash::operator()(const FlowKey& k) const {
  // Each word multiplied by its own odd constant, then one final mix: cheap, and every input
  // bit reaches the bits a power-of-two table uses.
  uint64_t h = word(k.lo_addr, 0) * 0x9e3779b97f4a7c15ULL;
  h ^= word(k.lo_addr, 1) * 0xc2b2ae3d27d4eb4fULL;
  h ^= word(k.hi_addr, 0) * 0x165667b19e3779f9ULL;
  h ^= word(k.hi_addr, 1) * 0xd6e8feb86659fd93ULL;
  h ^= (uint64_t{k.lo_port} << 48 | uint64_t{k.hi_port} << 32 | uint64_t{k.ip_proto} << 24 | k.vlan_count) *
       0xff51afd7ed558ccdULL;
  h ^= (uint64_t{k.vlan_ids[0]} << 16 | k.vlan_ids[1]) * 0xc4ceb9fe1a85ec53ULL;
  return finish(h);
}

FlowTable::FlowTable(FlowConfig config) : config_(config) {
  if (config_.max_flows == 0) config_.max_flows = 1;
}

int64_t FlowTable::timeout(const Flow& f) const {
  if (f.key.ip_proto == ip_proto::kTcp) {
    if (f.tcp_state == TcpState::kClosed) return config_.tcp_closed_timeout_ns;
    return f.established ? config_.tcp_established_timeout_ns : config_.tcp_new_timeout_ns;
  }
  return f.established ? config_.established_timeout_ns : config_.new_timeout_ns;
}

void FlowTable::unlink(uint32_t i) {
  Slot& s = slots_[i];
  if (s.newer != kNil) slots_[s.newer].older = s.older; else head_ = s.older;
  if (s.older != kNil) slots_[s.older].newer = s.newer; else tail_ = s.newer;
  s.newer = s.older = kNil;
}

void FlowTable::push_head(uint32_t i) {
  Slot& s = slots_[i];
  s.newer = kNil;
  s.older = head_;
  if (head_ != kNil) slots_[head_].newer = i;
  head_ = i;
  if (tail_ == kNil) tail_ = i;
}

std::string_view flow_end_name(FlowEnd e) {
  switch (e) {
    case FlowEnd::kTimeout: return "timeout";
    case FlowEnd::kEvicted: return "evicted";
    case FlowEnd::kShutdown: return "shutdown";
  }
  return "?";
}

void FlowTable::end_all() {
  if (!on_end_) return;
  std::vector<const Flow*> live;
  live.reserve(index_.size());
  for_each_flow([&](const Flow& f) { live.push_back(&f); });
  std::sort(live.begin(), live.end(), [](const Flow* a, const Flow* b) { return a->id < b->id; });
  for (const Flow* f : live) on_end_(*f, FlowEnd::kShutdown);
}

void FlowTable::remove(uint32_t i, FlowEnd why) {
  if (on_end_) on_end_(flows_[i], why);
  unlink(i);
  index_.erase(slots_[i].hash, i);
  free_.push_back(i);
}

uint32_t FlowTable::allocate() {
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    slots_[i] = Slot{};
    flows_[i] = Flow{};
    return i;
  }
  slots_.emplace_back();
  flows_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void FlowTable::expire(int64_t now_ns) {
  clock_ns_ = std::max(clock_ns_, now_ns);
  // The tail is the least recently seen flow; stop at the first one still alive.
  while (tail_ != kNil) {
    const Flow& f = flows_[tail_];
    if (clock_ns_ - f.last_seen_ns <= timeout(f)) break;
    remove(tail_, FlowEnd::kTimeout);
    ++counters_.expired;
  }
}

// A SYN flood fills the table with embryonic flows, and a flood of closes with closed ones:
// those go first, so the flows that carry traffic stay.
void FlowTable::evict_one() {
  uint32_t victim = tail_;
  uint32_t i = tail_;
  for (int n = 0; n < kEvictionScan && i != kNil; ++n, i = slots_[i].newer) {
    const Flow& f = flows_[i];
    if (!f.established || f.tcp_state == TcpState::kClosed || f.tcp_state == TcpState::kClosing) {
      victim = i;
      break;
    }
  }
  const Flow& f = flows_[victim];
  if (f.established && f.tcp_state != TcpState::kClosed && f.tcp_state != TcpState::kClosing) {
    ++counters_.evicted_established;
  }
  remove(victim, FlowEnd::kEvicted);
  ++counters_.evicted;
}

std::optional<FlowRef> FlowTable::track(const DecodedPacket& p, uint32_t wire_length,
                                        int64_t now_ns) {
  std::optional<FlowKey> key = FlowKey::of(p);
  if (!key) return std::nullopt;
  expire(now_ns);

  FlowRef ref;
  const uint64_t hash = FlowKeyHash{}(*key);
  uint32_t i = index_.find(hash, [&](uint32_t slot) { return flows_[slot].key == *key; });
  if (i != kNil) {
    const Flow& f = flows_[i];
    if (clock_ns_ - f.last_seen_ns > timeout(f)) {
      remove(i, FlowEnd::kTimeout);
      ++counters_.expired;
      i = kNil;
    } else if (i != head_) {
      unlink(i);
      push_head(i);
    }
  }
  if (i == kNil) {
    if (index_.size() >= config_.max_flows) evict_one();
    i = allocate();
    Flow& f = flows_[i];
    f.key = *key;
    f.id = next_id_++;
    f.first_seen_ns = f.last_seen_ns = now_ns;
    f.client_addr = p.src;
    f.client_port = p.src_port;
    f.client_proven = p.is_tcp() && (p.tcp_flags & (tcp_flag::kSyn | tcp_flag::kAck)) == tcp_flag::kSyn;
    // A flow first seen at the server's SYN/ACK was opened by the other side.
    constexpr uint8_t kSynAck = tcp_flag::kSyn | tcp_flag::kAck;
    if (p.is_tcp() && (p.tcp_flags & kSynAck) == kSynAck) {
      f.client_addr = p.dst;
      f.client_port = p.dst_port;
    }
    slots_[i].hash = hash;
    index_.insert(hash, i);
    push_head(i);
    ++counters_.created;
    ref.created = true;
  }

  Flow& f = flows_[i];
  ref.flow = &f;
  // ICMP has no ports; an echo reply from a host to itself still goes back to the client.
  bool echo_reply = p.is_icmp() && (p.icmp_type == 0 || p.icmp_type == 129);
  bool from_client = p.src == f.client_addr && (p.is_icmp() || p.src_port == f.client_port) &&
                     !(p.src == p.dst && echo_reply);
  ref.direction = from_client ? Direction::kToServer : Direction::kToClient;
  auto d = static_cast<size_t>(ref.direction);
  ++f.packets[d];
  f.bytes[d] += wire_length;
  if (now_ns > f.last_seen_ns) f.last_seen_ns = now_ns;

  if (p.is_tcp()) {
    ref.tcp_check = update_tcp(f, p, ref.direction);
  } else if (f.packets[0] > 0 && f.packets[1] > 0) {
    f.established = true;
  }
  return ref;
}

namespace {

// Whether sequence number a lies after b, in the 32-bit space that wraps (RFC 1982).
bool seq_after(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

}  // namespace

TcpCheck FlowTable::check_sequence(const Flow& f, const DecodedPacket& p, Direction d) const {
  if (!config_.check_sequence || (p.tcp_flags & tcp_flag::kSyn)) return TcpCheck::kOk;
  const TcpEndpoint& sender = f.tcp[static_cast<size_t>(d)];
  const TcpEndpoint& receiver = f.tcp[d == Direction::kToServer ? 1 : 0];
  if (p.tcp_flags & tcp_flag::kRst) {
    // RFC 5961: only the exact next sequence number resets; another in the window draws a
    // challenge ACK, one outside it is dropped. Either way the connection stays.
    return sender.seq_known && p.tcp_seq != sender.next_seq ? TcpCheck::kInvalidRst : TcpCheck::kOk;
  }
  if (p.payload_length == 0 || !receiver.window_known) return TcpCheck::kOk;
  // Data beginning past the window is discarded; one byte just at its edge is a zero-window
  // probe, which the receiver answers.
  const auto past = static_cast<int32_t>(p.tcp_seq - receiver.window_end);
  return past > 0 || (past == 0 && p.payload_length > 1) ? TcpCheck::kOutOfWindow : TcpCheck::kOk;
}

TcpCheck FlowTable::update_tcp(Flow& f, const DecodedPacket& p, Direction d) {
  const TcpCheck check = check_sequence(f, p, d);
  if (check != TcpCheck::kOk) return check;
  const uint8_t flags = p.tcp_flags;
  const bool syn = flags & tcp_flag::kSyn;
  const bool ack = flags & tcp_flag::kAck;
  const bool first = f.packets[0] + f.packets[1] == 1;
  TcpEndpoint& me = f.tcp[static_cast<size_t>(d)];
  TcpEndpoint& other = f.tcp[d == Direction::kToServer ? 1 : 0];
  const bool at_next = me.seq_known && p.tcp_seq == me.next_seq;

  // Sequence numbers and windows. A SYN starts its sender's sequence space again, so the
  // window the other end gave it no longer applies.
  const uint32_t end = p.tcp_seq + p.payload_length + (syn ? 1 : 0) + ((flags & tcp_flag::kFin) ? 1 : 0);
  if (syn) {
    me.syn_seen = true;
    me.syn_scale = p.tcp_options.window_scale;
    other.window_known = false;
  }
  if (syn || !me.seq_known) me.isn = syn ? p.tcp_seq : p.tcp_seq - 1;
  if (syn || !me.seq_known || seq_after(end, me.next_seq)) {
    me.next_seq = end;
    me.seq_known = true;
  }
  if (ack && me.syn_seen && other.syn_seen) {
    // Windows scale only when both SYNs offered it, and never on a SYN (RFC 7323 2.2).
    const int scale = !syn && me.syn_scale >= 0 && other.syn_scale >= 0 ? me.syn_scale : 0;
    const uint32_t edge = p.tcp_ack + (static_cast<uint32_t>(p.tcp_window) << scale);
    if (!me.window_known || seq_after(edge, me.window_end)) me.window_end = edge;
    me.window_known = true;
  }

  if (first) {
    if (syn && !ack) {
      f.tcp_state = TcpState::kSynSent;
    } else if (config_.midstream) {
      f.tcp_state = TcpState::kEstablished;
      f.midstream = true;
    }
  } else if (f.tcp_state == TcpState::kSynSent) {
    if (d == Direction::kToClient && syn && ack) {
      f.tcp_state = TcpState::kSynReceived;
    } else if (config_.async_oneside && d == Direction::kToServer && ack && !syn && at_next && f.packets[1] == 0) {
      // The client acknowledges a SYN/ACK this side never saw: the server answered by another way.
      f.tcp_state = TcpState::kEstablished;
    }
  } else if (f.tcp_state == TcpState::kSynReceived) {
    if (d == Direction::kToServer && ack && !syn) f.tcp_state = TcpState::kEstablished;
  }
  if (f.tcp_state == TcpState::kEstablished) f.established = true;

  if (flags & tcp_flag::kRst) {
    f.tcp_state = TcpState::kClosed;
  } else if ((flags & tcp_flag::kFin) && f.established && f.tcp_state != TcpState::kClosed) {
    f.fins |= static_cast<uint8_t>(1u << static_cast<int>(d));
    f.tcp_state = f.fins == 3 ? TcpState::kClosed : TcpState::kClosing;
  }
  return TcpCheck::kOk;
}

}  // namespace picket
