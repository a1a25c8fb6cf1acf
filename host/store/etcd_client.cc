#include "store/etcd_client.h"

#include <curl/curl.h>
#include <json/json.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

namespace picket::store {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t{uint8_t(in[i])} << 16 | uint32_t{uint8_t(in[i + 1])} << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t{uint8_t(in[i])} << 16;
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t{uint8_t(in[i])} << 16 | uint32_t{uint8_t(in[i + 1])} << 8;
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string unbase64(const std::string& in) {
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char c : in) {
    const char* at = c ? std::strchr(kBase64, c) : nullptr;
    if (!at) continue;  // '=' padding
    v = v << 6 | static_cast<uint32_t>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

int64_t number(const Json::Value& v) {  // int64 fields come as strings
  if (v.isString()) return std::strtoll(v.asCString(), nullptr, 10);
  return v.isIntegral() ? v.asInt64() : 0;
}

KeyValue key_value(const Json::Value& kv) {
  KeyValue out;
  out.key = unbase64(kv["key"].asString());
  out.value = unbase64(kv["value"].asString());
  out.create_revision = number(kv["create_revision"]);
  out.mod_revision = number(kv["mod_revision"]);
  out.lease = number(kv["lease"]);
  return out;
}

std::string to_text(const Json::Value& v) {
  Json::StreamWriterBuilder w;
  w["indentation"] = "";
  return Json::writeString(w, v);
}

bool parse(const std::string& text, Json::Value& out, std::string& error) {
  Json::CharReaderBuilder b;
  std::unique_ptr<Json::CharReader> reader(b.newCharReader());
  std::string why;
  if (!reader->parse(text.data(), text.data() + text.size(), &out, &why)) {
    error = "etcd answered something that is not JSON: " + why;
    return false;
  }
  // An error answer of the gateway: {"error":"...","code":N,"message":"..."}
  if (out.isObject() && out.isMember("error")) {
    error = "etcd: " + out["error"].asString();
    return false;
  }
  return true;
}

Json::Value op_json(const TxnOp& op) {
  Json::Value o;
  switch (op.kind) {
    case TxnOp::Kind::kPut:
      o["requestPut"]["key"] = base64(op.key);
      o["requestPut"]["value"] = base64(op.value);
      if (op.lease) o["requestPut"]["lease"] = std::to_string(op.lease);
      break;
    case TxnOp::Kind::kDelete:
      o["requestDeleteRange"]["key"] = base64(op.key);
      if (op.prefix) o["requestDeleteRange"]["range_end"] = base64(prefix_end(op.key));
      break;
    case TxnOp::Kind::kRange:
      o["requestRange"]["key"] = base64(op.key);
      if (op.prefix) o["requestRange"]["range_end"] = base64(prefix_end(op.key));
      break;
  }
  return o;
}

std::once_flag g_curl_init;

size_t append(char* data, size_t size, size_t n, void* to) {
  static_cast<std::string*>(to)->append(data, size * n);
  return size * n;
}

}  // namespace

bool parse_store_url(const std::string& url, EtcdOptions& options, std::string& error) {
  std::string scheme;
  std::string rest;
  if (url.rfind("etcd://", 0) == 0) {
    scheme = "http://";
    rest = url.substr(7);
  } else if (url.rfind("etcds://", 0) == 0) {
    scheme = "https://";
    rest = url.substr(8);
  } else {
    error = "\"" + url + "\": a store is etcd://HOST:PORT[,HOST:PORT...] (or etcds:// for TLS)";
    return false;
  }
  options.endpoints.clear();
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string one = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = one.rfind(':');
    if (one.empty() || colon == std::string::npos || colon == 0 || colon + 1 == one.size() ||
        one.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      error = "\"" + url + "\": each member is HOST:PORT";
      return false;
    }
    options.endpoints.push_back(scheme + one);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<uint8_t>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

struct EtcdClient::Curl {
  CURL* handle = nullptr;
  curl_slist* headers = nullptr;
};

EtcdClient::EtcdClient(EtcdOptions options) : options_(std::move(options)), curl_(std::make_unique<Curl>()) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_->handle = curl_easy_init();
  curl_->headers = curl_slist_append(nullptr, "Content-Type: application/json");
}

EtcdClient::~EtcdClient() {
  if (curl_->handle) curl_easy_cleanup(curl_->handle);
  curl_slist_free_all(curl_->headers);
}

const std::string& EtcdClient::endpoint() const {
  static const std::string none;
  return options_.endpoints.empty() ? none : options_.endpoints[current_];
}

void EtcdClient::prepare(const std::string& url, const std::string& body) {
  CURL* h = curl_->handle;
  curl_easy_reset(h);  // keeps the connection: the next request reuses it
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, curl_->headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, options_.cert_file.c_str());
  if (!options_.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, options_.key_file.c_str());
}

