// A software engine made from rule, identity and policy text, fed frames with timestamps.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/software_engine.h"
#include "plan/build.h"

namespace picket::testing_support {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kSecond = 1'000'000'000;

class EngineUnderTest {
 public:
  // Built as picketd builds its engine (plan/build.h); with `device`, the generation also has
  // the device's tables.
  explicit EngineUnderTest(std::string_view rules, std::string_view identities = "", std::string_view policy = "",
                           EngineConfig config = {}, bool device = false) {
    Sources sources;
    sources.files.push_back({SourceFile::Kind::kRules, "test.rules", std::string(rules)});
    if (!identities.empty()) sources.files.push_back({SourceFile::Kind::kIdentities, "test.identities", std::string(identities)});
    if (!policy.empty()) sources.files.push_back({SourceFile::Kind::kPolicy, "test.policy", std::string(policy)});
    BuildOptions options;
    options.device = device;
    Build build = build_generation(sources, config, options);
    for (const Diagnostic& d : build.diagnostics) ADD_FAILURE() << d.to_string();
    EXPECT_TRUE(build.generation);
    if (build.generation) engine = std::make_unique<SoftwareEngine>(config, std::move(build.generation));
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
    if (v.flow_was_blocked && v.blocking_rule != Verdict::kNoRule) out.push_back(engine->signatures().rules()[v.blocking_rule].rule.sid);
    return out;
  }

  std::string identity(IdentityId id) const { return engine->identities().registry().name(id); }

  std::unique_ptr<SoftwareEngine> engine;

 private:
  uint64_t count_ = 0;
};

}  // namespace picket::testing_support
