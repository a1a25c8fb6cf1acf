#include "picketctl/store_commands.h"

#include <json/json.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "base/text.h"
#include "base/time_text.h"
#include "identity/identity_table.h"
#include "identity/spiffe_id.h"
#include "policy/policy.h"
#include "rules/rule_set.h"
#include "rules/variables.h"
#include "store/layout.h"

namespace picketctl {
namespace {

using namespace picket;
using namespace picket::store;

int unreachable(const StoreTarget& t, const std::string& error) {
  std::fprintf(stderr, "picketctl: the store %s: %s\n", t.url.c_str(), error.c_str());
  return 3;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> read_or_complain(const std::string& path) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) std::fprintf(stderr, "picketctl: %s: cannot read it\n", path.c_str());
  return text;
}

void add_exact(const IdentitySelector& s, std::vector<std::string>& names) {
  if (s.kind == IdentitySelector::Kind::kExact) names.push_back(s.id);
}

// The SPIFFE IDs a policy or rule text names exactly, when it parses: each needs its id in the
// store before a node can build it. A text that does not parse is written all the same, and
// every node refuses it with the same diagnostics.
std::vector<std::string> named_by_policy(const std::string& text, const std::string& name) {
  std::vector<std::string> names;
  std::vector<Diagnostic> errors;
  if (std::optional<Policy> p = parse_policy(text, name, errors)) {
    for (const PolicyStatement& s : p->statements) {
      add_exact(s.from, names);
      add_exact(s.to, names);
    }
  }
  return names;
}

std::vector<std::string> named_by_rules(const std::vector<std::pair<std::string, std::string>>& files) {
  rules::RuleLoader loader(rules::Variables::defaults());
  for (const auto& [name, text] : files) loader.add_text(text, name);
  std::vector<std::string> names;
  for (const rules::Rule& r : loader.finish().rules) {
    if (r.src_identity) add_exact(*r.src_identity, names);
    if (r.dst_identity) add_exact(*r.dst_identity, names);
  }
  return names;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int written(const StoreTarget& t, int64_t revision, const std::string& what) {
  if (t.json) std::printf("{\"revision\":%lld}\n", static_cast<long long>(revision));
  else std::printf("store revision %lld: %s\n", static_cast<long long>(revision), what.c_str());
  return 0;
}

int upsert(const StoreTarget& t, EtcdClient& client, const std::string& root, const std::vector<std::string>& args,
           std::optional<uint64_t> ttl_ms) {
  const std::string& identity = args[0];
  if (identity != "world") {
    if (auto bad = check_spiffe_id(identity)) {
      std::fprintf(stderr, "picketctl: \"%s\" is not a SPIFFE ID: %s\n", identity.c_str(), bad->message.c_str());
      return 1;
    }
  }
  std::vector<std::string> prefixes;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string why;
    std::optional<Binding> b = parse_prefix(args[i], why);
    if (!b) {
      std::fprintf(stderr, "picketctl: \"%s\": %s\n", args[i].c_str(), why.c_str());
      return 1;
    }
    prefixes.push_back(b->prefix_text());  // one key for each prefix, however it was written
  }
  std::string error;
  if (!allocate_ids(client, root, {identity}, error)) return unreachable(t, error);
  int64_t lease = 0, not_after = kNever;
  if (ttl_ms) {
    not_after = wall_ns() + static_cast<int64_t>(*ttl_ms) * 1'000'000;
    // The store forgets the binding a second after it lapses; the nodes lapse it at `until`.
    if (!client.lease_grant(static_cast<int64_t>((*ttl_ms + 999) / 1000) + 1, lease, error)) return unreachable(t, error);
  }
  std::vector<TxnOp> puts;
  for (const std::string& p : prefixes) {
    puts.push_back({TxnOp::Kind::kPut, binding_key(root, p), binding_line(identity, p, not_after), lease});
  }
  puts.push_back(changed_marker(root, "upsert " + identity));
  TxnResult r;
  if (!client.txn({}, puts, {}, r, error)) return unreachable(t, error);
  return written(t, r.revision, std::to_string(prefixes.size()) + " binding(s) of " + identity);
}

int revoke(const StoreTarget& t, EtcdClient& client, const std::string& root, const std::vector<std::string>& args) {
  std::vector<TxnCompare> held;
  std::vector<TxnOp> deletes, ranges;
  std::vector<std::string> keys;
  for (const std::string& a : args) {
    std::string why;
    std::optional<Binding> b = parse_prefix(a, why);
    if (!b) {
      std::fprintf(stderr, "picketctl: \"%s\": %s\n", a.c_str(), why.c_str());
      return 1;
    }
    keys.push_back(binding_key(root, b->prefix_text()));
    held.push_back({keys.back(), 0, false});
    deletes.push_back({TxnOp::Kind::kDelete, keys.back(), "", 0});
    ranges.push_back({TxnOp::Kind::kRange, keys.back(), "", 0});
  }
  deletes.push_back(changed_marker(root, "revoke"));
  TxnResult r;
  std::string error;
  if (!client.txn(held, deletes, ranges, r, error)) return unreachable(t, error);
  if (!r.succeeded) {  // all must exist, or none is removed
    std::set<std::string> found;
    for (const KeyValue& kv : r.ranged) found.insert(kv.key);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!found.count(keys[i])) std::fprintf(stderr, "picketctl: no binding for %s in the store\n", args[i].c_str());
    }
    std::fprintf(stderr, "picketctl: nothing revoked\n");
    return 1;
  }
  return written(t, r.revision, std::to_string(keys.size()) + " binding(s) revoked");
}

