#include "store/layout.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "base/text.h"
#include "base/time_text.h"

namespace picket::store {
namespace {

constexpr char kRules[] = "rules/";
constexpr char kBindings[] = "bindings/";
constexpr char kIds[] = "ids/";
constexpr char kIdNumbers[] = "id-numbers/";
constexpr char kNodes[] = "nodes/";

bool starts(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// FNV-1a, 64 bits: a fingerprint to compare nodes by, not a defence against forgery.
void mix(uint64_t& h, const std::string& s) {
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  h = (h ^ 0xff) * 0x100000001b3ULL;  // ends each string, so "ab"+"c" differs from "a"+"bc"
}

// "malformed = forward", "midstream = on" ... into the settings they make; errors by line.
EngineSettings parse_settings(const std::string& text, const std::string& name, std::vector<Diagnostic>& errors) {
  EngineConfig config;
  size_t line = 0, at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view raw = std::string_view(text).substr(at, end - at);
    at = end + 1;
    ++line;
    const std::string_view content = trim(raw.substr(0, raw.find('#')));
    if (content.empty()) continue;
    const size_t eq = content.find('=');
    const std::string flag = "--" + std::string(trim(content.substr(0, eq)));
    const std::string value = eq == std::string_view::npos ? "" : std::string(trim(content.substr(eq + 1)));
    const SourceLocation where{name, static_cast<uint32_t>(line), 1};
    std::string why;
    if (!is_engine_setting(flag)) {
      errors.push_back(Diagnostic::error(where, "\"" + flag.substr(2) +
                                                    "\" is not a setting the store holds: malformed, action-order, "
                                                    "midstream or checksums"));
    } else if (!engine_setting_takes_value(flag)) {
      if (value != "on" && value != "off") errors.push_back(Diagnostic::error(where, flag.substr(2) + " takes on or off"));
      else if (value == "on") apply_engine_setting(flag, "", config, why);
    } else if (!apply_engine_setting(flag, value, config, why)) {
      errors.push_back(Diagnostic::error(where, why));
    }
  }
  return engine_settings(config);
}

}  // namespace

bool cluster_root(const std::string& cluster, std::string& root, std::string& error) {
  if (cluster.empty() || cluster.find('/') != std::string::npos) {
    error = "\"" + cluster + "\": a cluster is named by one word without '/'";
    return false;
  }
  root = "/picket/" + cluster + "/";
  return true;
}

void StoreState::load(const std::string& root, const std::vector<KeyValue>& kvs, int64_t store_revision) {
  keys.clear();
  revision = 0;
  for (const KeyValue& kv : kvs) {
    if (kv.key.rfind(root, 0) != 0) continue;
    std::string key = kv.key.substr(root.size());
    if (starts(key, kNodes)) continue;
    keys[key] = kv.value;
    revision = std::max(revision, kv.mod_revision);
  }
  seen = store_revision;
}

bool StoreState::apply(const std::string& root, const WatchBatch& batch) {
  bool changed = false;
  for (const WatchEvent& e : batch.events) {
    if (e.kv.key.rfind(root, 0) != 0) continue;
    std::string key = e.kv.key.substr(root.size());
    if (starts(key, kNodes)) continue;
    changed = true;
    if (e.deleted) {
      keys.erase(key);  // the revision stays: a restarted node could not see this delete's
    } else {
      keys[key] = e.kv.value;
      revision = std::max(revision, e.kv.mod_revision);
    }
  }
  seen = std::max(seen, batch.revision);
  return changed;
}

TxnOp changed_marker(const std::string& root, const std::string& what) {
  return {TxnOp::Kind::kPut, root + "changed", what, 0};
}

FleetSources fleet_sources(const StoreState& state, const std::string& root) {
  using Kind = SourceFile::Kind;
  FleetSources out;
  std::vector<SourceFile> rules, bindings, variables, policy;
  uint64_t print = 0xcbf29ce484222325ULL;
  std::set<IdentityId> taken;
  for (const auto& [key, value] : state.keys) {
    if (starts(key, kNodes) || starts(key, kIdNumbers) || key == "changed") continue;
    mix(print, key);
    mix(print, value);
    const std::string name = "etcd:" + root + key;
    if (starts(key, kRules)) {
      rules.push_back({Kind::kRules, name, value});
    } else if (starts(key, kBindings)) {
      bindings.push_back({Kind::kIdentities, name, value});
    } else if (key == "variables") {
      variables.push_back({Kind::kVariables, name, value});
    } else if (key == "policy") {
      policy.push_back({Kind::kPolicy, name, value});
    } else if (key == "settings") {
      out.settings = parse_settings(value, name, out.errors);
    } else if (starts(key, kIds)) {
      const std::string spiffe = key.substr(sizeof kIds - 1);
      char* end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end || n <= kWorldIdentity || n >= kMaxIdentities || !taken.insert(static_cast<IdentityId>(n)).second ||
          !out.identities.assign(static_cast<IdentityId>(n), spiffe)) {
        out.errors.push_back(Diagnostic::error({name, 1, 1}, "\"" + value + "\" is not a free identity id (2 to 65535)"));
      }
    }
    // Other keys are not Picket's: left alone, so tools may keep notes beside ours.
  }
  for (auto* part : {&variables, &rules, &bindings, &policy}) {
    out.sources.files.insert(out.sources.files.end(), part->begin(), part->end());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(print));
  out.fingerprint = hex;
  return out;
}

