// src_identity, dst_identity: Picket's own keywords, scoping a rule to the workload identity of
// the packet's source or destination (a selector, as policy has them).
//
//   src_identity:"spiffe://demo.picket/frontend";  dst_identity:"spiffe://demo.picket/payments/*";
#include "base/text.h"
#include "detect/compiled_rule.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kNames[] = {"src_identity", "dst_identity"};

void parse(const RuleOption& o, rules::Rule& r) {
  o.need_value();
  std::string text = rules::decode_text(o.value, o.value_offset);
  std::optional<IdentitySelector::Error> error;
  IdentitySelector s = IdentitySelector::parse(text, error);
  if (error) {
    std::string_view t = trim(o.value);
    size_t quote = t.starts_with("\"") ? 1 : 0;
    o.fail(o.value_offset + static_cast<size_t>(t.data() - o.value.data()) + quote + error->offset,
           std::string(o.keyword) + ": " + error->message);
  }
  auto& field = o.keyword == "src_identity" ? r.src_identity : r.dst_identity;
  if (field) o.fail(o.keyword_offset, quote(o.keyword) + " given twice");
  field = std::move(s);
}

bool used(const rules::Rule& r) { return r.src_identity || r.dst_identity; }

bool matches(const CompiledRule& cr, const DetectionInput& in) {
  if (cr.rule.src_identity && !cr.src_identity.matches(in.src_id)) return false;
  if (cr.rule.dst_identity && !cr.dst_identity.matches(in.dst_id)) return false;
  return true;
}

}  // namespace

// The card's descriptor has no identity scope: such rules are the host's to finish.
const Keyword kIdentityKeyword{kNames, parse, used, matches, nullptr};

}  // namespace picket
