#include "defrag/ip_defrag.h"

#include <algorithm>
#include <array>

#include "packet/byte_order.h"
#include "packet/checksum.h"

namespace picket {
namespace {

constexpr std::array<std::string_view, 7> kPolicyNames = {"first", "last",    "bsd",    "bsd-right",
                                                          "linux", "windows", "solaris"};

constexpr uint32_t kMaxDatagram = 65535;
constexpr size_t kMaxPieces = 0xffff;

// Whether the bytes of `fresh` replace those an earlier piece `held` gave, under `p`.
bool fresh_wins(FragmentPolicy p, uint32_t fresh_begin, uint32_t fresh_end, uint32_t held_begin,
                uint32_t held_end) {
  switch (p) {
    case FragmentPolicy::kFirst: return false;
    case FragmentPolicy::kLast: return true;
    case FragmentPolicy::kBsd: return fresh_begin < held_begin;
    case FragmentPolicy::kBsdRight: return fresh_begin > held_begin;
    case FragmentPolicy::kLinux: return fresh_begin <= held_begin;
    case FragmentPolicy::kWindows: return fresh_begin < held_begin && fresh_end > held_end;
    case FragmentPolicy::kSolaris: return fresh_begin < held_begin && fresh_end >= held_end;
  }
  return false;
}

}  // namespace

std::string_view fragment_policy_name(FragmentPolicy p) { return kPolicyNames[static_cast<size_t>(p)]; }

std::optional<FragmentPolicy> parse_fragment_policy(std::string_view name) {
  return policy_named<FragmentPolicy>(kPolicyNames, name);
}

std::optional<FragmentTarget> parse_fragment_target(std::string_view text, std::string& error) {
  return parse_policy_target<FragmentPolicy>(text, parse_fragment_policy,
                                             "first, last, bsd, bsd-right, linux, windows, solaris", error);
}

size_t Defragmenter::KeyHash::operator()(const Key& k) const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.src.bytes.data(), 16);
  mix(k.dst.bytes.data(), 16);
  const uint8_t rest[8] = {static_cast<uint8_t>(k.id),   static_cast<uint8_t>(k.id >> 8),
                           static_cast<uint8_t>(k.id >> 16), static_cast<uint8_t>(k.id >> 24),
                           k.proto, static_cast<uint8_t>(k.vlan), static_cast<uint8_t>(k.vlan >> 8),
                           static_cast<uint8_t>(k.v6)};
  mix(rest, sizeof rest);
  return static_cast<size_t>(h);
}

void Defragmenter::drop_tracker(const Key& key) {
  auto it = trackers_.find(key);
  if (it == trackers_.end()) return;
  memory_ -= it->second.charged;
  if (!it->second.complete) ++counters_.timeouts;
  trackers_.erase(it);
}

void Defragmenter::expire(int64_t now) {
  while (!by_age_.empty() && now - by_age_.front().first > config_.timeout_ns) {
    auto it = trackers_.find(by_age_.front().second);
    // The key may name a newer tracker of the same datagram: only the one this entry made goes.
    if (it != trackers_.end() && it->second.first_seen == by_age_.front().first) drop_tracker(by_age_.front().second);
    by_age_.pop_front();
  }
}

Defragmenter::Footprint Defragmenter::footprint(const Tracker& t) {
  return {t.header.capacity(), t.data.capacity(), t.owner.capacity(), t.pieces.capacity()};
}

size_t Defragmenter::Footprint::bytes() const {
  return sizeof(Tracker) + header + data + owner * sizeof(uint16_t) + pieces * sizeof(Piece);
}

void Defragmenter::charge(Tracker& t) {
  const size_t now_charged = footprint(t).bytes();
  memory_ = memory_ - t.charged + now_charged;
  t.charged = now_charged;
}

