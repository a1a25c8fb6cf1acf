// The control API's commands, through the handler's bytes-in, bytes-out interface, and what
// they change in an engine's verdicts once it takes up the new generation. (The sockets, the
// daemon and picketctl are tested end to end in tests/e2e/control_test.py.)
#include <gtest/gtest.h>

#include "control/control.pb.h"
#include "control/control_handler.h"
#include "control/controller.h"
#include "plan/table_compiler.h"
#include "engine_fixture.h"
#include "testing/packet_builder.h"

namespace picket {
namespace {

using testing_support::EngineUnderTest;
using testing_support::kSecond;
using testing_support::kT0;

constexpr const char* kRules = R"(
alert udp any any -> any any (msg:"to payments"; content:"pay"; dst_identity:"spiffe://t/payments/*"; sid:9;)
drop udp any any -> any any (msg:"evil"; content:"evil"; sid:7;)
)";
constexpr const char* kIdentities = "spiffe://t/api 10.0.0.2\n";
constexpr const char* kPolicy = R"(
allow spiffe://t/web -> spiffe://t/api udp/80
allow any -> spiffe://t/payments/* udp
)";

// The daemon's side of health and counters: what a test can check came through.
class FixedStatus : public DaemonStatus {
 public:
  void counters(control::Counters& out) override { out.set_received(1234); }
  void health(control::Health& out) override {
    out.set_state("running");
    out.set_engine("sw");
  }
};

class Control : public ::testing::Test {
 protected:
  Control()
      : engine_(kRules, kIdentities, kPolicy),
        controller_(rules::Variables::defaults(), false, {}, engine_.engine->generation()),
        handler_(controller_, status_, [this] { return now_; }) {}

  control::Reply send(const control::Request& request) { return send_bytes(request.SerializeAsString()); }
  control::Reply send_bytes(const std::string& bytes) {
    control::Reply reply;
    EXPECT_TRUE(reply.ParseFromString(handler_.handle(bytes)));
    EXPECT_EQ(reply.version(), kControlVersion);
    return reply;
  }
  static control::Request request() {
    control::Request r;
    r.set_version(kControlVersion);
    return r;
  }
  control::Reply upsert(const std::string& identity, const std::string& prefix, uint64_t ttl_ms = 0) {
    control::Request r = request();
    auto* b = r.mutable_upsert()->add_bindings();
    b->set_identity(identity);
    b->set_prefix(prefix);
    b->set_ttl_ms(ttl_ms);
    return send(r);
  }
  // The engine takes up the controller's generation, as a worker does between bursts.
  void catch_up() { engine_.engine->adopt(controller_.current()); }
  static std::vector<uint8_t> udp(const char* src, const char* dst, uint16_t port, std::string_view payload) {
    return PacketBuilder().ipv4(src, dst).udp(40000, port).payload(payload).build();
  }

  EngineUnderTest engine_;
  Controller controller_;
  FixedStatus status_;
  int64_t now_ = kT0;
  ControlHandler handler_;
};

TEST_F(Control, AnUpsertChangesTheVerdictsOfAnExistingFlow) {
  auto frame = udp("10.0.0.1", "10.0.0.2", 80, "hello");
  Verdict before = engine_.run(frame, 1);
  EXPECT_TRUE(before.drop);  // unknown -> api: no statement allows it
  EXPECT_EQ(before.reason, DropReason::kPolicy);
  EXPECT_EQ(engine_.identity(before.src_id), "unknown");

  control::Reply reply = upsert("spiffe://t/web", "10.0.0.1");
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(reply.generation(), 2u);
  EXPECT_EQ(reply.changed().bindings(), 2u);
  catch_up();
  Verdict after = engine_.run(frame, 2);  // the same flow's next packet
  EXPECT_FALSE(after.drop);
  EXPECT_EQ(engine_.identity(after.src_id), "spiffe://t/web");
  EXPECT_EQ(after.flow_id, before.flow_id);
}

