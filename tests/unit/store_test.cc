// A fleet's store without a server: the key layout read into sources and ids, the state's
// revision through loads and watch batches, and the controller building generations from it.
// (picketd and picketctl against a real etcd cluster: tests/e2e/fleet_test.py.)
#include <gtest/gtest.h>

#include "control/controller.h"
#include "engine_fixture.h"
#include "log/eve_record.h"
#include "testing/packet_builder.h"
#include "store/etcd_client.h"
#include "store/layout.h"

namespace picket::store {
namespace {

const std::string kRoot = "/picket/t/";

KeyValue kv(const std::string& key, const std::string& value, int64_t revision) {
  KeyValue out;
  out.key = kRoot + key;
  out.value = value;
  out.mod_revision = revision;
  return out;
}

WatchBatch batch(int64_t revision, std::vector<WatchEvent> events) {
  WatchBatch b;
  b.revision = revision;
  b.events = std::move(events);
  return b;
}

StoreState state(std::vector<KeyValue> kvs, int64_t store_revision = 100) {
  StoreState s;
  s.load(kRoot, kvs, store_revision);
  return s;
}

const std::vector<KeyValue> kFleet = {
    kv("rules/a.rules", "drop udp any any -> any any (msg:\"evil\"; content:\"evil\"; sid:7;)\n", 3),
    kv("policy", "allow spiffe://t/web -> spiffe://t/api udp/80\n", 4),
    kv("bindings/10.0.0.1", "spiffe://t/web 10.0.0.1\n", 6),
    kv("bindings/10.0.0.2", "spiffe://t/api 10.0.0.2\n", 5),
    kv("ids/spiffe://t/web", "9", 2),
    kv("ids/spiffe://t/api", "4", 2),
    kv("id-numbers/9", "spiffe://t/web", 2),
    kv("id-numbers/4", "spiffe://t/api", 2),
    kv("changed", "upsert spiffe://t/web", 6),
    kv("nodes/n1", "{\"revision\":6}", 90),
};

TEST(StoreUrl, NamesEveryMemberOverHttpOrHttps) {
  EtcdOptions o;
  std::string error;
  ASSERT_TRUE(parse_store_url("etcd://10.0.0.1:2379,etcd-2:2379", o, error)) << error;
  EXPECT_EQ(o.endpoints, (std::vector<std::string>{"http://10.0.0.1:2379", "http://etcd-2:2379"}));
  ASSERT_TRUE(parse_store_url("etcds://127.0.0.1:2379", o, error));
  EXPECT_EQ(o.endpoints, std::vector<std::string>{"https://127.0.0.1:2379"});
  for (const char* bad : {"http://a:1", "etcd://", "etcd://a", "etcd://a:1,", "etcd://a:x", "etcd://:1"}) {
    EXPECT_FALSE(parse_store_url(bad, o, error)) << bad;
  }
}

TEST(StoreState, ItsRevisionIsTheNewestChangeOfTheStateNotOfNodeStatus) {
  StoreState s = state(kFleet);
  EXPECT_EQ(s.revision, 6);  // nodes/ at 90 is no part of the state
  EXPECT_EQ(s.seen, 100);
  EXPECT_FALSE(s.keys.count("nodes/n1"));

  EXPECT_FALSE(s.apply(kRoot, batch(101, {{false, kv("nodes/n2", "{}", 101)}})));  // status: no new state
  EXPECT_EQ(s.revision, 6);
  EXPECT_EQ(s.seen, 101);
  // A revoke: the binding goes, the marker carries the revision.
  EXPECT_TRUE(s.apply(kRoot, batch(102, {{true, kv("bindings/10.0.0.1", "", 102)}, {false, kv("changed", "revoke", 102)}})));
  EXPECT_EQ(s.revision, 102);
  EXPECT_FALSE(s.keys.count("bindings/10.0.0.1"));
  // A node that starts now reads the same state at the same revision.
  std::vector<KeyValue> after = kFleet;
  std::erase_if(after, [](const KeyValue& k) { return k.key == kRoot + "bindings/10.0.0.1"; });
  for (KeyValue& k : after) {
    if (k.key == kRoot + "changed") k = kv("changed", "revoke", 102);
  }
  StoreState restarted = state(after, 102);
  EXPECT_EQ(restarted.revision, s.revision);
  EXPECT_EQ(restarted.keys, s.keys);
}

TEST(FleetSources, AreTheStateBuiltAsOneGenerationWithTheStoresIds) {
  FleetSources f = fleet_sources(state(kFleet), kRoot);
  ASSERT_TRUE(f.errors.empty());
  EXPECT_EQ(f.identities.find("spiffe://t/web"), IdentityId{9});
  EXPECT_EQ(f.identities.find("spiffe://t/api"), IdentityId{4});
  EXPECT_EQ(f.identities.name(5), "unknown");  // below the highest id, never given: free
  ASSERT_EQ(f.sources.files.size(), 4u);
  EXPECT_EQ(f.sources.files[0].name, "etcd:/picket/t/rules/a.rules");
  EXPECT_EQ(f.sources.files.back().kind, SourceFile::Kind::kPolicy);

  // The same state prints the same; another binding, another print; the marker, none.
  EXPECT_EQ(fleet_sources(state(kFleet), kRoot).fingerprint, f.fingerprint);
  std::vector<KeyValue> moved = kFleet;
  moved[2].value = "spiffe://t/web 10.0.0.3\n";
  EXPECT_NE(fleet_sources(state(moved), kRoot).fingerprint, f.fingerprint);
  std::vector<KeyValue> marked = kFleet;
  marked[8].value = "something else";
  EXPECT_EQ(fleet_sources(state(marked), kRoot).fingerprint, f.fingerprint);
}

TEST(FleetSources, RefuseIdsThatAreNotOneNumberForOneName) {
  for (const char* bad : {"x", "1", "65536", "", "4"}) {  // "4" is api's already
    std::vector<KeyValue> kvs = kFleet;
    kvs[4].value = bad;
    FleetSources f = fleet_sources(state(kvs), kRoot);
    ASSERT_EQ(f.errors.size(), 1u) << bad;
    EXPECT_NE(f.errors[0].to_string().find("ids/spiffe://t/"), std::string::npos) << f.errors[0].to_string();
  }
}

TEST(FleetSources, ReadTheEngineSettingsAndNameABadLine) {
  std::vector<KeyValue> kvs = kFleet;
  kvs.push_back(kv("settings", "# fleet-wide\nmidstream = on\nmalformed = forward\n", 7));
  FleetSources f = fleet_sources(state(kvs), kRoot);
  ASSERT_TRUE(f.errors.empty());
  ASSERT_TRUE(f.settings);
  EngineConfig config;
  apply_settings(*f.settings, config);
  EXPECT_TRUE(config.flows.midstream);
  EXPECT_FALSE(config.drop_malformed);
  EXPECT_FALSE(settings_changed(*f.settings, config));
  EXPECT_NE(settings_changed(*f.settings, EngineConfig{}).value_or("").find("malformed = forward; this node has judged with drop"), std::string::npos);

  kvs.back().value = "midstream = on\nstream-depth = 5\nchecksums = maybe\n";
  f = fleet_sources(state(kvs), kRoot);
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].location.to_string(), "etcd:/picket/t/settings:2:1");
  EXPECT_EQ(f.errors[1].location.to_string(), "etcd:/picket/t/settings:3:1");
}

