// libFuzzer target: the identity-file and policy parsers (and classification files) on
// arbitrary text. Each input is parsed by all three; whatever a parser accepts must then
// be usable: lookups and judgements on it must not crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "identity/identity_table.h"
#include "packet/decoder.h"
#include "policy/policy.h"
#include "rules/classification.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 20000) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<picket::Diagnostic> errors;

  picket::IdentityTable table;
  bool identities_ok = picket::load_identities(text, "fuzz.identities", table, errors);
  if (!identities_ok && table.size() != 0) __builtin_trap();  // nothing half-applied
  auto a = picket::IpAddress::parse("10.1.2.3");
  (void)table.lookup(*a, 0);

  auto policy = picket::parse_policy(text, "fuzz.policy", errors);
  if (policy) {
    policy->resolve(table.registry());
    for (uint8_t proto : {picket::ip_proto::kTcp, picket::ip_proto::kUdp, picket::ip_proto::kIcmp}) {
      auto d = policy->judge(0, 1, proto, 443, 1'700'000'000'000'000'000);
      if (d.statement > policy->statements.size()) __builtin_trap();
    }
  }

  picket::rules::Classifications classes;
  classes.parse(text, "fuzz.classification", errors);
  for (const auto& e : errors) {
    if (e.location.file.empty() || e.message.empty()) __builtin_trap();  // every error says where and what
  }
  return 0;
}