TEST_F(Control, ABindingLapsesWhenItsTtlPassesWithNoFurtherCommand) {
  now_ = kT0 + 10 * kSecond;
  ASSERT_TRUE(upsert("spiffe://t/web", "10.0.0.0/24", 1500).ok());
  catch_up();
  auto frame = udp("10.0.0.1", "10.0.0.2", 80, "hello");
  EXPECT_FALSE(engine_.run(frame, 11).drop);  // 1 s after the upsert
  Verdict lapsed = engine_.run(frame, 11.6);   // 1.6 s after
  EXPECT_TRUE(lapsed.drop);
  EXPECT_EQ(engine_.identity(lapsed.src_id), "unknown");
  EXPECT_EQ(controller_.latest(), 2u);  // nothing else was published
}

TEST_F(Control, ARevokeTakesEffect) {
  ASSERT_TRUE(upsert("spiffe://t/web", "10.0.0.1").ok());
  catch_up();
  auto frame = udp("10.0.0.1", "10.0.0.2", 80, "hello");
  EXPECT_FALSE(engine_.run(frame, 1).drop);
  control::Request r = request();
  r.mutable_revoke()->add_prefixes("10.0.0.1");
  control::Reply reply = send(r);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(reply.generation(), 3u);
  catch_up();
  EXPECT_TRUE(engine_.run(frame, 2).drop);
}

// 16-bit ids run out when a fleet churns through 65,534 SPIFFE IDs. A revoked identity's id
// is given again only when that cannot mislabel anything: no generation that had it bound is
// alive, and the longest flow timeout has passed. The id given again carries nothing of the
// old identity: here the old one was under spiffe://t/payments/*, which the policy lets
// anyone reach and rule 9 alerts on; the new one is not, and is judged so.
TEST_F(Control, AFreedIdentityIdIsGivenAgainOnlyWhenNothingCanStillHoldIt) {
  auto address = [](uint32_t i) {
    return "11." + std::to_string(i >> 16) + "." + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
  };
  std::vector<BindingChange> fleet;
  for (uint32_t i = 0; controller_.current()->identities->registry().size() + fleet.size() < kMaxIdentities; ++i) {
    fleet.push_back({"spiffe://t/payments/pod-" + std::to_string(i), address(i), 0});
  }
  ASSERT_TRUE(controller_.upsert(fleet, kT0).ok);
  catch_up();
  const IdentityId pod5 = *controller_.current()->identities->registry().find("spiffe://t/payments/pod-5");
  auto to_pod5 = [&](uint16_t sport) {
    return PacketBuilder().ipv4("10.0.0.2", address(5).c_str()).udp(sport, 80).payload("pay").build();
  };
  Verdict paid = engine_.run(to_pod5(1000), 1);
  EXPECT_FALSE(paid.drop);
  EXPECT_EQ(engine_.sids(paid), std::vector<uint32_t>{9});

  const ChangeResult full = controller_.upsert({{"spiffe://t/late", "12.0.0.1", 0}}, kT0);
  ASSERT_FALSE(full.ok);
  EXPECT_NE(full.diagnostics.at(0).message.find("identity ids are in use"), std::string::npos);

  std::shared_ptr<const Generation> held = controller_.current();  // an engine still on it
  ASSERT_TRUE(controller_.revoke({address(5)}, kT0).ok);
  catch_up();
  EXPECT_EQ(controller_.current()->identities->registry().name(pod5), "unknown") << "freed";
  EXPECT_EQ(controller_.current()->identities->registry().in_use(), kMaxIdentities - 1);
  const int64_t later = kT0 + 601 * kSecond;  // past the longest flow timeout (600 s)
  const ChangeResult soon = controller_.upsert({{"spiffe://t/late", address(5), 0}}, kT0 + kSecond);
  ASSERT_FALSE(soon.ok) << "given again before the flows that saw it could time out";
  EXPECT_NE(soon.diagnostics.at(0).message.find("1 freed ones are given again"), std::string::npos);
  EXPECT_FALSE(controller_.upsert({{"spiffe://t/late", address(5), 0}}, later).ok)
      << "given again while a generation that had it bound is alive";
  held.reset();
  ASSERT_TRUE(controller_.upsert({{"spiffe://t/late", address(5), 0}}, later).ok);
  EXPECT_EQ(*controller_.current()->identities->registry().find("spiffe://t/late"), pod5);
  EXPECT_FALSE(controller_.current()->identities->registry().find("spiffe://t/payments/pod-5"));

  catch_up();
  Verdict late = engine_.run(to_pod5(1001), 2);
  EXPECT_EQ(engine_.identity(late.dst_id), "spiffe://t/late");
  EXPECT_TRUE(late.drop) << "the policy's spiffe://t/payments/* no longer matches the id";
  EXPECT_EQ(late.reason, DropReason::kPolicy);
  EXPECT_TRUE(engine_.sids(late).empty()) << "nor does rule 9's";
}

