// IP defragmentation, IPv4 and IPv6, before anything reads ports: fragments of one datagram
// are held until every byte of it has arrived, and the datagram is then judged whole, as its
// receiver will read it, in place of the fragment that completed it.
//
// A datagram is keyed by source, destination, identification, protocol (IPv4) and outer
// VLAN. Its pieces are laid into one buffer by fragment offset:
//
//   offset 0                                              total (known from the last fragment)
//   [== fragment 1 ==)        [==== fragment 3 ====)
//               [=== fragment 2 ===)                [= 4 =)
//                     ^^^^^ bytes two fragments give: the overlap policy picks one
//
// Where two fragments give the same bytes, the target's overlap policy says whose bytes the
// receiver keeps (as Suricata's defrag and host-os-policy name them):
//
//   first      the fragment that arrived first        (Mac OS)
//   last       the fragment that arrived last         (Cisco IOS)
//   bsd        the earlier one, unless the new one begins at a lower offset  (default)
//   bsd-right  the earlier one, unless the new one begins at a higher offset (HP JetDirect)
//   linux      the earlier one, unless the new one begins at the same or a lower offset
//   windows    the earlier one, unless the new one begins lower and ends higher (covers it)
//   solaris    the earlier one, unless the new one begins lower and ends at or past its end
//
// Any overlap is an event (ipv4/ipv6.frag_overlap). An overlap whose bytes differ means the
// receiver and an IDS that guessed its policy wrong read different datagrams: inline it is a
// conflict, and the fragment is refused (DefragConfig::drop_conflicts), so the receiver gets
// no datagram at all (it times out). A fragment that is not the last and whose length is not a
// multiple of 8, or that reaches past 65,535 bytes, is refused: the receiver discards it too.
//
// A completed datagram's tracker stays until its timeout, so a fragment that comes later with
// other bytes for it is still a conflict. Trackers time out DefragConfig::timeout_ns after
// their first fragment; every tracker's bytes count against DefragConfig::memcap, and a
// fragment that would pass it (or the tracker cap) is refused, once expired trackers are gone.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "packet/decoder.h"
#include "packet/ip_address.h"
#include "packet/packet.h"
#include "packet/target_policy.h"

namespace picket {

enum class FragmentPolicy : uint8_t { kFirst, kLast, kBsd, kBsdRight, kLinux, kWindows, kSolaris };
std::string_view fragment_policy_name(FragmentPolicy p);
std::optional<FragmentPolicy> parse_fragment_policy(std::string_view name);

// A target's policy: datagrams to addresses in its prefix (packet/target_policy.h).
using FragmentTarget = PolicyTarget<FragmentPolicy>;
// "10.0.0.0/8=linux" or "2001:db8::/32=windows"; nullopt and `error` when it is not.
std::optional<FragmentTarget> parse_fragment_target(std::string_view text, std::string& error);

struct DefragConfig {
  FragmentPolicy policy = FragmentPolicy::kBsd;  // for destinations no target names
  std::vector<FragmentTarget> targets;           // the longest prefix that holds wins
  int64_t timeout_ns = 60'000'000'000;
  size_t memcap = size_t{32} << 20;
  size_t max_trackers = 65535;
  bool drop_conflicts = true;
};

struct DefragCounters {
  uint64_t fragments = 0;
  uint64_t reassembled = 0;   // datagrams completed
  uint64_t overlaps = 0;      // fragments covering bytes already held
  uint64_t conflicts = 0;     // ... with other bytes
  uint64_t invalid = 0;       // refused: length not a multiple of 8, past 65,535 bytes, or 65,535 pieces
  uint64_t memcap = 0;        // refused: the memory or tracker cap was reached
  uint64_t timeouts = 0;      // trackers expired before their datagram completed
};

class Defragmenter {
 public:
  enum class Outcome : uint8_t {
    kHeld,         // taken; the datagram is not complete
    kReassembled,  // the datagram is complete: datagram() holds it
    kDuplicate,    // bytes of a datagram already complete, the same again
    kRefused,      // not taken: a conflict, an invalid length, or a cap (see events / counters)
  };
  struct Result {
    Outcome outcome = Outcome::kHeld;
    uint32_t events = 0;  // DecodeEvent bits for the fragment
  };

  explicit Defragmenter(DefragConfig config) : config_(std::move(config)) {}

  // Takes one fragment, decoded as `d` from `frame`, at `now` (ns).
  Result add(std::span<const uint8_t> frame, const DecodedPacket& d, int64_t now);

  // After kReassembled: the whole datagram as a frame of the fragment's link type (the first
  // fragment's link and IP headers, lengths and checksum rewritten, no fragment fields). Valid
  // until the next add().
  std::span<const uint8_t> datagram() const { return datagram_; }

  const DefragCounters& counters() const { return counters_; }
  size_t trackers() const { return trackers_.size(); }
  size_t memory() const { return memory_; }
  const DefragConfig& config() const { return config_; }

 private:
  struct Key {
    IpAddress src, dst;
    uint32_t id = 0;
    uint8_t proto = 0;  // IPv4 only: IPv6's identification is per source and destination
    uint16_t vlan = 0;
    bool v6 = false;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Piece {
    uint32_t begin = 0, end = 0;
  };
  struct Tracker {
    int64_t first_seen = 0;
    FragmentPolicy policy = FragmentPolicy::kBsd;
    std::vector<uint8_t> header;  // the first fragment's link and IP headers, up to its data
    uint16_t l3_at = 0;           // where in `header` the IP header starts
    uint16_t next_at = 0;         // IPv6: where in `header` the fragment header was named
    uint8_t next_header = 0;      // IPv6: what the first fragment's fragment header named
    std::vector<uint8_t> data;    // the datagram's bytes by offset
    std::vector<uint16_t> owner;  // per byte: 1 + the piece that gave it; 0: not yet given
    std::vector<Piece> pieces;    // in arrival order
    uint32_t covered = 0;         // bytes given
    std::optional<uint32_t> total;  // the datagram's length, once its last fragment came
    bool complete = false;
    size_t charged = 0;           // bytes counted against the memory cap
  };

  // A tracker's buffers by capacity: what it costs against the memory cap.
  struct Footprint {
    size_t header = 0, data = 0, owner = 0, pieces = 0;
    size_t bytes() const;
  };
  static Footprint footprint(const Tracker& t);

  void take(Tracker& t, const Footprint& after, std::span<const uint8_t> frame, const DecodedPacket& d);
  void expire(int64_t now);
  void drop_tracker(const Key& key);
  void charge(Tracker& t);
  void build(const Tracker& t, bool v6);

  DefragConfig config_;
  std::unordered_map<Key, Tracker, KeyHash> trackers_;
  std::deque<std::pair<int64_t, Key>> by_age_;  // trackers in creation order, for timeouts
  size_t memory_ = 0;
  std::vector<uint8_t> datagram_;
  DefragCounters counters_;
};

}  // namespace picket
