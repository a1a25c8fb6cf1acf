// A software engine made from rule, identity and policy text, fed frames with timestamps.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/software_engine.h"
#include "rules/rule_set.h"

namespace picket::testing_support {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kSecond = 1'000'000'000;

class EngineUnderTest {
 public:
  explicit EngineUnderTest(std::string_view rules, std::string_view identities = "", std::string_view policy = "",
                           EngineConfig config = {}) {
    rules::RuleLoader loader(rules::Variables::defaults());
    loader.add_text(rules, "test.rules");
    rules::RuleSet set = loader.finish();
    for (const Diagnostic& d : set.diagnostics) ADD_FAILURE() << d.to_string();
    IdentityTable table;
    std::vector<Diagnostic> errors;
    if (!identities.empty()) {
      EXPECT_TRUE(load_identities(identities, "test.identities", table, errors));
    }
    std::optional<Policy> p;
    if (!policy.empty()) p = parse_policy(policy, "test.policy", errors);
    for (const Diagnostic& d : errors) ADD_FAILURE() << d.to_string();
    std::string why;
    auto sigs = SignatureSet::compile(std::move(set.rules), table.registry(), why);
    EXPECT_TRUE(sigs) << why;
    engine = std::make_unique<SoftwareEngine>(config, std::move(sigs), std::move(table), std::move(p));
  }

  // Judges one frame at time kT0 + `at` seconds.
  Verdict run(const std::vector<uint8_t>& frame, double at = 0) {
    Packet p;
    p.bytes = frame;
    p.wire_length = static_cast<uint32_t>(frame.size());
    p.timestamp_ns = kT0 + static_cast<int64_t>(at * double(kSecond));
    p.index = ++count_;
    Verdict v;
    engine->process(p, v);
    return v;
  }

  // The sids a verdict records, in order.
  std::vector<uint32_t> sids(const Verdict& v) const {
    std::vector<uint32_t> out;
    for (uint32_t r : v.alerts) out.push_back(engine->signatures().rules()[r].rule.sid);
    if (v.flow_was_blocked) out.push_back(engine->signatures().rules()[v.blocking_rule].rule.sid);
    return out;
  }

  std::string identity(IdentityId id) const { return engine->identities().registry().name(id); }

  std::unique_ptr<SoftwareEngine> engine;

 private:
  uint64_t count_ = 0;
};

}  // namespace picket::testing_support