TEST_F(Control, ANewIdentityIsMatchedByRulesCompiledBeforeIt) {
  // An engine that stays on generation 1 while the other takes up generation 2.
  SoftwareEngine old_engine({}, controller_.current());
  ASSERT_TRUE(upsert("spiffe://t/payments/eu", "10.0.0.9").ok());
  catch_up();
  auto frame = udp("10.0.0.1", "10.0.0.9", 53, "pay now");
  Verdict v = engine_.run(frame, 1);
  EXPECT_EQ(engine_.sids(v), std::vector<uint32_t>{9});
  EXPECT_FALSE(v.drop);  // the policy's prefix selector allows it, too

  Packet p;
  p.bytes = frame;
  p.wire_length = static_cast<uint32_t>(frame.size());
  p.timestamp_ns = kT0;
  Verdict old;
  old_engine.process(p, old);
  EXPECT_EQ(old.dst_id, kUnknownIdentity);  // generation 1 has no such binding
  EXPECT_TRUE(old.alerts.empty());
}

TEST_F(Control, ARuleSetSwapKeepsBlockedFlowsBlockedOnlyByRulesThatStay) {
  ASSERT_TRUE(upsert("spiffe://t/payments/eu", "10.0.0.9").ok());
  catch_up();
  auto evil = udp("10.0.0.1", "10.0.0.9", 53, "evil");
  auto later = udp("10.0.0.1", "10.0.0.9", 53, "fine");
  EXPECT_TRUE(engine_.run(evil, 1).drop);
  EXPECT_TRUE(engine_.run(later, 2).flow_was_blocked);

  control::Request keep = request();
  auto* f = keep.mutable_load_rules()->add_files();
  f->set_name("new.rules");
  f->set_content("drop udp any any -> any any (msg:\"evil\"; content:\"evil\"; sid:7;)\n"
                 "drop udp any any -> any any (msg:\"fine is bad now\"; content:\"fine\"; sid:20;)\n");
  control::Reply reply = send(keep);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(reply.changed().rules(), 2u);
  catch_up();
  Verdict still = engine_.run(later, 3);
  EXPECT_TRUE(still.flow_was_blocked);
  EXPECT_EQ(engine_.sids(still), std::vector<uint32_t>{7});
  Verdict fresh = engine_.run(udp("10.0.0.5", "10.0.0.9", 53, "fine"), 3);
  EXPECT_EQ(engine_.sids(fresh), std::vector<uint32_t>{20});

  control::Request drop7 = request();
  f = drop7.mutable_load_rules()->add_files();
  f->set_name("newer.rules");
  f->set_content("alert udp any any -> any any (msg:\"pay\"; content:\"pay\"; sid:30;)\n");
  ASSERT_TRUE(send(drop7).ok());
  catch_up();
  Verdict freed = engine_.run(later, 4);  // sid 7 is gone: its flow is let go
  EXPECT_FALSE(freed.drop);
}

