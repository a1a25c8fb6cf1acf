// A set of unsigned values kept as sorted, disjoint, non-adjacent closed intervals, with the
// operations rule headers need: union, complement and difference. Addresses (128-bit) and
// ports (16-bit) are both IntervalSets, so lists, ranges and negation work one way for both.
#pragma once

#include <algorithm>
#include <vector>

namespace picket::rules {

template <typename T, T kMax>
class IntervalSet {
 public:
  struct Interval {
    T lo;
    T hi;
    bool operator==(const Interval&) const = default;
  };

  static IntervalSet all() { return IntervalSet({{T{0}, kMax}}); }
  static IntervalSet of(T lo, T hi) { return IntervalSet({{lo, hi}}); }

  IntervalSet() = default;

  bool contains(T v) const {
    auto it = std::upper_bound(items_.begin(), items_.end(), v,
                               [](T x, const Interval& i) { return x < i.lo; });
    return it != items_.begin() && v <= std::prev(it)->hi;
  }
  bool empty() const { return items_.empty(); }
  bool is_all() const { return items_.size() == 1 && items_[0].lo == T{0} && items_[0].hi == kMax; }
  const std::vector<Interval>& intervals() const { return items_; }

  IntervalSet unite(const IntervalSet& other) const {
    std::vector<Interval> v = items_;
    v.insert(v.end(), other.items_.begin(), other.items_.end());
    return IntervalSet(std::move(v));
  }
  IntervalSet complement() const {
    std::vector<Interval> v;
    T next = T{0};
    bool open = true;  // `next` is still a value not yet covered
    for (const Interval& i : items_) {
      if (open && i.lo > next) v.push_back({next, static_cast<T>(i.lo - 1)});
      if (i.hi == kMax) {
        open = false;
        break;
      }
      next = static_cast<T>(i.hi + 1);
    }
    if (open) v.push_back({next, kMax});
    IntervalSet s;
    s.items_ = std::move(v);
    return s;
  }
  IntervalSet minus(const IntervalSet& other) const {
    return complement().unite(other).complement();
  }

  bool operator==(const IntervalSet&) const = default;

 private:
  explicit IntervalSet(std::vector<Interval> v) : items_(normalize(std::move(v))) {}

  static std::vector<Interval> normalize(std::vector<Interval> v) {
    std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
    std::vector<Interval> out;
    for (const Interval& i : v) {
      if (!out.empty() && (out.back().hi == kMax || i.lo <= out.back().hi + 1)) {
        out.back().hi = std::max(out.back().hi, i.hi);
      } else {
        out.push_back(i);
      }
    }
    return out;
  }

  std::vector<Interval> items_;
};

}  // namespace picket::rules
