// The flow table's index: a flow key's hash to the slot that holds its flow. Open addressing
// with linear probing in a power-of-two array that doubles at half full, and backward-shift
// deletion (no tombstones, so a long run of creations and evictions never slows lookups).
// Each entry keeps the hash beside the slot, so a probe compares a whole key only when the
// hashes' high halves agree; the keys stay in the flows, and the caller compares them.
//
//   entry (12 bytes): | tag: hash >> 32 (32) | slot (32), kEmpty when free | home: hash's low 32 |
//
// It replaced std::unordered_map, whose node per flow and prime-modulo bucket cost a cache
// miss and a division per packet (picket-bench, README "Speed").
#pragma once

#include <cstdint>
#include <vector>

namespace picket {

class FlowIndex {
 public:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  FlowIndex() : entries_(kInitial) {}

  // The slot whose key has `hash` and satisfies `same(slot)`, else kEmpty.
  template <typename Same>
  uint32_t find(uint64_t hash, Same same) const {
    const size_t mask = entries_.size() - 1;
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Entry& e = entries_[i];
      if (e.slot == kEmpty) return kEmpty;
      if (e.tag == tag && same(e.slot)) return e.slot;
    }
  }

  // Adds `slot` under `hash`; the caller has checked that its key is not there yet.
  void insert(uint64_t hash, uint32_t slot) {
    if ((size_ + 1) * 2 > entries_.size()) grow();
    place(hash, slot);
    ++size_;
  }

  // Removes `slot`, filed under `hash`. Entries after it in its run move back so that every
  // entry stays reachable from its home position without passing a free one.
  void erase(uint64_t hash, uint32_t slot) {
    const size_t mask = entries_.size() - 1;
    size_t i = hash & mask;
    while (entries_[i].slot != slot) i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; entries_[j].slot != kEmpty; j = (j + 1) & mask) {
      const size_t home = entries_[j].home & mask;
      // j's entry may fill the hole at i when its home is not in (i, j] (cyclically).
      if (((j - home) & mask) >= ((j - i) & mask)) {
        entries_[i] = entries_[j];
        i = j;
      }
    }
    entries_[i] = Entry{};
    --size_;
  }

  size_t size() const { return size_; }

 private:
  static constexpr size_t kInitial = 1024;
  struct Entry {
    uint32_t tag = 0;
    uint32_t slot = kEmpty;
    uint32_t home = 0;  // the hash's low bits: its position in any table up to 2^32 entries
  };

  void place(uint64_t hash, uint32_t slot) {
    const size_t mask = entries_.size() - 1;
    size_t i = hash & mask;
    while (entries_[i].slot != kEmpty) i = (i + 1) & mask;
    entries_[i] = Entry{static_cast<uint32_t>(hash >> 32), slot, static_cast<uint32_t>(hash)};
  }

  void grow() {
    std::vector<Entry> old(entries_.size() * 2);
    old.swap(entries_);
    for (const Entry& e : old) {
      if (e.slot != kEmpty) place(uint64_t{e.tag} << 32 | e.home, e.slot);
    }
  }

  std::vector<Entry> entries_;
  size_t size_ = 0;
};

}  // namespace picket
