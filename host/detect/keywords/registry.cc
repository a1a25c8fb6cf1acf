// The one list of registered rule keywords (keyword.h).
#include <vector>

#include "detect/keywords/keyword.h"

namespace picket {
namespace {

const std::vector<const Keyword*>& registry() {
  static const std::vector<const Keyword*> all = [] {
    std::vector<const Keyword*> k;
    for (size_t i = 0; i < kAboutKeywordCount; ++i) k.push_back(&kAboutKeywords[i]);
    k.push_back(&kFlowKeyword);
    k.push_back(&kDsizeKeyword);
    k.push_back(&kIdentityKeyword);
    k.push_back(&kDecodeEventKeyword);
    k.push_back(&kIcmpTypeKeyword);
    k.push_back(&kIcmpCodeKeyword);
    k.push_back(&kTcpFlagsKeyword);
    k.push_back(&kTcpMssKeyword);
    k.push_back(&kStreamSizeKeyword);
    k.push_back(&kStreamEventKeyword);
    k.push_back(&kRequiresKeyword);
    return k;
  }();
  return all;
}

}  // namespace

const Keyword* find_keyword(std::string_view name) {
  for (const Keyword* k : registry()) {
    for (std::string_view n : k->names) {
      if (n == name) return k;
    }
  }
  return nullptr;
}

std::span<const Keyword* const> keywords() { return registry(); }

}  // namespace picket