Defragmenter::Result Defragmenter::add(std::span<const uint8_t> frame, const DecodedPacket& d, int64_t now) {
  ++counters_.fragments;
  expire(now);
  Result r;
  const bool v6 = d.l3 == L3::kIpv6;
  const DecodeEvent overlap_event = v6 ? DecodeEvent::kIpv6FragmentOverlap : DecodeEvent::kIpv4FragmentOverlap;
  auto refuse = [&](DecodeEvent e, uint64_t& counter) {
    r.events |= event_bit(e);
    ++counter;
    r.outcome = Outcome::kRefused;
    return r;
  };

  const uint32_t begin = d.fragment_offset;
  const uint32_t end = begin + d.payload_length;
  // What the datagram's header adds to its length: IPv4's header, IPv6's unfragmentable part.
  const uint32_t header_length = v6 ? d.fragment_header_offset - d.l3_offset - 40u : d.l4_offset - d.l3_offset;
  if (d.more_fragments && d.payload_length % 8 != 0) {
    return refuse(v6 ? DecodeEvent::kIpv6FragmentInvalidLength : DecodeEvent::kIpv4FragmentInvalidLength,
                  counters_.invalid);
  }
  if (end + header_length > kMaxDatagram) {
    return refuse(v6 ? DecodeEvent::kIpv6FragmentTooLarge : DecodeEvent::kIpv4FragmentTooLarge, counters_.invalid);
  }

  Key key;
  key.src = d.src;
  key.dst = d.dst;
  key.id = d.fragment_id;
  key.proto = v6 ? 0 : d.ip_proto;
  key.vlan = d.vlan_count ? d.vlan_ids[0] : 0;
  key.v6 = v6;
  auto it = trackers_.find(key);
  const bool fresh_tracker = it == trackers_.end();
  if (fresh_tracker && trackers_.size() >= config_.max_trackers) {
    ++counters_.memcap;
    r.outcome = Outcome::kRefused;
    return r;
  }
  // A new datagram is judged against an empty tracker, made only once the fragment is taken:
  // a refused first fragment leaves nothing behind.
  Tracker blank;
  if (fresh_tracker) {
    blank.first_seen = now;
    blank.policy = policy_for(d.dst, config_.policy, config_.targets);
  }
  Tracker& t = fresh_tracker ? blank : it->second;
  const uint8_t* bytes = frame.data() + d.payload_offset;

  // Bytes already held, and whether they differ: decided before anything changes.
  bool overlap = false, differs = false;
  const uint32_t held_end = std::min<uint32_t>(end, static_cast<uint32_t>(t.data.size()));
  for (uint32_t b = begin; b < held_end; ++b) {
    if (t.complete || t.owner[b] != 0) {
      overlap = true;
      if (t.data[b] != bytes[b - begin]) {
        differs = true;
        break;
      }
    }
  }
  if (overlap) {
    r.events |= event_bit(overlap_event);
    ++counters_.overlaps;
  }
  // The last fragment says the datagram's length; no fragment may reach past it, nor a second
  // last one say another.
  const bool last = !d.more_fragments;
  if ((t.total && end > *t.total) || (last && t.total && *t.total != end) ||
      (last && !t.total && t.data.size() > end && std::any_of(t.pieces.begin(), t.pieces.end(), [&](const Piece& p) {
         return p.end > end;
       }))) {
    ++counters_.invalid;
    r.outcome = Outcome::kRefused;
    return r;
  }

  if (differs) {
    ++counters_.conflicts;
    if (config_.drop_conflicts) {
      r.outcome = Outcome::kRefused;
      return r;
    }
  }
  if (t.complete) {
    r.outcome = Outcome::kDuplicate;  // the datagram went on as it was first completed
    return r;
  }
  if (t.pieces.size() >= kMaxPieces) {  // each byte names its piece in 16 bits
    ++counters_.invalid;
    r.outcome = Outcome::kRefused;
    return r;
  }
  // What the tracker will hold once this fragment is in, to the byte: the buffers grow to
  // capacities set here, so the cap is checked before anything is allocated.
  const bool takes_header = begin == 0 && t.header.empty();
  const size_t header_end = v6 ? d.fragment_header_offset : d.l4_offset;
  Footprint after = footprint(t);
  after.data = std::max<size_t>(after.data, end);
  after.owner = std::max<size_t>(after.owner, end);
  if (takes_header) after.header = header_end;
  if (t.pieces.size() == t.pieces.capacity()) after.pieces = std::max<size_t>(4, 2 * t.pieces.capacity());
  if (memory_ - t.charged + after.bytes() > config_.memcap) {
    ++counters_.memcap;
    r.outcome = Outcome::kRefused;
    return r;
  }

  if (fresh_tracker) {
    it = trackers_.emplace(key, std::move(blank)).first;
    by_age_.emplace_back(now, key);
  }
  Tracker& held = it->second;
  take(held, after, frame, d);
  if (!held.total || held.covered != *held.total || held.header.empty()) return r;
  build(held, v6);
  held.complete = true;
  held.data.resize(*held.total);
  held.owner = {};
  held.pieces = {};
  charge(held);
  ++counters_.reassembled;
  r.outcome = Outcome::kReassembled;
  return r;
}