class StoreController : public ::testing::Test {
 protected:
  StoreController()
      : engine_("alert udp any any -> any any (content:\"x\"; sid:1;)\n"),
        controller_(rules::Variables::defaults(), false, {}, engine_.engine->generation()) {
    Sources none;
    none.files.push_back({SourceFile::Kind::kRules, "test.rules", "alert udp any any -> any any (content:\"x\"; sid:1;)\n"});
    controller_.follow_store(none);
  }

  ChangeResult apply(const std::vector<KeyValue>& kvs) {
    StoreState s = state(kvs);
    FleetSources f = fleet_sources(s, kRoot);
    EXPECT_TRUE(f.errors.empty());
    return controller_.apply_store(f.sources, f.identities, s.revision);
  }

  testing_support::EngineUnderTest engine_;
  Controller controller_;
};

TEST_F(StoreController, BuildsTheStatesTablesNumberedAsTheStoreSays) {
  ChangeResult r = apply(kFleet);
  ASSERT_TRUE(r.ok) << r.message;
  auto g = controller_.current();
  EXPECT_EQ(g->store_revision, 6);
  EXPECT_EQ(g->identities->registry().find("spiffe://t/web"), IdentityId{9});
  EngineConfig config;
  SoftwareEngine engine(config, g);
  EXPECT_EQ(g->identities->lookup(IpAddress::from_v4(0x0a000001), testing_support::kT0), 9);
  EXPECT_EQ(g->signatures->rules().size(), 1u);
  EXPECT_EQ(g->signatures->rules()[0].rule.sid, 7u);
}

