// A picketd following its fleet's store: reads the cluster's keys at start, watches them, and
// hands each new revision to the controller as one generation; keeps the node's status key.
//
//   watch thread ── etcd watch (from the revision read + 1) ──► pending state ──┐
//                   broken: read the whole root again, watch again              │
//   control loop ── poll(): the newest pending state ─► Controller::apply_store ◄┘
//                   (refused: nothing changes; the refusal goes in the status)
//   status thread ── every second: the status key, under the node's lease (TTL 10 s)
//
// The controller is only ever called from the control loop, as its commands are. Revisions
// that arrive while one is being applied are folded into the next: a node may skip a revision,
// never half-apply one.
//
// When the store cannot be reached the node keeps the generation in force (bindings still
// lapse at their `until` in the data plane) and reports how long it has been out of touch.
// With a fail-closed bound, once out of touch that long, it drops every binding that has a TTL
// (an identity whose credential the store would have had to renew): their addresses fall to
// `unknown` and the policy judges them so, until the store is back.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "control/control.pb.h"
#include "control/controller.h"
#include "store/etcd_client.h"
#include "store/layout.h"

namespace picket::store {

struct StoreOptions {
  EtcdOptions etcd;
  std::string cluster;
  std::string node;                   // the status key's name; empty: the host name
  int64_t fail_closed_after_ms = 0;   // 0: keep enforcing the last state however long the store is gone
  int64_t status_ttl_s = 10;
};

class StoreSync {
 public:
  explicit StoreSync(StoreOptions options);
  ~StoreSync();  // stops the threads and revokes the node's lease: its status key goes

  // Reads the cluster's keys once. False, with `error`, when no member answers.
  bool load(std::string& error);
  // What load() read; later, from the control loop, the state poll() last took up.
  const StoreState& state() const { return state_; }
  const std::string& root() const { return root_; }
  const std::string& node() const { return options_.node; }

  // Starts watching and writing the status key; the state load() read is in force, as
  // generation `generation` with these tables.
  void start(const std::string& engine, uint32_t generation, const std::string& fingerprint);
  // From the control loop: applies the newest revision the watch brought, if any, and the
  // fail-closed bound. The outcome goes in the status key; the return says what was applied.
  std::optional<ChangeResult> poll(Controller& controller);
  // The counters and health the status key carries, from the control loop.
  void report(const control::Counters& counters, const control::Health& health);

  // Readable while a new revision waits for poll(): the control loop sleeps on it too.
  int wake_fd() const { return wake_fd_; }
  int64_t revision() const { return enforced_revision_.load(); }
  // Milliseconds since the store last answered; 0 while it answers.
  int64_t stale_ms() const;
  bool failed_closed() const { return failed_closed_.load(); }

 private:
  void watch_loop();
  void wake_control_loop();  // with mutex_ held: a new pending state
  void status_loop();
  std::string status_json();
  ChangeResult apply(Controller& controller, const StoreState& state, bool drop_leased);

  StoreOptions options_;
  std::string root_;
  StoreState state_;  // what load() read; then the control loop's copy of the last applied
  std::string engine_;

  std::mutex mutex_;
  std::condition_variable wake_;
  StoreState pending_;      // the newest state the watch built
  bool pending_new_ = false;
  bool status_due_ = false;  // an outcome to write at once
  std::string status_;      // the counters' JSON fields, from report()
  std::string last_error_;  // the last refusal, for the status key
  int64_t refused_revision_ = 0;
  std::string fingerprint_;
  uint32_t generation_ = 0;

  std::atomic<int64_t> enforced_revision_{0};
  std::atomic<int64_t> out_of_touch_since_ms_{0};  // 0: in touch
  std::atomic<bool> watching_{false};
  std::atomic<bool> failed_closed_{false};
  std::atomic<bool> stop_{false};
  std::thread watcher_, status_thread_;
  int wake_fd_ = -1;  // an eventfd
};

}  // namespace picket::store