bool EtcdClient::call(const std::string& path, const std::string& body, std::string& answer, std::string& error) {
  if (options_.endpoints.empty()) {
    error = "no etcd endpoint";
    return false;
  }
  CURL* h = curl_->handle;
  std::string failures;
  // While the members elect a leader (one was lost) they answer "leader changed" or "no
  // leader": asked again shortly, a quorum answers. Writes here are idempotent or guarded by
  // a compare, so asking again is safe.
  // An election takes a second or more (etcd's election timeout is 1 s), longer on a loaded host.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(options_.timeout_ms, 5000));
  for (size_t tried = 0; tried < options_.endpoints.size(); ++tried) {
    const size_t at = (current_ + tried) % options_.endpoints.size();
    const std::string url = options_.endpoints[at] + path;
    answer.clear();
    prepare(url, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status == 200) {
      current_ = at;
      return true;
    }
    if (rc == CURLE_OK) {  // the member answered, with an error: another would say the same
      Json::Value v;
      std::string why;
      error = parse(answer, v, why) ? "etcd answered HTTP " + std::to_string(status) : why;
      current_ = at;
      const bool electing = error.find("leader changed") != std::string::npos ||
                            error.find("no leader") != std::string::npos ||
                            error.find("request timed out") != std::string::npos;
      if (electing && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --tried;  // the same member again: it knows the new leader soon
        continue;
      }
      return false;
    }
    if (!failures.empty()) failures += "; ";
    failures += options_.endpoints[at] + ": " + curl_easy_strerror(rc);
  }
  error = "no etcd member answered (" + failures + ")";
  return false;
}

