#include "detect/payload_inspection.h"

#include <algorithm>
#include <cstring>

#include "base/text.h"

namespace picket {
namespace {

// First occurrence of m's bytes starting in [from, last_start]; npos if none.
size_t find(std::string_view hay, size_t from, size_t last_start, const CompiledMatch& m) {
  const std::string& needle = m.match->bytes;
  if (from > last_start || last_start + needle.size() > hay.size()) return std::string_view::npos;
  if (!m.match->nocase) {
    size_t pos = hay.substr(0, last_start + needle.size()).find(needle, from);
    return pos;
  }
  const auto* h = reinterpret_cast<const uint8_t*>(hay.data());
  const auto* n = reinterpret_cast<const uint8_t*>(m.lowered.data());
  const size_t len = m.lowered.size();
  for (size_t i = from; i <= last_start; ++i) {
    if (ascii_lower(h[i]) != n[0]) continue;
    size_t k = 1;
    while (k < len && ascii_lower(h[i + k]) == n[k]) ++k;
    if (k == len) return i;
  }
  return std::string_view::npos;
}

class Inspection {
 public:
  Inspection(std::span<const CompiledMatch> chain, std::string_view buffer, InspectionScratch& s)
      : chain_(chain), buf_(buffer), s_(s) {}

  bool from(size_t i, size_t prev) {
    if (i == chain_.size()) return true;
    if (--s_.budget < 0) return false;
    const CompiledMatch& cm = chain_[i];
    return cm.match->kind == rules::Match::Kind::kContent ? content(i, prev) : pcre(i, prev);
  }

 private:
  bool next_is_relative(size_t i) const {
    return i + 1 < chain_.size() && chain_[i + 1].match->is_relative();
  }

  bool content(size_t i, size_t prev) {
    const CompiledMatch& cm = chain_[i];
    const rules::Match& m = *cm.match;
    const int64_t len = static_cast<int64_t>(m.bytes.size());
    const int64_t size = static_cast<int64_t>(buf_.size());
    int64_t start = 0, end = size;
    if (m.startswith) {
      end = len;
    } else if (m.is_relative()) {
      int64_t distance = m.distance.value_or(0);
      start = std::max<int64_t>(0, static_cast<int64_t>(prev) + distance);
      if (m.within) end = static_cast<int64_t>(prev) + distance + *m.within;
    } else {
      start = m.offset.value_or(0);
      if (m.depth) end = start + *m.depth;
    }
    end = std::min(end, size);
    if (m.endswith) start = std::max(start, size - len);
    if (end - start < len) return m.negated && from(i + 1, prev);
    auto first = static_cast<size_t>(start);
    auto last = static_cast<size_t>(end - len);  // the last start position inside the window

    if (m.negated) {
      return find(buf_, first, last, cm) == std::string_view::npos && from(i + 1, prev);
    }
    // Each occurrence, in order; only a relative next condition can make a later one succeed
    // where an earlier one failed.
    bool retry = next_is_relative(i);
    for (size_t pos = find(buf_, first, last, cm); pos != std::string_view::npos;
         pos = find(buf_, pos + 1, last, cm)) {
      if (from(i + 1, pos + m.bytes.size())) return true;
      if (!retry || s_.budget < 0) return false;
    }
    return false;
  }

  bool pcre(size_t i, size_t prev) {
    const CompiledMatch& cm = chain_[i];
    const rules::Match& m = *cm.match;
    // A relative expression sees the buffer from the previous match on, as in Suricata:
    // there '^' anchors where the previous match ended.
    size_t start = m.relative ? std::min(prev, buf_.size()) : 0;
    std::string_view subject = buf_.substr(start);
    int rc = pcre2_match(cm.pcre, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                         s_.match_data, s_.match_context);
    bool found = rc >= 0;  // no match, and the match limits (Suricata's choice too), count as none
    if (m.negated) return !found && from(i + 1, prev);
    if (!found) return false;
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(s_.match_data);
    return from(i + 1, start + ovector[1]);
  }

  std::span<const CompiledMatch> chain_;
  std::string_view buf_;
  InspectionScratch& s_;
};

}  // namespace

InspectionScratch::InspectionScratch() {
  match_data = pcre2_match_data_create(32, nullptr);
  match_context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(match_context, kPcreMatchLimit);
  pcre2_set_depth_limit(match_context, kPcreDepthLimit);
}

InspectionScratch::~InspectionScratch() {
  pcre2_match_data_free(match_data);
  pcre2_match_context_free(match_context);
}

bool plain_chain(std::span<const CompiledMatch> chain) {
  for (const CompiledMatch& m : chain) {
    if (m.match->kind != rules::Match::Kind::kContent || m.match->negated || m.match->bytes.empty()) return false;
  }
  return !chain.empty();
}

// Why it holds: every position such a chain's match uses lies in the buffer; were they all
// before `from`, the same positions would match buffer[0, from) (offsets, depths and relative
// distances count from the same places; an endswith content ends at the buffer's end, so in
// the new bytes), which did not match.
bool touches_new_bytes(std::span<const CompiledMatch> chain, std::string_view buffer, size_t from) {
  for (const CompiledMatch& m : chain) {
    const size_t len = m.match->bytes.size();
    const size_t start = from + 1 >= len ? from + 1 - len : 0;
    if (start + len > buffer.size()) continue;
    if (find(buffer, start, buffer.size() - len, m) != std::string_view::npos) return true;
  }
  return false;
}

bool inspect(std::span<const CompiledMatch> chain, std::string_view buffer, InspectionScratch& scratch) {
  scratch.budget = kInspectionBudget;
  return Inspection(chain, buffer, scratch).from(0, 0);
}

}  // namespace picket
