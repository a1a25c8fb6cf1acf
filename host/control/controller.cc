#include "control/controller.h"

#include <algorithm>

#include "identity/spiffe_id.h"
#include "plan/build.h"
#include "plan/settings.h"
#include "policy/policy.h"

namespace picket {

namespace {

// Longer than any credential should live; also keeps now + TTL far from overflowing.
constexpr uint64_t kMaxTtlMs = uint64_t{366} * 24 * 3600 * 1000;

ChangeResult refused(std::string message, std::vector<Diagnostic> diagnostics = {}) {
  ChangeResult r;
  r.message = std::move(message);
  r.diagnostics = std::move(diagnostics);
  return r;
}

// Parses and checks rule texts: the rule set, with `out` holding its report and diagnostics,
// and the reason in out.message when it has errors.
rules::RuleSet load_rule_texts(rules::RuleLoader& loader, ChangeResult& out, const char* errors_mean) {
  rules::RuleSet set = loader.finish();
  out.rules = set.report;
  out.diagnostics = std::move(set.diagnostics);
  if (!set.ok()) out.message = std::to_string(set.report.errors) + " rule error(s)" + errors_mean;
  return set;
}

// A build's report and, when it made no generation, why; `what` names where the sources came
// from ("the image", "the store").
ChangeResult build_report(Build& build, const std::string& what) {
  ChangeResult out;
  out.rules = build.rules;
  out.diagnostics = std::move(build.diagnostics);
  if (!build.generation) {
    out.message = build.rules.errors ? std::to_string(build.rules.errors) + " rule error(s) in " + what + ": nothing changed"
                                     : what + "'s sources do not build: nothing changed";
  }
  return out;
}

constexpr char kFollowsStore[] =
    "this node follows its fleet's store: write the change there (picketctl --store ...), and every node takes it";

ChangeResult done() {
  ChangeResult r;
  r.ok = true;
  return r;
}

// The ids of the SPIFFE IDs a policy's statements name exactly.
std::vector<IdentityId> named_by(const Policy* policy, const IdentityRegistry& registry) {
  std::vector<IdentityId> out;
  if (!policy) return out;
  for (const PolicyStatement& s : policy->statements) {
    for (const IdentitySelector* sel : {&s.from, &s.to}) {
      if (sel->kind != IdentitySelector::Kind::kExact) continue;
      if (auto id = registry.find(sel->id)) out.push_back(*id);
    }
  }
  return out;
}

// ... and a rule set's src_identity / dst_identity keywords.
std::vector<IdentityId> named_by(const SignatureSet& signatures, const IdentityRegistry& registry) {
  std::vector<IdentityId> out;
  for (const CompiledRule& r : signatures.rules()) {
    for (const IdentityMatcher* m : {&r.src_identity, &r.dst_identity}) {
      if (m->selector().kind != IdentitySelector::Kind::kExact) continue;
      if (auto id = registry.find(m->selector().id)) out.push_back(*id);
    }
  }
  return out;
}

int64_t longest_flow_timeout(const FlowConfig& f) {
  return std::max({f.tcp_new_timeout_ns, f.tcp_established_timeout_ns, f.tcp_closed_timeout_ns, f.new_timeout_ns,
                   f.established_timeout_ns});
}

}  // namespace

Controller::Controller(rules::Variables variables, bool strict, EngineConfig config,
                       std::shared_ptr<const Generation> first)
    : variables_(std::move(variables)), strict_(strict), config_(std::move(config)),
      device_(first->signature_tables != nullptr), current_(std::move(first)), latest_(current_->number),
      flow_lifetime_ns_(longest_flow_timeout(config_.flows)) {
  published_.push_back(current_);
}

std::shared_ptr<const Generation> Controller::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

ChangeResult Controller::publish(std::shared_ptr<const Generation> next) {
  uint32_t number = next->number;
  std::erase_if(published_, [](const std::weak_ptr<const Generation>& g) { return g.expired(); });
  published_.push_back(next);
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }
  latest_.store(number, std::memory_order_release);
  return done();
}

