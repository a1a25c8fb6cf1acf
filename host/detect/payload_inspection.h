// Whether one rule's payload conditions on one buffer hold, as Suricata inspects them.
//
// A chain is the rule's contents and pcres on that buffer, in rule order. Windows:
//
//   absolute content   [offset, offset + depth)          startswith: [0, len)
//   relative content   [prev + distance, prev + distance + within)
//   relative pcre (R)  the buffer from prev on ('^' anchors at prev);  other pcre: all of it
//
// where prev is where the previous (non-negated) match of the chain ended, 0 before any. The
// match must lie wholly inside its window; endswith pins it to the buffer's end. A negated
// condition holds when nothing matches in its window, and leaves prev unchanged. When a later
// relative condition fails, earlier contents are retried at their next occurrence
// (backtracking), within a budget of steps per inspection, as Suricata's recursion limit.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule.h"

namespace picket {

struct CompiledMatch {
  const rules::Match* match = nullptr;
  std::string lowered;          // nocase contents: the bytes folded to lower case
  pcre2_code* pcre = nullptr;   // pcre conditions: compiled (and JIT-compiled) once
};

// Per-worker state for inspections.
class InspectionScratch {
 public:
  InspectionScratch();
  ~InspectionScratch();
  InspectionScratch(const InspectionScratch&) = delete;
  InspectionScratch& operator=(const InspectionScratch&) = delete;

  pcre2_match_data* match_data = nullptr;
  pcre2_match_context* match_context = nullptr;
  int budget = 0;
  // The last search of each condition of the chain being inspected. A content's: its start
  // positions [first, last] and where it found the content (npos: nowhere); backtracking asks
  // a relative content again from later starts, over the same or a shorter range, and the
  // answer follows from this one (no occurrence lies between first and `at`), so the buffer is
  // not searched again. A pcre's: the subject's start (first) and where the match ended.
  // Without them, an earlier content that occurs often (`CWD` in an FTP session) searches the
  // whole window again for each occurrence.
  struct Search {
    bool valid = false;
    size_t first = 0, last = 0, at = 0;
  };
  std::vector<Search> searches;
};

constexpr int kInspectionBudget = 3000;
constexpr uint32_t kPcreMatchLimit = 3500;
constexpr uint32_t kPcreDepthLimit = 1500;

bool inspect(std::span<const CompiledMatch> chain, std::string_view buffer, InspectionScratch& scratch);

// Whether a chain of positive contents alone (no pcre, no negation: `plain`) could match
// `buffer` anew, given that `buffer`[0, from) alone gave no match: one of its contents must
// then occur reaching into [from, end). A necessary condition, cheap next to inspect(): it
// searches only the new bytes, not the whole buffer.
bool plain_chain(std::span<const CompiledMatch> chain);
bool touches_new_bytes(std::span<const CompiledMatch> chain, std::string_view buffer, size_t from);

}  // namespace picket
