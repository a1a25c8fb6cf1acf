// The map control changes copy (base/shared_shards.h): every copy must hold exactly what was
// written to it, whatever its siblings did after the copy, through probe runs that wrap and
// removals that shift runs back. Checked against std::map under a seeded random mix of
// writes, removals and copies, with few shards and colliding hashes so runs are long.
#include "base/shared_shards.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace picket {
namespace {

// Few distinct hashes: keys collide, so probe runs are long and wrap around the array.
struct CrowdedHash {
  size_t operator()(uint32_t k) const { return (k % 37) * 0x9e3779b97f4a7c15ULL; }
};

using Map = SharedShards<uint32_t, uint32_t, CrowdedHash, 4>;
using Reference = std::map<uint32_t, uint32_t>;

void expect_same(const Map& m, const Reference& want, int step) {
  ASSERT_EQ(m.size(), want.size()) << "step " << step;
  for (uint32_t k = 0; k < 600; ++k) {
    const uint32_t* got = m.find(k);
    auto it = want.find(k);
    if (it == want.end()) {
      ASSERT_EQ(got, nullptr) << "key " << k << " at step " << step;
    } else {
      ASSERT_NE(got, nullptr) << "key " << k << " at step " << step;
      ASSERT_EQ(*got, it->second) << "key " << k << " at step " << step;
    }
  }
  size_t listed = 0;
  m.for_each([&](uint32_t k, uint32_t v) {
    ++listed;
    EXPECT_EQ(want.at(k), v);
  });
  EXPECT_EQ(listed, want.size());
}

TEST(SharedShards, EveryCopyHoldsWhatWasWrittenToIt) {
  std::mt19937 rng(5);
  std::vector<std::pair<Map, Reference>> copies(1);
  for (int step = 0; step < 20000; ++step) {
    auto& [m, want] = copies[rng() % copies.size()];
    const auto key = static_cast<uint32_t>(rng() % 500);
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2: {  // remove
        const bool had = want.erase(key) > 0;
        ASSERT_EQ(m.erase(key), had) << "step " << step;
        break;
      }
      case 3:
        if (copies.size() < 8) copies.push_back(copies[rng() % copies.size()]);
        break;
      default: {  // write
        const uint32_t value = static_cast<uint32_t>(rng());
        m.write(key) = value;
        want[key] = value;
      }
    }
    if (step % 997 == 0) {
      for (const auto& [map, reference] : copies) expect_same(map, reference, step);
    }
  }
  for (const auto& [map, reference] : copies) expect_same(map, reference, -1);
}

}  // namespace
}  // namespace picket