ChangeResult Controller::publish_next(IdentityTable identities, std::shared_ptr<const Policy> policy,
                                      std::vector<Retired> retiring, const std::vector<IdentityId>& reused) {
  const auto now = current();
  if (!reused.empty()) {  // shared matchers: no live generation has these ids bound
    if (policy) policy->reassign(reused, identities.registry());
    now->signatures->reassign_identities(reused, identities.registry());
  }
  std::string why;
  auto next = Generation::make(now->number + 1, now->signatures, std::move(identities), std::move(policy),
                               now->signature_tables, config_.drop_malformed, why);
  if (!next) {
    give_back(reused);
    return refused("the tables do not fit the device: " + why + "; nothing changed");
  }
  retired_.insert(retired_.end(), retiring.begin(), retiring.end());
  return publish(std::move(next));
}

void Controller::give_back(const std::vector<IdentityId>& reused) {
  for (IdentityId id : reused) retired_.push_front({id, 0, 0});  // never given after all: free at once
}

std::vector<Controller::Retired> Controller::retire_unreferenced(IdentityTable& identities,
                                                                const std::vector<IdentityId>& candidates,
                                                                const Policy* policy, const SignatureSet& signatures,
                                                                int64_t now_ns) {
  std::vector<Retired> out;
  const uint32_t next = current()->number + 1;
  for (IdentityId id : candidates) {
    if (id <= kWorldIdentity || identities.bindings_of(id) > 0) continue;
    const std::string name = identities.registry().name(id);
    if ((policy && policy->names(name)) || signatures.names_identity(name)) continue;
    if (identities.registry().release(id)) out.push_back({id, next, now_ns});
  }
  return out;
}

std::optional<IdentityId> Controller::take_reusable(int64_t now_ns) {
  uint32_t oldest = current()->number;
  for (const auto& weak : published_) {
    if (auto g = weak.lock()) oldest = std::min(oldest, g->number);
  }
  for (auto it = retired_.begin(); it != retired_.end(); ++it) {
    if (it->generation > oldest || now_ns - it->at_ns < flow_lifetime_ns_) continue;
    const IdentityId id = it->id;
    retired_.erase(it);
    return id;
  }
  return std::nullopt;
}

