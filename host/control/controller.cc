#include "control/controller.h"

#include "identity/spiffe_id.h"
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
    : variables_(std::move(variables)), strict_(strict), config_(std::move(config)), current_(std::move(first)),
      latest_(current_->number) {}

std::shared_ptr<const Generation> Controller::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::pair<std::shared_ptr<const Generation>, std::shared_ptr<const CompiledTables>> Controller::current_with_tables()
    const {
  std::lock_guard lock(mutex_);
  return {current_, tables_};
}

ChangeResult Controller::publish(std::shared_ptr<const Generation> next, std::optional<CompiledTables> tables) {
  std::shared_ptr<const CompiledTables> compiled;
  if (device_tables_) {
    std::string why;
    if (!tables) tables = compile_tables(*next->signatures, *next->identities, next->policy.get(), config_, why);
    if (!tables) return refused("the tables do not fit the device: " + why + "; nothing changed");
    // A rule set new with this generation is no one else's yet: the host's prefilter leaves
    // the hardware's literals to it. One carried over was handed over already.
    if (next->signatures != current()->signatures &&
        !next->signatures->hand_to_hardware(tables->plan.in_hardware, why)) {
      return refused(why);
    }
    compiled = std::make_shared<const CompiledTables>(std::move(*tables));
  }
  uint32_t number = next->number;
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
    tables_ = std::move(compiled);
  }
  latest_.store(number, std::memory_order_release);
  return done();
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
  std::string why;
  std::shared_ptr<SignatureSet> signatures = SignatureSet::compile(std::move(set.rules), identities.registry(), why);
  if (!signatures) {
    out.message = why;
    return out;
  }
  ChangeResult published = publish(Generation::make(now->number + 1, std::move(signatures), std::move(identities),
                                                   now->policy));
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
      errors.push_back(Diagnostic::error(where, "'" + c.prefix + "': " + why));
      continue;
    }
    std::optional<IdentityId> id;
    if (c.identity == "world") {
      id = kWorldIdentity;
    } else if (auto bad = check_spiffe_id(c.identity)) {
      errors.push_back(Diagnostic::error(where, "'" + c.identity + "' is not a SPIFFE ID: " + bad->message));
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
  return publish(Generation::make(now->number + 1, now->signatures, std::move(identities), now->policy));
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
      errors.push_back(Diagnostic::error(where, "'" + prefixes[i] + "': " + why));
    } else if (!identities.unbind(b->network, b->prefix_bits)) {
      errors.push_back(Diagnostic::error(where, "no binding for " + b->prefix_text()));
    }
  }
  if (!errors.empty()) return refused("nothing revoked", std::move(errors));
  return publish(Generation::make(now->number + 1, now->signatures, std::move(identities), now->policy));
}

ChangeResult Controller::replace_policy(const NamedText& text) {
  std::vector<Diagnostic> errors;
  std::optional<Policy> policy = parse_policy(text.text, text.name, errors);
  if (!policy) return refused("the policy in force stays", std::move(errors));
  const auto now = current();
  return publish(Generation::make(now->number + 1, now->signatures, *now->identities,
                                  std::make_shared<Policy>(std::move(*policy))));
}

ChangeResult Controller::load_image(const TableImage& image) {
  using Kind = SourceFile::Kind;
  auto count = [&](Kind kind) {
    return std::count_if(image.sources.begin(), image.sources.end(), [&](const SourceFile& f) { return f.kind == kind; });
  };
  if (count(Kind::kRules) == 0) {
    return refused("the image carries no rule files: compile it with picketc -o, which puts its sources in");
  }
  if (count(Kind::kPolicy) > 1) return refused("the image carries more than one policy");

  // The image's own variables, over the built-in defaults, as picketc compiled it.
  std::vector<Diagnostic> errors;
  rules::Variables variables = rules::Variables::defaults();
  for (const SourceFile& f : image.sources) {
    if (f.kind == Kind::kVariables) variables.parse(f.text, f.name, errors);
  }
  if (!errors.empty()) return refused("the image's variables do not parse: nothing changed", std::move(errors));
  rules::RuleLoader loader(variables, strict_);
  for (const SourceFile& f : image.sources) {
    if (f.kind == Kind::kRules) loader.add_text(f.text, f.name);
  }
  ChangeResult out;
  rules::RuleSet set = load_rule_texts(loader, out, " in the image: nothing changed");
  if (!set.ok()) return out;
  // Identity ids are numbered afresh, as picketc numbered them: the image's tables hold them.
  IdentityTable identities;
  std::shared_ptr<Policy> policy;
  for (const SourceFile& f : image.sources) {
    if (f.kind == Kind::kIdentities) {
      load_identities(f.text, f.name, identities, errors);
    } else if (f.kind == Kind::kPolicy) {
      std::optional<Policy> p = parse_policy(f.text, f.name, errors);
      if (p) policy = std::make_shared<Policy>(std::move(*p));
    }
  }
  if (!errors.empty()) {
    out.message = "the image's identities or policy do not load: nothing changed";
    out.diagnostics.insert(out.diagnostics.end(), errors.begin(), errors.end());
    return out;
  }
  std::string why;
  std::shared_ptr<SignatureSet> signatures = SignatureSet::compile(std::move(set.rules), identities.registry(), why);
  if (!signatures) {
    out.message = why;
    return out;
  }
  const auto now = current();
  auto next = Generation::make(now->number + 1, std::move(signatures), std::move(identities), std::move(policy));
  std::optional<CompiledTables> here =
      compile_tables(*next->signatures, *next->identities, next->policy.get(), config_, why);
  if (!here) {
    out.message = "the image's sources do not fit the tables: " + why;
    return out;
  }
  if (here->image.tables != image.tables || here->image.control != image.control) {
    out.message = "the image's tables are not what its sources compile to here (another picketc, or other "
                  "engine settings): nothing changed";
    return out;
  }
  ChangeResult published = publish(std::move(next), std::move(here));
  out.ok = published.ok;
  out.message = published.message;
  return out;
}

}  // namespace picket