TEST_F(Control, BadRequestsGetAnErrorReplyAndChangeNothing) {
  const auto before = controller_.current();
  control::Request wrong_version = request();
  wrong_version.set_version(kControlVersion + 1);
  wrong_version.mutable_health();
  control::Request no_command = request();
  control::Request bad_binding = request();
  auto* good = bad_binding.mutable_upsert()->add_bindings();
  good->set_identity("spiffe://t/web");
  good->set_prefix("10.0.0.1");
  auto* bad = bad_binding.mutable_upsert()->add_bindings();
  bad->set_identity("spiffe://t/web");
  bad->set_prefix("10.0.0.1/33");
  control::Request bad_identity = request();
  auto* b = bad_identity.mutable_upsert()->add_bindings();
  b->set_identity("spiffe://T/Upper");
  b->set_prefix("10.0.0.1");
  control::Request bad_rules = request();
  auto* r = bad_rules.mutable_load_rules()->add_files();
  r->set_name("broken.rules");
  r->set_content("alert udp any any -> any any (msg:\"ok\"; sid:1;)\nalert udp any any -> (sid:2;)\n");
  control::Request bad_policy = request();
  auto* p = bad_policy.mutable_replace_policy()->mutable_policy();
  p->set_name("broken.policy");
  p->set_content("allow spiffe://t/web -> nowhere tcp/80\n");
  control::Request not_utf8 = request();  // a diagnostic quoting it must still be a valid reply
  r = not_utf8.mutable_load_rules()->add_files();
  r->set_name("latin1.rules");
  r->set_content("aler\xb2 udp any any -> any any (sid:3;)\n");
  control::Request missing_revoke = request();
  missing_revoke.mutable_revoke()->add_prefixes("10.0.0.2");
  missing_revoke.mutable_revoke()->add_prefixes("10.7.0.0/16");

  struct Case {
    const char* what;
    std::string bytes;
    control::Error::Code code;
    const char* words;  // in the message or a diagnostic
  };
  const std::vector<Case> cases = {
      {"garbage", std::string("\x08\x01\x12\xff\xff", 5), control::Error::BAD_MESSAGE, "not a picket.control.Request"},
      {"wrong version", wrong_version.SerializeAsString(), control::Error::BAD_VERSION, "speaks version 1"},
      {"oversized", std::string(kMaxRequestBytes + 1, '\0'), control::Error::BAD_MESSAGE, "at most"},
      {"no command", no_command.SerializeAsString(), control::Error::UNKNOWN_COMMAND, "no command"},
      {"bad prefix", bad_binding.SerializeAsString(), control::Error::INVALID, "binding 2"},
      {"bad identity", bad_identity.SerializeAsString(), control::Error::INVALID, "not a SPIFFE ID"},
      {"bad rules", bad_rules.SerializeAsString(), control::Error::INVALID, "broken.rules:2:"},
      {"bad policy", bad_policy.SerializeAsString(), control::Error::INVALID, "broken.policy:1:"},
      {"rules not in UTF-8", not_utf8.SerializeAsString(), control::Error::INVALID, "aler\\xb2"},
      {"revoke of a missing binding", missing_revoke.SerializeAsString(), control::Error::INVALID, "no binding for 10.7.0.0/16"},
  };
  for (const Case& c : cases) {
    control::Reply reply = send_bytes(c.bytes);
    EXPECT_FALSE(reply.ok()) << c.what;
    EXPECT_EQ(reply.error().code(), c.code) << c.what << ": " << reply.error().message();
    std::string said = reply.error().message();
    for (const auto& d : reply.error().diagnostics()) said += "\n" + d;
    EXPECT_NE(said.find(c.words), std::string::npos) << c.what << ": " << said;
    EXPECT_EQ(reply.generation(), 1u) << c.what;
  }
  EXPECT_EQ(controller_.current(), before);  // the same generation, not an equal one
  EXPECT_EQ(controller_.current()->identities->size(), 1u);
  EXPECT_EQ(handler_.refused(), cases.size());
  // And the daemon still answers.
  control::Request health = request();
  health.mutable_health();
  control::Reply h = send(health);
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(h.health().generation(), 1u);
  EXPECT_EQ(h.health().rules(), 2u);
  EXPECT_EQ(h.health().policy(), "enforce");
}

// A table image as picketc -o makes one: the tables its sources compile to, and the sources.
TableImage image_of(std::string_view rules, std::string_view identities, std::string_view policy) {
  EngineUnderTest compiled(rules, identities, policy, {}, true);
  TableImage image = compiled.engine->generation()->device->image;
  image.sources = {{SourceFile::Kind::kRules, "image.rules", std::string(rules)},
                   {SourceFile::Kind::kIdentities, "image.identities", std::string(identities)},
                   {SourceFile::Kind::kPolicy, "image.policy", std::string(policy)}};
  return image;
}

