#include "detect/payload_inspection.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include "base/text.h"

namespace picket {
namespace {

// Whether the needle is at h (its first and last bytes are already known to match).
bool middle_matches(const uint8_t* h, const uint8_t* n, size_t len, bool nocase) {
  if (len <= 2) return true;
  if (!nocase) return std::memcmp(h + 1, n + 1, len - 2) == 0;
  for (size_t k = 1; k + 1 < len; ++k) {
    if (ascii_lower(h[k]) != n[k]) return false;
  }
  return true;
}

// First occurrence of m's bytes starting in [from, last_start]; npos if none. Sixteen start
// positions at a time: those whose byte equals the needle's first byte and whose byte len-1
// further equals its last are the only ones compared whole. For nocase the needle is folded,
// and a letter of the haystack is folded by setting bit 5, which maps exactly the two cases of
// a letter onto its lower case.
size_t find(std::string_view hay, size_t from, size_t last_start, const CompiledMatch& m) {
  const bool nocase = m.match->nocase;
  const std::string& needle = nocase ? m.lowered : m.match->bytes;
  const size_t len = needle.size();
  if (from > last_start || last_start + len > hay.size()) return std::string_view::npos;
  if (len == 0) return from;
  const auto* h = reinterpret_cast<const uint8_t*>(hay.data());
  const auto* n = reinterpret_cast<const uint8_t*>(needle.data());
  const uint8_t first = n[0], last = n[len - 1];
  auto is_lower_letter = [](uint8_t c) { return c >= 'a' && c <= 'z'; };
  const uint8_t fold_first = nocase && is_lower_letter(first) ? 0x20 : 0;
  const uint8_t fold_last = nocase && is_lower_letter(last) ? 0x20 : 0;
  size_t i = from;
#if defined(__SSE2__)
  const __m128i want_first = _mm_set1_epi8(static_cast<char>(first));
  const __m128i want_last = _mm_set1_epi8(static_cast<char>(last));
  const __m128i or_first = _mm_set1_epi8(static_cast<char>(fold_first));
  const __m128i or_last = _mm_set1_epi8(static_cast<char>(fold_last));
  // Every load stays inside the haystack: i + 15 <= last_start and last_start + len <= size.
  for (; i + 15 <= last_start; i += 16) {
    const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)), or_first);
    const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + len - 1)), or_last);
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, want_first), _mm_cmpeq_epi8(b, want_last))));
    while (mask) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (middle_matches(h + at, n, len, nocase)) return at;
      mask &= mask - 1;
    }
  }
#endif
  for (; i <= last_start; ++i) {
    if ((h[i] | fold_first) == first && (h[i + len - 1] | fold_last) == last && middle_matches(h + i, n, len, nocase)) {
      return i;
    }
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

    if (m.negated) return search(i, first, last) == std::string_view::npos && from(i + 1, prev);
    // Each occurrence, in order; only a relative next condition can make a later one succeed
    // where an earlier one failed.
    bool retry = next_is_relative(i);
    for (size_t pos = search(i, first, last); pos != std::string_view::npos; pos = search(i, pos + 1, last)) {
      if (from(i + 1, pos + m.bytes.size())) return true;
      if (!retry || s_.budget < 0) return false;
    }
    return false;
  }

  // find() for chain element i, answered from its last search where that one covers it.
  size_t search(size_t i, size_t first, size_t last) {
    constexpr size_t npos = std::string_view::npos;
    InspectionScratch::Search& was = s_.searches[i];
    if (was.valid && first >= was.first && last <= was.last && (was.at == npos || was.at >= first)) {
      return was.at != npos && was.at <= last ? was.at : npos;
    }
    const size_t at = find(buf_, first, last, chain_[i]);
    was = {true, first, last, at};
    return at;
  }

  bool pcre(size_t i, size_t prev) {
    const CompiledMatch& cm = chain_[i];
    const rules::Match& m = *cm.match;
    // A relative expression sees the buffer from the previous match on, as in Suricata:
    // there '^' anchors where the previous match ended.
    size_t start = m.relative ? std::min(prev, buf_.size()) : 0;
    // The same subject gives the same answer: backtracking asks a pcre that is not relative
    // again for every occurrence of the contents before it.
    InspectionScratch::Search& was = s_.searches[i];
    if (!was.valid || was.first != start) {
      std::string_view subject = buf_.substr(start);
      int rc = pcre2_match(cm.pcre, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                           s_.match_data, s_.match_context);
      // No match, and the match limits (Suricata's choice too), count as none.
      was = {true, start, start, rc >= 0 ? start + pcre2_get_ovector_pointer(s_.match_data)[1] : std::string_view::npos};
    }
    const bool found = was.at != std::string_view::npos;
    if (m.negated) return !found && from(i + 1, prev);
    if (!found) return false;
    return from(i + 1, was.at);
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
  scratch.searches.assign(chain.size(), {});
  return Inspection(chain, buffer, scratch).from(0, 0);
}

}  // namespace picket