bool EtcdClient::range_prefix(const std::string& prefix, std::vector<KeyValue>& out, int64_t& revision,
                              std::string& error) {
  Json::Value req;
  req["key"] = base64(prefix);
  req["range_end"] = base64(prefix_end(prefix));
  std::string answer;
  Json::Value v;
  if (!call("/v3/kv/range", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  out.clear();
  for (const Json::Value& kv : v["kvs"]) out.push_back(key_value(kv));
  revision = number(v["header"]["revision"]);
  return true;
}

bool EtcdClient::get(const std::string& key, std::optional<KeyValue>& out, std::string& error) {
  Json::Value req;
  req["key"] = base64(key);
  std::string answer;
  Json::Value v;
  if (!call("/v3/kv/range", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  out.reset();
  if (!v["kvs"].empty()) out = key_value(v["kvs"][0]);
  return true;
}

bool EtcdClient::put(const std::string& key, const std::string& value, int64_t lease, int64_t& revision,
                     std::string& error) {
  Json::Value req;
  req["key"] = base64(key);
  req["value"] = base64(value);
  if (lease) req["lease"] = std::to_string(lease);
  std::string answer;
  Json::Value v;
  if (!call("/v3/kv/put", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  revision = number(v["header"]["revision"]);
  return true;
}

bool EtcdClient::txn(const std::vector<TxnCompare>& compares, const std::vector<TxnOp>& success,
                     const std::vector<TxnOp>& failure, TxnResult& out, std::string& error) {
  Json::Value req;
  req["compare"] = Json::Value(Json::arrayValue);
  for (const TxnCompare& c : compares) {
    Json::Value j;
    j["key"] = base64(c.key);
    j["target"] = "VERSION";
    j["result"] = c.equal ? "EQUAL" : "NOT_EQUAL";
    j["version"] = std::to_string(c.version);
    req["compare"].append(j);
  }
  req["success"] = Json::Value(Json::arrayValue);
  for (const TxnOp& op : success) req["success"].append(op_json(op));
  req["failure"] = Json::Value(Json::arrayValue);
  for (const TxnOp& op : failure) req["failure"].append(op_json(op));
  std::string answer;
  Json::Value v;
  if (!call("/v3/kv/txn", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  out = {};
  out.succeeded = v["succeeded"].asBool();
  out.revision = number(v["header"]["revision"]);
  for (const Json::Value& r : v["responses"]) {
    for (const Json::Value& kv : r["response_range"]["kvs"]) out.ranged.push_back(key_value(kv));
  }
  return true;
}

bool EtcdClient::lease_grant(int64_t ttl_seconds, int64_t& id, std::string& error) {
  Json::Value req;
  req["TTL"] = std::to_string(ttl_seconds);
  std::string answer;
  Json::Value v;
  if (!call("/v3/lease/grant", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  id = number(v["ID"]);
  if (id == 0) {
    error = "etcd granted no lease: " + v["error"].asString();
    return false;
  }
  return true;
}

bool EtcdClient::lease_keepalive(int64_t id, std::string& error) {
  Json::Value req;
  req["ID"] = std::to_string(id);
  std::string answer;
  Json::Value v;
  if (!call("/v3/lease/keepalive", to_text(req), answer, error) || !parse(answer, v, error)) return false;
  // The gateway streams one answer: {"result":{"ID":...,"TTL":...}}; TTL 0 (or absent): the
  // lease is gone.
  if (number(v["result"]["TTL"]) <= 0) {
    error = "the lease has expired";
    return false;
  }
  return true;
}

bool EtcdClient::lease_revoke(int64_t id, std::string& error) {
  Json::Value req;
  req["ID"] = std::to_string(id);
  std::string answer;
  Json::Value v;
  return call("/v3/lease/revoke", to_text(req), answer, error) && parse(answer, v, error);
}

namespace {

struct WatchState {
  std::string pending;
  const std::function<bool(const WatchBatch&)>* on_batch = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool ended = false;  // on_batch said stop
  std::string error;
};

// The gateway writes one JSON object a line.
size_t watch_data(char* data, size_t size, size_t n, void* to) {
  auto* s = static_cast<WatchState*>(to);
  s->pending.append(data, size * n);
  size_t newline;
  while ((newline = s->pending.find('\n')) != std::string::npos) {
    std::string line = s->pending.substr(0, newline);
    s->pending.erase(0, newline + 1);
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    Json::Value v;
    if (!parse(line, v, s->error)) return 0;  // aborts the transfer
    const Json::Value& r = v["result"];
    WatchBatch batch;
    batch.revision = number(r["header"]["revision"]);
    batch.created = r["created"].asBool();
    batch.compacted = number(r["compact_revision"]);
    for (const Json::Value& e : r["events"]) {
      batch.events.push_back({e["type"].asString() == "DELETE", key_value(e["kv"])});
    }
    if (!(*s->on_batch)(batch)) {
      s->ended = true;
      return 0;
    }
  }
  return size * n;
}

int watch_progress(void* to, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* s = static_cast<WatchState*>(to);
  return s->stop->load() ? 1 : 0;  // nonzero aborts
}

}  // namespace

bool EtcdClient::watch(const std::string& prefix, int64_t start_revision,
                       const std::function<bool(const WatchBatch&)>& on_batch, const std::atomic<bool>& stop,
                       std::string& error) {
  Json::Value req;
  req["create_request"]["key"] = base64(prefix);
  req["create_request"]["range_end"] = base64(prefix_end(prefix));
  req["create_request"]["start_revision"] = std::to_string(start_revision);
  const std::string body = to_text(req);
  std::string failures;
  for (size_t tried = 0; tried < options_.endpoints.size() && !stop.load(); ++tried) {
    const size_t at = (current_ + tried) % options_.endpoints.size();
    const std::string url = options_.endpoints[at] + "/v3/watch";
    WatchState state;
    state.on_batch = &on_batch;
    state.stop = &stop;
    CURL* h = curl_->handle;
    prepare(url, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, watch_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &state);
    // A member that stops answering (its process frozen, its link down) must not hold the
    // watch forever: keepalive probes end the connection.
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 2L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 1L);
    CURLcode rc = curl_easy_perform(h);
    if (state.ended || stop.load()) return true;
    if (!state.error.empty()) {
      error = state.error;
      return false;
    }
    if (rc == CURLE_OK) {
      error = "the etcd watch ended";
      current_ = at;
      return false;
    }
    if (!failures.empty()) failures += "; ";
    failures += options_.endpoints[at] + ": " + curl_easy_strerror(rc);
    if (rc != CURLE_COULDNT_CONNECT && rc != CURLE_OPERATION_TIMEDOUT) {
      current_ = (at + 1) % options_.endpoints.size();  // it broke: the next try starts elsewhere
      break;
    }
  }
  error = "the etcd watch broke (" + failures + ")";
  return false;
}

}  // namespace picket::store