constexpr const char* kImageRules = "drop udp any any -> any any (msg:\"worse\"; content:\"worse\"; sid:40;)\n";
constexpr const char* kImageIdentities = "spiffe://t/web 10.0.0.1\nspiffe://t/api 10.0.0.2\n";

control::Request load_image_request(const TableImage& image) {
  control::Request r;
  r.set_version(kControlVersion);
  r.mutable_load_image()->set_name("test.image");
  r.mutable_load_image()->set_image(serialize_table_image(image));
  return r;
}

TEST_F(Control, ATableImageReplacesRulesBindingsAndPolicyAtOnce) {
  auto evil = udp("10.0.0.1", "10.0.0.2", 80, "evil");
  Verdict before = engine_.run(evil, 1);
  EXPECT_TRUE(before.drop);  // unknown -> api: the policy allows no such path

  control::Reply reply = send(load_image_request(image_of(kImageRules, kImageIdentities, kPolicy)));
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(reply.generation(), 2u);
  EXPECT_EQ(reply.changed().rules(), 1u);
  EXPECT_EQ(reply.changed().bindings(), 2u);
  catch_up();
  Verdict after = engine_.run(evil, 2);  // web -> api udp/80 is allowed, and sid 7 is gone
  EXPECT_FALSE(after.drop);
  EXPECT_EQ(engine_.identity(after.src_id), "spiffe://t/web");
  Verdict worse = engine_.run(udp("10.0.0.1", "10.0.0.2", 80, "worse"), 3);
  EXPECT_EQ(engine_.sids(worse), std::vector<uint32_t>{40});
}

TEST_F(Control, ATableImageThatIsDamagedOrDisagreesWithItsSourcesChangesNothing) {
  const auto first = controller_.current();
  TableImage good = image_of(kImageRules, kImageIdentities, kPolicy);
  std::string bytes = serialize_table_image(good);

  TableImage bare = good;  // compiled by a picketc that left its sources out
  bare.sources.clear();
  TableImage other_sources = good;  // its tables, another identity file's words
  other_sources.sources[1].text = "spiffe://t/web 10.0.0.7\n";
  TableImage bad_rule = good;
  bad_rule.sources[0].text = "drop udp any any -> any any (content:\"x\"; sid:41;\n";
  TableImage other_settings = good;  // compiled with picketc --malformed forward
  other_settings.settings["malformed"] = "forward";
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x20;

  struct Case {
    const char* what;
    std::string image;
    const char* words;  // in the error message
  };
  const Case cases[] = {
      {"no sources", serialize_table_image(bare), "carries no rule files"},
      {"sources that compile to other tables", serialize_table_image(other_sources), "not what its sources compile"},
      {"a rule error", serialize_table_image(bad_rule), "rule error"},
      {"other engine settings", serialize_table_image(other_settings), "compiled with --malformed forward"},
      {"a damaged file", flipped, "test.image: "},
      {"not an image", "plain text", "test.image: not a table image"},
  };
  for (const Case& c : cases) {
    control::Request r = request();
    r.mutable_load_image()->set_name("test.image");
    r.mutable_load_image()->set_image(c.image);
    control::Reply reply = send(r);
    EXPECT_FALSE(reply.ok()) << c.what;
    EXPECT_EQ(reply.error().code(), control::Error::INVALID) << c.what;
    EXPECT_NE(reply.error().message().find(c.words), std::string::npos) << c.what << ": " << reply.error().message();
    EXPECT_EQ(reply.generation(), 1u) << c.what;
    EXPECT_EQ(controller_.current(), first) << c.what;
  }
  EXPECT_TRUE(send(load_image_request(good)).ok());  // the same image, whole, loads
}

TEST_F(Control, CountersAndHealthComeFromTheDaemon) {
  control::Request c = request();
  c.mutable_counters();
  control::Reply reply = send(c);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.counters().received(), 1234u);
  control::Request h = request();
  h.mutable_health();
  reply = send(h);
  EXPECT_EQ(reply.health().engine(), "sw");
  EXPECT_EQ(reply.health().bindings(), 1u);
}

}  // namespace
}  // namespace picket
