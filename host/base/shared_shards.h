// A hash map whose copies share its storage: the keys are spread over a fixed number of
// shards, each held by pointer, so copying the map copies kShards pointers, and a change
// copies the one shard it touches, only when another copy still holds that shard.
//
//   map A ──► [shard 0][shard 1][shard 2] ...        copy B = A shares every shard;
//   map B ──► [shard 0][shard 1'][shard 2] ...       B.write(k in 1) copies shard 1 alone
//
// It is how a control change costs what it changes: the generation in force and the next one
// share all the bindings but the few a command touched (identity/identity_table.h).
//
// A shard is one flat array probed linearly (a power of two in size, at most 3/4 full;
// removal shifts the run back rather than leaving tombstones), so a lookup on the data path
// costs the shard pointer and, mostly, one cache line of slots.
//
// Threads: a map is changed by one thread, while other threads may read other copies. A shard
// held by this copy alone is changed in place; no other copy can be reading it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace picket {

template <class Key, class Value, class Hash, size_t kShards>
class SharedShards {
 public:
  const Value* find(const Key& key) const {
    const size_t h = Hash{}(key);
    const Shard* shard = shards_[shard_of(h)].get();
    if (!shard) return nullptr;
    const size_t mask = shard->slots.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = shard->slots[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  // The value of `key`, made (value-initialised) when absent.
  Value& write(const Key& key) {
    const size_t h = Hash{}(key);
    Shard& shard = writable(shard_of(h));
    if ((shard.count + 1) * 4 > shard.slots.size() * 3) grow(shard);
    const size_t mask = shard.slots.size() - 1;
    size_t i = h & mask;
    for (; shard.slots[i].used; i = (i + 1) & mask) {
      if (shard.slots[i].key == key) return shard.slots[i].value;
    }
    Slot& s = shard.slots[i];
    s.used = true;
    s.key = key;
    s.value = Value{};
    ++shard.count;
    ++size_;
    return s.value;
  }
  bool erase(const Key& key) {
    const size_t h = Hash{}(key);
    const size_t n = shard_of(h);
    if (!find(key)) return false;
    Shard& shard = writable(n);
    const size_t mask = shard.slots.size() - 1;
    size_t hole = h & mask;
    while (!(shard.slots[hole].key == key)) hole = (hole + 1) & mask;
    // Shift back each later slot of the run that may sit in the hole: one whose home is not
    // cyclically within (hole, j].
    for (size_t j = (hole + 1) & mask; shard.slots[j].used; j = (j + 1) & mask) {
      const size_t home = Hash{}(shard.slots[j].key) & mask;
      const bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (stays) continue;
      shard.slots[hole] = std::move(shard.slots[j]);
      hole = j;
    }
    shard.slots[hole] = Slot{};
    --shard.count;
    --size_;
    return true;
  }
  size_t size() const { return size_; }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& shard : shards_) {
      if (!shard) continue;
      for (const Slot& s : shard->slots) {
        if (s.used) f(s.key, s.value);
      }
    }
  }

 private:
  struct Slot {
    bool used = false;
    Key key{};
    Value value{};
  };
  struct Shard {
    std::vector<Slot> slots = std::vector<Slot>(8);
    size_t count = 0;
  };

  // The high bits pick the shard, the low ones the slot.
  static size_t shard_of(size_t h) { return (h >> 40 ^ h >> 20) % kShards; }

  Shard& writable(size_t n) {
    auto& shard = shards_[n];
    if (!shard) shard = std::make_shared<Shard>();
    else if (shard.use_count() > 1) shard = std::make_shared<Shard>(*shard);
    return *shard;
  }
  static void grow(Shard& shard) {
    std::vector<Slot> old(shard.slots.size() * 2);
    old.swap(shard.slots);
    const size_t mask = shard.slots.size() - 1;
    for (Slot& s : old) {
      if (!s.used) continue;
      size_t i = Hash{}(s.key) & mask;
      while (shard.slots[i].used) i = (i + 1) & mask;
      shard.slots[i] = std::move(s);
    }
  }

  std::array<std::shared_ptr<Shard>, kShards> shards_{};
  size_t size_ = 0;
};

}  // namespace picket