void apply_settings(const EngineSettings& settings, EngineConfig& config) {
  for (const auto& [name, value] : settings) {
    const std::string flag = "--" + name;
    std::string error;
    if (!engine_setting_takes_value(flag)) config.flows.midstream = value == "on";
    else apply_engine_setting(flag, value, config, error);  // checked when parsed
  }
}

std::optional<std::string> settings_changed(const EngineSettings& store, const EngineConfig& running) {
  for (const auto& [name, value] : engine_settings(running)) {
    auto it = store.find(name);
    if (it == store.end() || it->second == value) continue;
    return "the store's settings say " + name + " = " + it->second + "; this node has judged with " + value +
           " since it started: restart it to take them";
  }
  return std::nullopt;
}

bool allocate_ids(EtcdClient& client, const std::string& root, const std::vector<std::string>& names,
                  std::string& error) {
  std::vector<KeyValue> held;
  int64_t revision = 0;
  if (!client.range_prefix(root + kIdNumbers, held, revision, error)) return false;
  std::set<unsigned long> numbers;
  for (const KeyValue& kv : held) numbers.insert(std::strtoul(kv.key.c_str() + root.size() + sizeof kIdNumbers - 1, nullptr, 10));
  unsigned long next = kWorldIdentity + 1;
  for (const std::string& name : std::set<std::string>(names.begin(), names.end())) {
    if (name == "world" || name == "unknown") continue;
    const std::string id_key = root + kIds + name;
    for (;;) {
      while (numbers.count(next)) ++next;
      if (next >= kMaxIdentities) {
        error = "every identity id of the cluster is taken";
        return false;
      }
      const std::string number_key = root + kIdNumbers + std::to_string(next);
      TxnResult r;
      if (!client.txn({{id_key, 0}, {number_key, 0}},
                      {{TxnOp::Kind::kPut, id_key, std::to_string(next), 0}, {TxnOp::Kind::kPut, number_key, name, 0}},
                      {{TxnOp::Kind::kRange, id_key, "", 0}}, r, error)) {
        return false;
      }
      numbers.insert(next);
      if (r.succeeded || !r.ranged.empty()) break;  // ours now, or it had one already
      // else another writer took this number first
    }
  }
  return true;
}

std::string binding_key(const std::string& root, const std::string& prefix) { return root + kBindings + prefix; }

std::string binding_line(const std::string& identity, const std::string& prefix, int64_t not_after_ns) {
  std::string line = identity + " " + prefix;
  if (not_after_ns != kNever) line += " until " + format_rfc3339(not_after_ns);
  return line + "\n";
}

}  // namespace picket::store
