// Decision records to Redis, as Suricata's EVE `redis` output sends them: the same JSON lines,
// each one list element (LPUSH or RPUSH) or one message on a channel (PUBLISH).
//
//   workers ── write(lines) ──▶ [ pending: at most `queue` records ] ── writer thread ──▶ Redis
//                                  full: the record is dropped, counted
//
// write() never waits on Redis: it appends to a bounded queue under a lock held only to append
// or to take the whole queue, and a record that finds the queue full is dropped and counted.
// One writer thread sends what is queued in pipelined batches over one connection; when Redis
// is slow or down it holds what it could not send (still counted against the queue, so
// writes past it are dropped) and connects again, at most every `retry_ms`. Records still queued when the output stops, past
// a short grace for sending them, are dropped and counted too: records() + dropped() is every
// record written.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

struct redisContext;

namespace picket {

enum class RedisMode : uint8_t {
  kList,     // LPUSH: Suricata's default, "list"
  kRpush,    // RPUSH
  kChannel,  // PUBLISH
};
std::optional<RedisMode> parse_redis_mode(std::string_view name);  // list, rpush, channel

struct RedisConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string key = "picket";  // the list's key, or the channel
  RedisMode mode = RedisMode::kList;
  size_t queue = 65536;        // records held while Redis is slow or down
  int retry_ms = 1000;
  int timeout_ms = 2000;       // to connect, and for each batch's replies
};
// HOST:PORT, [IPV6]:PORT, or HOST (port 6379) into `config`; false and `error` otherwise.
bool parse_redis_server(std::string_view text, RedisConfig& config, std::string& error);

class RedisOutput {
 public:
  explicit RedisOutput(RedisConfig config);
  ~RedisOutput();  // stop()s
  RedisOutput(const RedisOutput&) = delete;
  RedisOutput& operator=(const RedisOutput&) = delete;

  // JSON lines, each ending in '\n'; the newline is not sent.
  void write(std::string_view lines);
  // Sends what is queued for up to `grace_ms`, then drops the rest; no write() after.
  void stop(int grace_ms = 2000);

  uint64_t records() const { return sent_.load(std::memory_order_relaxed); }   // sent and acknowledged
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // The last connection or command error, for the summary; empty when there was none.
  std::string last_error() const;

 private:
  void run();
  bool connect();
  bool send(std::vector<std::string>& batch);

  const RedisConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::string> pending_;
  size_t in_flight_ = 0;     // records the writer holds: pending_ and these count against the queue
  bool stopping_ = false;
  int64_t deadline_ms_ = 0;  // when stopping: give up sending at this steady-clock time
  std::string error_;
  std::atomic<uint64_t> sent_{0}, dropped_{0};
  redisContext* redis_ = nullptr;  // the writer thread's
  std::thread writer_;
};

}  // namespace picket
