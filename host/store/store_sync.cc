#include "store/store_sync.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include "base/time_text.h"
#include "log/json_line.h"

namespace picket::store {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StoreSync::StoreSync(StoreOptions options) : options_(std::move(options)) {
  std::string error;
  cluster_root(options_.cluster, root_, error);  // checked when the options were read
  if (options_.node.empty()) {
    char host[256] = {};
    options_.node = gethostname(host, sizeof host - 1) == 0 ? host : "picketd";
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

StoreSync::~StoreSync() {
  stop_ = true;
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (status_thread_.joinable()) status_thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool StoreSync::load(std::string& error) {
  EtcdClient client(options_.etcd);
  std::vector<KeyValue> kvs;
  int64_t revision = 0;
  if (!client.range_prefix(root_, kvs, revision, error)) return false;
  state_.load(root_, kvs, revision);
  return true;
}

void StoreSync::start(const std::string& engine, uint32_t generation, const std::string& fingerprint) {
  engine_ = engine;
  {
    std::lock_guard lock(mutex_);
    pending_ = state_;
    generation_ = generation;
    fingerprint_ = fingerprint;
    enforced_revision_ = state_.revision;
  }
  watcher_ = std::thread([this] { watch_loop(); });
  status_thread_ = std::thread([this] { status_loop(); });
}

int64_t StoreSync::stale_ms() const {
  const int64_t since = out_of_touch_since_ms_.load();
  return since ? steady_ms() - since : 0;
}

void StoreSync::watch_loop() {
  EtcdClient client(options_.etcd);
  bool resync = false;
  while (!stop_) {
    std::string error;
    if (resync) {  // the watch broke: what changed meanwhile is read whole
      std::vector<KeyValue> kvs;
      int64_t revision = 0;
      if (client.range_prefix(root_, kvs, revision, error)) {
        std::lock_guard lock(mutex_);
        StoreState now;
        now.load(root_, kvs, revision);
        if (now.keys != pending_.keys || now.revision != pending_.revision) {
          pending_ = std::move(now);
          wake_control_loop();
        } else {
          pending_.seen = now.seen;
        }
        resync = false;
      }
    }
    if (!resync) {
      int64_t from = 0;
      {
        std::lock_guard lock(mutex_);
        from = pending_.seen + 1;
      }
      client.watch(
          root_, from,
          [&](const WatchBatch& batch) {
            if (batch.compacted) return false;  // history gone: read the whole root
            if (batch.created) {
              watching_ = true;
              return true;
            }
            std::lock_guard lock(mutex_);
            if (pending_.apply(root_, batch)) wake_control_loop();
            return true;
          },
          stop_, error);
      resync = true;
    }
    watching_ = false;
    if (stop_) break;
    int64_t expected = 0;
    out_of_touch_since_ms_.compare_exchange_strong(expected, steady_ms());
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); });
  }
}

void StoreSync::status_loop() {
  EtcdClient client(options_.etcd);
  int64_t lease = 0;
  const std::string key = root_ + "nodes/" + options_.node;
  while (!stop_) {
    std::string error;
    bool ok = true;
    if (lease && !client.lease_keepalive(lease, error)) lease = 0;  // expired while out of touch
    if (!lease) ok = client.lease_grant(options_.status_ttl_s, lease, error);
    int64_t revision = 0;
    if (ok) ok = client.put(key, status_json(), lease, revision, error);
    if (ok && watching_) {
      out_of_touch_since_ms_ = 0;
    } else if (!ok) {
      int64_t expected = 0;
      out_of_touch_since_ms_.compare_exchange_strong(expected, steady_ms());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_.load() || status_due_; });
    status_due_ = false;
  }
  std::string error;
  if (lease) client.lease_revoke(lease, error);  // the node leaves the fleet's list at once
}

std::string StoreSync::status_json() {
  std::lock_guard lock(mutex_);
  JsonLine j;
  j.field("node", options_.node).field("revision", enforced_revision_.load()).field("generation", generation_);
  j.field("fingerprint", fingerprint_).field("engine", engine_).field("updated", format_rfc3339(wall_ns()));
  j.field("stale_ms", stale_ms()).field("failed_closed", failed_closed_.load());
  if (!last_error_.empty()) j.begin("refused").field("revision", refused_revision_).field("error", last_error_).end();
  std::string out = j.finish();
  out.pop_back();  // the newline
  if (!status_.empty()) {
    out.pop_back();  // the closing brace: the counters' fields follow
    out += "," + status_ + "}";
  }
  return out;
}

void StoreSync::report(const control::Counters& c, const control::Health& h) {
  JsonLine j;
  j.field("state", h.state()).field("workers_behind", h.workers_behind()).field("received", c.received());
  j.field("forwarded", c.forwarded()).field("dropped", c.dropped()).field("alerts", c.alerts());
  j.field("records", c.records());
  std::string fields = j.finish();
  fields = fields.substr(1, fields.size() - 3);  // without the braces and newline
  std::lock_guard lock(mutex_);
  status_ = std::move(fields);
}

ChangeResult StoreSync::apply(Controller& controller, const StoreState& state, bool drop_leased) {
  StoreState view = state;
  if (drop_leased) {
    std::erase_if(view.keys, [](const auto& kv) {
      return kv.first.rfind("bindings/", 0) == 0 && kv.second.find(" until ") != std::string::npos;
    });
  }
  FleetSources sources = fleet_sources(view, root_);
  ChangeResult r;
  if (!sources.errors.empty()) {
    r.message = "the store's state is not valid: nothing changed";
    r.diagnostics = std::move(sources.errors);
  } else if (auto changed = sources.settings ? settings_changed(*sources.settings, controller.config()) : std::nullopt) {
    r.message = *changed + "; nothing changed";
  } else {
    r = controller.apply_store(sources.sources, sources.identities, state.revision);
  }
  std::lock_guard lock(mutex_);
  status_due_ = true;  // the fleet sees the outcome now, not at the next second
  wake_.notify_all();
  if (r.ok) {
    enforced_revision_ = state.revision;
    fingerprint_ = sources.fingerprint;
    generation_ = controller.latest();
    last_error_.clear();
  } else {
    refused_revision_ = state.revision;
    last_error_ = r.message;
    for (const Diagnostic& d : r.diagnostics) {
      if (d.severity == Severity::kError) last_error_ += "\n" + d.to_string();
    }
  }
  return r;
}

void StoreSync::wake_control_loop() {
  pending_new_ = true;
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {
    // The counter is full (never read): the loop is awake already.
  }
}

std::optional<ChangeResult> StoreSync::poll(Controller& controller) {
  const bool out_of_touch = options_.fail_closed_after_ms > 0 && stale_ms() > options_.fail_closed_after_ms;
  if (out_of_touch && !failed_closed_) {
    failed_closed_ = true;
    return apply(controller, state_, true);
  }
  bool fresh = false;
  {
    std::lock_guard lock(mutex_);
    uint64_t count = 0;
    if (read(wake_fd_, &count, sizeof count) < 0) count = 0;  // nothing written: EAGAIN
    if (pending_new_) {
      state_ = pending_;
      pending_new_ = false;
      fresh = true;
    }
  }
  if (!fresh && !(failed_closed_ && !out_of_touch)) return std::nullopt;
  if (out_of_touch) return std::nullopt;  // still out of touch: stays closed until the store answers
  failed_closed_ = false;
  return apply(controller, state_, false);
}

}  // namespace picket::store