int policy(const StoreTarget& t, EtcdClient& client, const std::string& root, const std::string& path) {
  std::optional<std::string> text = read_or_complain(path);
  if (!text) return 2;
  std::string error;
  if (!allocate_ids(client, root, named_by_policy(*text, path), error)) return unreachable(t, error);
  TxnResult r;
  if (!client.txn({}, {{TxnOp::Kind::kPut, root + "policy", *text, 0}, changed_marker(root, "policy " + path)}, {}, r,
                  error)) {
    return unreachable(t, error);
  }
  return written(t, r.revision, "policy " + path);
}

// The store's engine settings (`name = value` lines), or its variables (vars.conf syntax): one
// key's text, written whole.
int put_text(const StoreTarget& t, EtcdClient& client, const std::string& root, const std::string& key,
             const std::string& path) {
  std::optional<std::string> text = read_or_complain(path);
  if (!text) return 2;
  TxnResult r;
  std::string error;
  if (!client.txn({}, {{TxnOp::Kind::kPut, root + key, *text, 0}, changed_marker(root, key + " " + path)}, {}, r, error)) {
    return unreachable(t, error);
  }
  return written(t, r.revision, key + " " + path);
}

int load_rules(const StoreTarget& t, EtcdClient& client, const std::string& root, const std::vector<std::string>& paths) {
  std::vector<std::pair<std::string, std::string>> files;
  std::set<std::string> names;
  for (const std::string& p : paths) {
    std::optional<std::string> text = read_or_complain(p);
    if (!text) return 2;
    if (!names.insert(base_name(p)).second) {
      std::fprintf(stderr, "picketctl: two rule files named %s: the store keeps them by name\n", base_name(p).c_str());
      return 2;
    }
    files.emplace_back(base_name(p), std::move(*text));
  }
  std::string error;
  if (!allocate_ids(client, root, named_by_rules(files), error)) return unreachable(t, error);
  // The whole rule set at once: the old files go in the same revision the new ones come in
  // (etcd takes no put under a range the same transaction deletes: the old are named one by one).
  std::vector<KeyValue> old;
  int64_t at = 0;
  if (!client.range_prefix(root + "rules/", old, at, error)) return unreachable(t, error);
  std::vector<TxnOp> ops;
  for (const KeyValue& kv : old) {
    if (!names.count(kv.key.substr(root.size() + 6))) ops.push_back({TxnOp::Kind::kDelete, kv.key, "", 0});
  }
  for (const auto& [name, text] : files) ops.push_back({TxnOp::Kind::kPut, root + "rules/" + name, text, 0});
  ops.push_back(changed_marker(root, "load-rules"));
  TxnResult r;
  if (!client.txn({}, ops, {}, r, error)) return unreachable(t, error);
  return written(t, r.revision, std::to_string(files.size()) + " rule file(s)");
}