// Lays one fragment's bytes into its tracker, under the tracker's overlap policy.
void Defragmenter::take(Tracker& t, const Footprint& after, std::span<const uint8_t> frame,
                        const DecodedPacket& d) {
  const uint32_t begin = d.fragment_offset;
  const uint32_t end = begin + d.payload_length;
  const uint8_t* bytes = frame.data() + d.payload_offset;
  // reserve() allocates exactly what it is asked for, so capacity() is what footprint() said.
  t.data.reserve(after.data);
  t.owner.reserve(after.owner);
  t.pieces.reserve(after.pieces);
  if (end > t.data.size()) {
    t.data.resize(end);
    t.owner.resize(end, 0);
  }
  t.pieces.push_back({begin, end});
  const uint16_t me = static_cast<uint16_t>(t.pieces.size());
  for (uint32_t b = begin; b < end; ++b) {
    const uint16_t o = t.owner[b];
    if (o == 0) {
      ++t.covered;
    } else {
      const Piece& held = t.pieces[o - 1];
      if (!fresh_wins(t.policy, begin, end, held.begin, held.end)) continue;
    }
    t.data[b] = bytes[b - begin];
    t.owner[b] = me;
  }
  if (!d.more_fragments) t.total = end;
  if (begin == 0 && t.header.empty()) {  // add() sized the header: after.header is its end
    t.header.assign(frame.begin(), frame.begin() + after.header);
    t.next_at = d.fragment_next_at;
    t.l3_at = d.l3_offset;
    t.next_header = d.ip_proto;
  }
  charge(t);
}

// The datagram as one frame: the first fragment's headers, then every byte in order.
//
//   IPv4: | link | IPv4 header (total length, flags/offset 0, checksum again) | data |
//   IPv6: | link | base header (payload length) | extensions before the fragment
//         header, the one naming it now naming what it named | data |
void Defragmenter::build(const Tracker& t, bool v6) {
  datagram_ = t.header;
  datagram_.insert(datagram_.end(), t.data.begin(), t.data.begin() + *t.total);
  const size_t l3 = t.l3_at;
  if (v6) {
    datagram_[t.next_at] = t.next_header;
    set16(datagram_, l3 + 4, static_cast<uint16_t>(datagram_.size() - l3 - 40));
  } else {
    const size_t ihl = (datagram_[l3] & 0x0fu) * 4u;
    set16(datagram_, l3 + 2, static_cast<uint16_t>(datagram_.size() - l3));
    set16(datagram_, l3 + 6, 0);
    set16(datagram_, l3 + 10, 0);
    set16(datagram_, l3 + 10, checksum_finish(checksum_add(datagram_.data() + l3, ihl)));
  }
}

}  // namespace picket
