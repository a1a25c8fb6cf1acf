#include "plan/build.h"

#include <algorithm>
#include <chrono>

namespace picket {
namespace {

void add_exact(const IdentitySelector& selector, std::vector<std::string>& names) {
  if (selector.kind == IdentitySelector::Kind::kExact) names.push_back(selector.id);
}

// Every SPIFFE ID the sources name, for the allocation.
std::vector<std::string> named_identities(const IdentityTable& bindings, const Policy* policy,
                                          const std::vector<rules::Rule>& rules) {
  std::vector<std::string> names = bindings.bound_identities();
  if (policy) {
    for (const PolicyStatement& s : policy->statements) {
      add_exact(s.from, names);
      add_exact(s.to, names);
    }
  }
  for (const rules::Rule& r : rules) {
    if (r.src_identity) add_exact(*r.src_identity, names);
    if (r.dst_identity) add_exact(*r.dst_identity, names);
  }
  return names;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

}  // namespace

CompiledRules compile_rules(std::vector<rules::Rule> rules, IdentityRegistry& registry, bool device) {
  CompiledRules out;
  for (const rules::Rule& r : rules) {
    for (const auto* sel : {&r.src_identity, &r.dst_identity}) {
      if (*sel && (*sel)->kind == IdentitySelector::Kind::kExact && !registry.intern((*sel)->id)) {
        out.error = r.location.to_string() + ": all " + std::to_string(kMaxIdentities) + " identity ids are taken";
        return out;
      }
    }
  }
  std::vector<bool> in_hardware;
  if (device) {
    auto tables = std::make_shared<SignatureTables>(compile_signature_tables(rules));
    in_hardware = tables->plan.in_hardware;
    out.tables = std::move(tables);
  }
  out.signatures = SignatureSet::compile(std::move(rules), registry, in_hardware, out.error);
  if (!out.signatures) out.tables = nullptr;
  return out;
}

Build build_generation(const Sources& sources, const EngineConfig& settings, const BuildOptions& options) {
  using Kind = SourceFile::Kind;
  Build out;
  auto& diag = out.diagnostics;
  auto step = [&](const std::string& what) {
    if (options.progress) options.progress->step(what);
  };
  step("reading variables, identities and policy");
  rules::Variables variables = rules::Variables::defaults();
  IdentityTable bindings;
  std::optional<Policy> policy;
  for (const SourceFile& f : sources.files) {
    switch (f.kind) {
      case Kind::kVariables: variables.parse(f.text, f.name, diag); break;
      case Kind::kIdentities: load_identities(f.text, f.name, bindings, diag); break;
      case Kind::kPolicy:
        if (policy) diag.push_back(Diagnostic::error({f.name, 0, 0}, "a second policy: one policy applies"));
        else policy = parse_policy(f.text, f.name, diag);
        break;
      case Kind::kRules: break;
    }
  }
  if (has_errors(diag)) return out;
  out.variables = variables;

  const auto start = std::chrono::steady_clock::now();
  step("parsing rules");
  rules::RuleLoader loader(variables, options.strict);
  for (const SourceFile& f : sources.files) {
    if (f.kind == Kind::kRules) loader.add_text(f.text, f.name);
  }
  rules::RuleSet set = loader.finish();
  out.rules = set.report;
  diag.insert(diag.end(), set.diagnostics.begin(), set.diagnostics.end());
  if (!set.ok()) return out;

  step("numbering identities");
  std::vector<std::string> named = named_identities(bindings, policy ? &*policy : nullptr, set.rules);
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  const size_t named_count = named.size();
  std::optional<IdentityRegistry> registry;
  if (options.identities) {
    for (const std::string& name : named) {
      if (!options.identities->find(name)) diag.push_back(Diagnostic::error({"", 0, 0}, name + " has no identity id in the store"));
    }
    if (has_errors(diag)) return out;
    registry = *options.identities;
  } else {
    registry = allocate_identities(std::move(named));
  }
  if (!registry) {
    diag.push_back(Diagnostic::error(
        {"", 0, 0}, "the sources name " + std::to_string(named_count) + " SPIFFE IDs; the data plane's 16-bit ids number at most " +
                        std::to_string(kMaxIdentities - 2) + " besides unknown and world"));
    return out;
  }
  IdentityTable identities = bindings.renumbered(std::move(*registry));
  step("compiling " + std::to_string(set.rules.size()) + " rules");
  CompiledRules compiled = compile_rules(std::move(set.rules), identities.registry(), options.device);
  if (!compiled.signatures) {
    diag.push_back(Diagnostic::error({"", 0, 0}, compiled.error));
    return out;
  }
  if (policy) {
    const size_t n = policy->statements.size();
    step("resolving the policy (" + std::to_string(n) + (n == 1 ? " statement" : " statements") + ") and building the tables");
  } else {
    step("building the tables");
  }
  std::string why;
  out.generation = Generation::make(options.number, std::move(compiled.signatures), std::move(identities),
                                    policy ? std::make_shared<Policy>(std::move(*policy)) : nullptr,
                                    std::move(compiled.tables), settings.drop_malformed, why);
  if (!out.generation) diag.push_back(Diagnostic::error({"", 0, 0}, "the tables do not fit the device: " + why));
  out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace picket
