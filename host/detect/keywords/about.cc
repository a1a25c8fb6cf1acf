// Keywords that describe a rule and change no verdict: msg, sid, gid, rev, priority,
// classtype, reference, metadata, Snort's target, service and rem, and Suricata's prefilter (a
// hint about which of the rule's keywords its engine should search first: read and ignored).
#include "base/text.h"
#include "detect/keywords/keyword.h"
#include "rules/option_values.h"

namespace picket {
namespace {

constexpr std::string_view kMsg[] = {"msg"};
constexpr std::string_view kSid[] = {"sid"};
constexpr std::string_view kGid[] = {"gid"};
constexpr std::string_view kRev[] = {"rev"};
constexpr std::string_view kPriority[] = {"priority"};
constexpr std::string_view kClasstype[] = {"classtype"};
constexpr std::string_view kReference[] = {"reference"};
constexpr std::string_view kMetadata[] = {"metadata"};
constexpr std::string_view kIgnored[] = {"target", "service", "rem"};
constexpr std::string_view kHint[] = {"prefilter"};

}  // namespace

const Keyword kAboutKeywords[] = {
    {kMsg, [](const RuleOption& o, rules::Rule& r) { r.msg = rules::decode_text(o.value, o.value_offset); }},
    {kSid, [](const RuleOption& o, rules::Rule& r) { r.sid = static_cast<uint32_t>(o.integer(1, UINT32_MAX)); }},
    {kGid, [](const RuleOption& o, rules::Rule& r) { r.gid = static_cast<uint32_t>(o.integer(0, UINT32_MAX)); }},
    {kRev, [](const RuleOption& o, rules::Rule& r) { r.rev = static_cast<uint32_t>(o.integer(0, UINT32_MAX)); }},
    {kPriority, [](const RuleOption& o, rules::Rule& r) { r.priority = static_cast<uint8_t>(o.integer(1, 255)); }},
    {kClasstype,
     [](const RuleOption& o, rules::Rule& r) {
       o.need_value();
       r.classtype = std::string(trim(o.value));
     }},
    {kReference, [](const RuleOption& o, rules::Rule& r) { r.references.emplace_back(trim(o.value)); }},
    {kMetadata, [](const RuleOption& o, rules::Rule& r) { r.metadata.emplace_back(trim(o.value)); }},
    {kIgnored, [](const RuleOption&, rules::Rule&) {}},
    {kHint, [](const RuleOption& o, rules::Rule&) { o.no_value(); }},
};
const size_t kAboutKeywordCount = std::size(kAboutKeywords);

}  // namespace picket
