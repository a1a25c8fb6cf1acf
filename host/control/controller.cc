#include "control/controller.h"

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

ChangeResult done() {
  ChangeResult r;
  r.ok = true;
  return r;
}

}  // namespace

Controller::Controller(rules::Variables variables, bool strict, EngineConfig config,
                       std::shared_ptr<const Generation> first)
    : variables_(std::move(variables)), strict_(strict), config_(std::move(config)),
      device_(first->signature_tables != nullptr), current_(std::move(first)), latest_(current_->number) {}

std::shared_ptr<const Generation> Controller::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

ChangeResult Controller::publish(std::shared_ptr<const Generation> next) {
  uint32_t number = next->number;
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }
  latest_.store(number, std::memory_order_release);
  return done();
}

ChangeResult Controller::publish_next(IdentityTable identities, std::shared_ptr<const Policy> policy) {
  const auto now = current();
  std::string why;
  auto next = Generation::make(now->number + 1, now->signatures, std::move(identities), std::move(policy),
                               now->signature_tables, config_.drop_malformed, why);
  if (!next) return refused("the tables do not fit the device: " + why + "; nothing changed");
  return publish(std::move(next));
}

ChangeResult Controller::load_rules(const std::vector<NamedText>& files) {
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
  std::string why;
  auto next = Generation::make(now->number + 1, std::move(compiled.signatures), std::move(identities), now->policy,
                               std::move(compiled.tables), config_.drop_malformed, why);
  if (!next) {
    out.message = "the tables do not fit the device: " + why + "; nothing changed";
    return out;
  }
  ChangeResult published = publish(std::move(next));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

ChangeResult Controller::upsert(const std::vector<BindingChange>& changes, int64_t now_ns) {
  if (changes.empty()) return refused("no binding given");
  const auto now = current();
  IdentityTable identities = *now->identities;
  std::vector<Diagnostic> errors;
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
      errors.push_back(Diagnostic::error(where, "all " + std::to_string(kMaxIdentities) + " identity ids are taken"));
      continue;
    }
    if (c.ttl_ms > kMaxTtlMs) {
      errors.push_back(Diagnostic::error(where, "a TTL is at most 366 days"));
      continue;
    }
    b->identity = *id;
    b->not_after_ns = c.ttl_ms ? now_ns + static_cast<int64_t>(c.ttl_ms) * 1'000'000 : kNever;
    identities.bind(*b);
  }
  if (!errors.empty()) return refused("bad binding(s): nothing changed", std::move(errors));
  return publish_next(std::move(identities), now->policy);
}

ChangeResult Controller::revoke(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return refused("no prefix given");
  const auto now = current();
  IdentityTable identities = *now->identities;
  std::vector<Diagnostic> errors;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    SourceLocation where{"prefix " + std::to_string(i + 1), 0, 0};
    std::string why;
    std::optional<Binding> b = parse_prefix(prefixes[i], why);
    if (!b) {
      errors.push_back(Diagnostic::error(where, quote(prefixes[i]) + ": " + why));
    } else if (!identities.unbind(b->network, b->prefix_bits)) {
      errors.push_back(Diagnostic::error(where, "no binding for " + b->prefix_text()));
    }
  }
  if (!errors.empty()) return refused("nothing revoked", std::move(errors));
  return publish_next(std::move(identities), now->policy);
}

ChangeResult Controller::replace_policy(const NamedText& text) {
  std::vector<Diagnostic> errors;
  std::optional<Policy> policy = parse_policy(text.text, text.name, errors);
  if (!policy) return refused("the policy in force stays", std::move(errors));
  return publish_next(*current()->identities, std::make_shared<Policy>(std::move(*policy)));
}

ChangeResult Controller::load_image(const TableImage& image) {
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
  ChangeResult out;
  out.rules = build.rules;
  out.diagnostics = std::move(build.diagnostics);
  if (!build.generation) {
    out.message = build.rules.errors ? std::to_string(build.rules.errors) + " rule error(s) in the image: nothing changed"
                                     : "the image's sources do not build: nothing changed";
    return out;
  }
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
  ChangeResult published = publish(std::move(build.generation));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

}  // namespace picket