TEST_F(StoreController, EveryRecordNamesTheStoreRevision) {
  ASSERT_TRUE(apply(kFleet).ok);
  EngineConfig config;
  SoftwareEngine engine(config, controller_.current());
  Packet p;
  p.bytes = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, 80).payload("evil").build();
  p.wire_length = static_cast<uint32_t>(p.bytes.size());
  p.timestamp_ns = testing_support::kT0;
  Verdict v;
  engine.process(p, v);
  ASSERT_TRUE(v.drop);
  RecordSource src;
  src.signatures = &engine.signatures();
  src.registry = &engine.identities().registry();
  src.policy = engine.policy();
  src.store_revision = controller_.current()->store_revision;
  std::string lines;
  append_records(src, p, v, lines);
  EXPECT_NE(lines.find("\"store_revision\":6"), std::string::npos) << lines;
  engine.end_all_flows();
  std::vector<EndedFlow> ended = engine.take_ended_flows();
  ASSERT_EQ(ended.size(), 1u);
  std::string flow;
  append_flow_record(src, ended[0], flow);
  EXPECT_NE(flow.find("\"store_revision\":6"), std::string::npos) << flow;
}

TEST_F(StoreController, KeepsTheCompiledRulesWhenOnlyBindingsChange) {
  ASSERT_TRUE(apply(kFleet).ok);
  auto before = controller_.current();
  std::vector<KeyValue> moved = kFleet;
  moved[2] = kv("bindings/10.0.0.1", "spiffe://t/api 10.0.0.1\n", 7);
  ASSERT_TRUE(apply(moved).ok);
  auto after = controller_.current();
  EXPECT_EQ(after->signatures, before->signatures);  // not compiled again
  EXPECT_EQ(after->identities->lookup(IpAddress::from_v4(0x0a000001), testing_support::kT0), 4);
  EXPECT_EQ(after->store_revision, 7);
  moved[0] = kv("rules/a.rules", "alert udp any any -> any any (content:\"y\"; sid:8;)\n", 8);
  ASSERT_TRUE(apply(moved).ok);
  EXPECT_NE(controller_.current()->signatures, before->signatures);
  EXPECT_EQ(controller_.current()->signatures->rules()[0].rule.sid, 8u);
}

TEST_F(StoreController, RefusesAStateThatDoesNotBuildAndChangesNothing) {
  ASSERT_TRUE(apply(kFleet).ok);
  auto before = controller_.current();
  std::vector<KeyValue> broken = kFleet;
  broken[0] = kv("rules/a.rules", "drop udp any any -> (sid:9;)\n", 7);
  ChangeResult r = apply(broken);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics[0].to_string().find("etcd:/picket/t/rules/a.rules:1:"), std::string::npos);
  EXPECT_EQ(controller_.current(), before);

  std::vector<KeyValue> unnumbered = kFleet;  // a name the store gave no id
  unnumbered[2] = kv("bindings/10.0.0.1", "spiffe://t/new 10.0.0.1\n", 7);
  r = apply(unnumbered);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(controller_.current(), before);
}

TEST_F(StoreController, RefusesCommandsToOneNode) {
  ChangeResult r = controller_.upsert({{"spiffe://t/web", "10.0.0.9", 0}}, testing_support::kT0);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("follows its fleet's store"), std::string::npos);
}

}  // namespace
}  // namespace picket::store