int fleet(const StoreTarget& t, EtcdClient& client, const std::string& root) {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;
  std::string error;
  if (!client.range_prefix(root + "nodes/", kvs, revision, error)) return unreachable(t, error);
  // The revision the cluster's state is at: the newest change of any key but nodes/.
  std::vector<KeyValue> all;
  int64_t ignored = 0;
  if (!client.range_prefix(root, all, ignored, error)) return unreachable(t, error);
  int64_t state = 0;
  for (const KeyValue& kv : all) {
    if (kv.key.rfind(root + "nodes/", 0) != 0) state = std::max(state, kv.mod_revision);
  }
  Json::Value nodes(Json::arrayValue);
  for (const KeyValue& kv : kvs) {
    Json::Value v;
    Json::CharReaderBuilder b;
    std::unique_ptr<Json::CharReader> reader(b.newCharReader());
    std::string why;
    if (!reader->parse(kv.value.data(), kv.value.data() + kv.value.size(), &v, &why)) continue;
    nodes.append(v);
  }
  if (t.json) {
    Json::Value out;
    out["revision"] = Json::Int64(revision);
    out["state_revision"] = Json::Int64(state);
    out["nodes"] = nodes;
    Json::StreamWriterBuilder w;
    w["indentation"] = "";
    std::printf("%s\n", Json::writeString(w, out).c_str());
    return 0;
  }
  std::printf("cluster %s: state at revision %lld, %u node(s)\n", t.cluster.c_str(), static_cast<long long>(state),
              nodes.size());
  std::printf("%-20s %10s %6s %10s %-16s %-8s %-8s %s\n", "NODE", "REVISION", "LAG", "GENERATION", "FINGERPRINT", "ENGINE",
              "STATE", "NOTE");
  for (const Json::Value& n : nodes) {
    const int64_t at = n["revision"].asInt64();
    std::string note;
    if (n["failed_closed"].asBool()) note = "store out of reach: bindings with a TTL dropped";
    else if (n["stale_ms"].asInt64() > 0) note = "store out of reach for " + std::to_string(n["stale_ms"].asInt64()) + " ms";
    if (n.isMember("refused")) {
      std::string first = n["refused"]["error"].asString();
      first = first.substr(0, first.find('\n'));
      note += (note.empty() ? "" : "; ") + std::string("refused revision ") +
              std::to_string(n["refused"]["revision"].asInt64()) + ": " + first;
    }
    std::printf("%-20s %10lld %6lld %10u %-16s %-8s %-8s %s\n", n["node"].asCString(), static_cast<long long>(at),
                static_cast<long long>(std::max<int64_t>(0, state - at)), n["generation"].asUInt(),
                n["fingerprint"].asCString(), n["engine"].asCString(), n["state"].asCString(), note.c_str());
  }
  return 0;
}

}  // namespace

std::optional<int> run_store_command(const StoreTarget& t, const std::string& command,
                                     const std::vector<std::string>& args, std::optional<uint64_t> ttl_ms) {
  auto usage = [](const std::string& why) {
    std::fprintf(stderr, "picketctl: %s\n(see picketctl --help)\n", why.c_str());
    return 2;
  };
  std::string root, error;
  if (!cluster_root(t.cluster, root, error)) return usage("--cluster: " + error);
  EtcdClient client(t.etcd);
  if (command == "upsert") {
    if (args.size() < 2) return usage("upsert needs an identity and one or more addresses or prefixes");
    return upsert(t, client, root, args, ttl_ms);
  }
  if (command == "revoke") {
    if (args.empty()) return usage("revoke needs one or more addresses or prefixes");
    return revoke(t, client, root, args);
  }
  if (command == "policy") {
    if (args.size() != 1) return usage("policy takes one policy file");
    return policy(t, client, root, args[0]);
  }
  if (command == "settings" || command == "variables") {
    if (args.size() != 1) return usage(command + " takes one file");
    return put_text(t, client, root, command, args[0]);
  }
  if (command == "load-rules") {
    if (args.empty()) return usage("load-rules needs one or more rule files");
    return load_rules(t, client, root, args);
  }
  if (command == "fleet") {
    if (!args.empty()) return usage("fleet takes no arguments");
    return fleet(t, client, root);
  }
  return std::nullopt;
}

}  // namespace picketctl