ChangeResult Controller::load_rules(const std::vector<NamedText>& files, int64_t now_ns) {
  if (follows_store_) return refused(kFollowsStore);
  if (files.empty()) return refused("no rule file given");
  rules::RuleLoader loader(variables_, strict_);
  for (const NamedText& f : files) loader.add_text(f.text, f.name);
  ChangeResult out;
  rules::RuleSet set = load_rule_texts(loader, out, ": the rule set in force stays");
  if (!set.ok()) return out;
  const auto now = current();
  IdentityTable identities = *now->identities;
  CompiledRules compiled = compile_rules(std::move(set.rules), identities.registry(), device_);
  if (!compiled.signatures) {
    out.message = compiled.error;
    return out;
  }
  std::vector<Retired> retiring = retire_unreferenced(identities, named_by(*now->signatures, identities.registry()),
                                                      now->policy.get(), *compiled.signatures, now_ns);
  std::string why;
  auto next = Generation::make(now->number + 1, std::move(compiled.signatures), std::move(identities), now->policy,
                               std::move(compiled.tables), config_.drop_malformed, why);
  if (!next) {
    out.message = "the tables do not fit the device: " + why + "; nothing changed";
    return out;
  }
  retired_.insert(retired_.end(), retiring.begin(), retiring.end());
  ChangeResult published = publish(std::move(next));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

ChangeResult Controller::upsert(const std::vector<BindingChange>& changes, int64_t now_ns) {
  if (follows_store_) return refused(kFollowsStore);
  if (changes.empty()) return refused("no binding given");
  const auto now = current();
  IdentityTable identities = *now->identities;
  std::vector<Diagnostic> errors;
  std::vector<IdentityId> replaced, reused;
  for (size_t i = 0; i < changes.size(); ++i) {
    const BindingChange& c = changes[i];
    SourceLocation where{"binding " + std::to_string(i + 1), 0, 0};
    std::string why;
    std::optional<Binding> b = parse_prefix(c.prefix, why);
    if (!b) {
      errors.push_back(Diagnostic::error(where, quote(c.prefix) + ": " + why));
      continue;
    }
    std::optional<IdentityId> id;
    if (c.identity == "world") {
      id = kWorldIdentity;
    } else if (auto bad = check_spiffe_id(c.identity)) {
      errors.push_back(Diagnostic::error(where, quote(c.identity) + " is not a SPIFFE ID: " + bad->message));
      continue;
    } else if (!(id = identities.registry().intern(c.identity))) {
      // Every id has been given out: one freed long enough ago is given again.
      if (std::optional<IdentityId> again = take_reusable(now_ns); again && identities.registry().reuse(*again, c.identity)) {
        id = again;
        reused.push_back(*again);
      } else {
        errors.push_back(Diagnostic::error(
            where, "all " + std::to_string(kMaxIdentities) + " identity ids are in use" +
                       (retired_.empty() ? std::string()
                                         : " (" + std::to_string(retired_.size()) +
                                               " freed ones are given again once no generation or flow can hold them: "
                                               "the longest flow timeout after they were freed)")));
        continue;
      }
    }
    if (c.ttl_ms > kMaxTtlMs) {
      errors.push_back(Diagnostic::error(where, "a TTL is at most 366 days"));
      continue;
    }
    b->identity = *id;
    b->not_after_ns = c.ttl_ms ? now_ns + static_cast<int64_t>(c.ttl_ms) * 1'000'000 : kNever;
    if (const Binding* old = identities.binding(b->network, b->prefix_bits)) replaced.push_back(old->identity);
    identities.bind(*b);
  }
  if (!errors.empty()) {
    give_back(reused);
    return refused("bad binding(s): nothing changed", std::move(errors));
  }
  std::vector<Retired> retiring = retire_unreferenced(identities, replaced, now->policy.get(), *now->signatures, now_ns);
  return publish_next(std::move(identities), now->policy, std::move(retiring), reused);
}

ChangeResult Controller::revoke(const std::vector<std::string>& prefixes, int64_t now_ns) {
  if (follows_store_) return refused(kFollowsStore);
  if (prefixes.empty()) return refused("no prefix given");
  const auto now = current();
  IdentityTable identities = *now->identities;
  std::vector<Diagnostic> errors;
  std::vector<IdentityId> removed;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    SourceLocation where{"prefix " + std::to_string(i + 1), 0, 0};
    std::string why;
    std::optional<Binding> b = parse_prefix(prefixes[i], why);
    if (!b) {
      errors.push_back(Diagnostic::error(where, quote(prefixes[i]) + ": " + why));
      continue;
    }
    const Binding* old = identities.binding(b->network, b->prefix_bits);
    if (!old) {
      errors.push_back(Diagnostic::error(where, "no binding for " + b->prefix_text()));
      continue;
    }
    removed.push_back(old->identity);
    identities.unbind(b->network, b->prefix_bits);
  }
  if (!errors.empty()) return refused("nothing revoked", std::move(errors));
  std::vector<Retired> retiring = retire_unreferenced(identities, removed, now->policy.get(), *now->signatures, now_ns);
  return publish_next(std::move(identities), now->policy, std::move(retiring));
}

ChangeResult Controller::replace_policy(const NamedText& text, int64_t now_ns) {
  if (follows_store_) return refused(kFollowsStore);
  std::vector<Diagnostic> errors;
  std::optional<Policy> policy = parse_policy(text.text, text.name, errors);
  if (!policy) return refused("the policy in force stays", std::move(errors));
  const auto now = current();
  IdentityTable identities = *now->identities;
  auto next = std::make_shared<Policy>(std::move(*policy));
  next->resolve(identities.registry());  // interns what it names, before the old names are weighed
  std::vector<Retired> retiring = retire_unreferenced(identities, named_by(now->policy.get(), identities.registry()),
                                                      next.get(), *now->signatures, now_ns);
  return publish_next(std::move(identities), std::move(next), std::move(retiring));
}

