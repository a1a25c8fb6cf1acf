// A client of etcd's v3 API through its JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/grant, /v3/watch ...), over libcurl.
//
// Why the gateway and not gRPC: the gateway is the same v3 API (same revisions, leases,
// transactions and watches) with no generated stubs of etcd's protos to declare and build, and
// libcurl gives TLS client certificates, keep-alive connections and a streaming watch in a few
// options. A write costs what etcd's commit costs (its fsync: p50 5.9 ms on loopback here,
// tools/bench/fleet_bench.py). Keys and values travel base64-encoded, 64-bit numbers as strings.
//
// A client tries its endpoints in turn, starting with the last one that answered, so a fleet
// keeps working while one member of the etcd cluster is down. One client a thread: its curl
// handles are its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace picket::store {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // http://HOST:PORT or https://HOST:PORT
  std::string ca_file;                 // TLS: the CA that signed the members' certificates
  std::string cert_file, key_file;     // TLS: this client's certificate and key
  int timeout_ms = 2000;               // each request, watches excepted
};

// "etcd://HOST:PORT[,HOST:PORT...]" (http) or "etcds://..." (https) into endpoints; false,
// with `error`, otherwise.
bool parse_store_url(const std::string& url, EtcdOptions& options, std::string& error);

struct KeyValue {
  std::string key, value;
  int64_t create_revision = 0, mod_revision = 0, lease = 0;
};

// One step of a transaction.
struct TxnOp {
  enum class Kind : uint8_t { kPut, kDelete, kRange };
  Kind kind = Kind::kPut;
  std::string key, value;
  int64_t lease = 0;
  bool prefix = false;  // delete or range every key that starts with `key`
};

// Compares a key's version (0: the key does not exist).
struct TxnCompare {
  std::string key;
  int64_t version = 0;
  bool equal = true;  // false: holds when the version is not `version`
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;
  std::vector<KeyValue> ranged;  // the kvs the ranges of the branch taken read
};

// One watch response: the revision it brings the watcher to, and its events.
struct WatchEvent {
  bool deleted = false;
  KeyValue kv;
};
struct WatchBatch {
  int64_t revision = 0;
  bool created = false;  // the watch started
  int64_t compacted = 0; // nonzero: the start revision was compacted away; read again
  std::vector<WatchEvent> events;
};

class EtcdClient {
 public:
  explicit EtcdClient(EtcdOptions options);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // Every key under `prefix`, and the store's revision.
  bool range_prefix(const std::string& prefix, std::vector<KeyValue>& out, int64_t& revision, std::string& error);
  bool get(const std::string& key, std::optional<KeyValue>& out, std::string& error);
  bool put(const std::string& key, const std::string& value, int64_t lease, int64_t& revision, std::string& error);
  // Puts and deletes applied at once, as one revision, when every compare holds; else the
  // failure branch (usually ranges, to see why).
  bool txn(const std::vector<TxnCompare>& compares, const std::vector<TxnOp>& success,
           const std::vector<TxnOp>& failure, TxnResult& out, std::string& error);
  bool lease_grant(int64_t ttl_seconds, int64_t& id, std::string& error);
  bool lease_keepalive(int64_t id, std::string& error);
  bool lease_revoke(int64_t id, std::string& error);

  // Watches every key under `prefix` from `start_revision`, calling `on_batch` for each
  // response until it returns false, `stop` is set, or the stream breaks (false, with `error`).
  bool watch(const std::string& prefix, int64_t start_revision, const std::function<bool(const WatchBatch&)>& on_batch,
             const std::atomic<bool>& stop, std::string& error);

  const std::string& endpoint() const;  // the one that answered last

 private:
  // Sets the handle up to POST `body` to `url`, with the TLS files.
  void prepare(const std::string& url, const std::string& body);
  // POSTs `body` to `path` on each endpoint in turn; the first answer's body.
  bool call(const std::string& path, const std::string& body, std::string& answer, std::string& error);

  struct Curl;
  EtcdOptions options_;
  std::unique_ptr<Curl> curl_;
  size_t current_ = 0;
};

// etcd's range_end for "every key that starts with `prefix`".
std::string prefix_end(const std::string& prefix);

}  // namespace picket::store