ChangeResult Controller::load_image(const TableImage& image) {
  if (follows_store_) return refused(kFollowsStore);
  using Kind = SourceFile::Kind;
  Sources sources{image.sources};
  if (sources.count(Kind::kRules) == 0) {
    return refused("the image carries no rule files: compile it with picketc -o, which puts its sources in");
  }
  if (sources.count(Kind::kPolicy) > 1) return refused("the image carries more than one policy");
  if (auto differ = settings_differ(image.settings, engine_settings(config_))) {
    return refused(*differ + ": nothing changed");
  }

  // The image's sources, over the built-in variables (not the daemon's), as picketc built
  // them; identity ids are allocated afresh, as picketc allocated them: its tables hold them.
  BuildOptions options;
  options.strict = strict_;
  options.device = true;  // to compare the tables
  options.number = current()->number + 1;
  Build build = build_generation(sources, config_, options);
  ChangeResult out = build_report(build, "the image");
  if (!build.generation) return out;
  const TableImage& here = build.generation->device->image;
  if (here.tables != image.tables || here.control != image.control) {
    out.message = "the image's tables are not what its sources compile to here (another picketc?): nothing changed";
    return out;
  }
  if (!device_) {  // the software engine alone: no hardware split of the host's literals
    options.device = false;
    build = build_generation(sources, config_, options);
    if (!build.generation) {
      out.message = "the image's sources do not build: nothing changed";
      return out;
    }
  }
  retired_.clear();  // the ids are numbered afresh: none of the old ones is waiting
  ChangeResult published = publish(std::move(build.generation));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

namespace {

// What a rule set is compiled from.
std::vector<SourceFile> rule_sources(const Sources& sources) {
  std::vector<SourceFile> out;
  for (const SourceFile& f : sources.files) {
    if (f.kind == SourceFile::Kind::kRules || f.kind == SourceFile::Kind::kVariables) out.push_back(f);
  }
  return out;
}

}  // namespace

void Controller::follow_store(const Sources& built_from) {
  follows_store_ = true;
  store_rules_ = rule_sources(built_from);
}

ChangeResult Controller::apply_store(const Sources& sources, const IdentityRegistry& ids, int64_t revision) {
  using Kind = SourceFile::Kind;
  const auto now = current();
  std::vector<SourceFile> rules = rule_sources(sources);
  // The rules compiled for the generation in force still serve when their texts are the same
  // and every id they may hold names the same identity in the store's numbering.
  bool same_ids = true;
  const IdentityRegistry& held = now->identities->registry();
  for (size_t id = kWorldIdentity + 1; id < held.size() && same_ids; ++id) {
    const std::string& name = held.name(static_cast<IdentityId>(id));
    if (name != "unknown") same_ids = ids.find(name) == id;
  }
  const bool same_rules = follows_store_ && now->store_revision != 0 && rules == store_rules_ && same_ids;

  BuildOptions options;
  options.strict = strict_;
  options.device = device_;
  options.number = now->number + 1;
  options.identities = &ids;
  Sources parts;  // with the same rules: the bindings and policy alone, checked as a build checks them
  if (same_rules) {
    for (const SourceFile& f : sources.files) {
      if (f.kind == Kind::kIdentities || f.kind == Kind::kPolicy) parts.files.push_back(f);
    }
    parts.files.push_back({Kind::kRules, "", ""});
  }
  Build build = build_generation(same_rules ? parts : sources, config_, options);
  ChangeResult out = build_report(build, "the store");
  if (!build.generation) return out;
  std::shared_ptr<Generation> next;
  if (same_rules) {
    std::string why;
    auto made = Generation::make(options.number, now->signatures, *build.generation->identities, build.generation->policy,
                                 now->signature_tables, config_.drop_malformed, why);
    if (!made) {
      out.message = "the tables do not fit the device: " + why + "; nothing changed";
      return out;
    }
    next = std::make_shared<Generation>(*made);
  } else {
    next = std::make_shared<Generation>(*build.generation);
  }
  next->store_revision = revision;
  store_rules_ = std::move(rules);
  retired_.clear();  // the store numbers identities: none of the controller's own is waiting
  ChangeResult published = publish(std::move(next));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

}  // namespace picket
