#include "log/redis_output.h"

#include <hiredis/hiredis.h>

#include <chrono>

#include "base/host_port.h"

namespace picket {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

timeval to_timeval(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

constexpr size_t kBatch = 1000;  // records per pipelined round trip

}  // namespace

std::optional<RedisMode> parse_redis_mode(std::string_view name) {
  if (name == "list" || name == "lpush") return RedisMode::kList;
  if (name == "rpush") return RedisMode::kRpush;
  if (name == "channel" || name == "publish") return RedisMode::kChannel;
  return std::nullopt;
}

bool parse_redis_server(std::string_view text, RedisConfig& config, std::string& error) {
  std::optional<HostPort> at = parse_host_port(text, 6379, error);
  if (!at) return false;
  config.host = at->host;
  config.port = at->port;
  return true;
}

RedisOutput::RedisOutput(RedisConfig config) : config_(std::move(config)) {
  writer_ = std::thread([this] { run(); });
}

RedisOutput::~RedisOutput() { stop(); }

void RedisOutput::write(std::string_view lines) {
  if (lines.empty()) return;
  size_t taken = 0, lost = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    while (!lines.empty()) {
      const size_t end = lines.find('\n');
      std::string_view line = lines.substr(0, end);
      lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
      if (line.empty()) continue;
      if (pending_.size() + in_flight_ >= config_.queue) {
        ++lost;
        continue;
      }
      pending_.emplace_back(line);
      ++taken;
    }
  }
  if (lost) dropped_.fetch_add(lost, std::memory_order_relaxed);
  if (taken) wake_.notify_one();
}

void RedisOutput::stop(int grace_ms) {
  {
    std::lock_guard lock(mutex_);
    if (!writer_.joinable()) return;
    if (!stopping_) {
      stopping_ = true;
      deadline_ms_ = now_ms() + grace_ms;
    }
  }
  wake_.notify_one();
  writer_.join();
  if (redis_) redisFree(redis_);
  redis_ = nullptr;
}

std::string RedisOutput::last_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool RedisOutput::connect() {
  if (redis_) redisFree(redis_);
  redis_ = redisConnectWithTimeout(config_.host.c_str(), config_.port, to_timeval(config_.timeout_ms));
  if (redis_ && !redis_->err && redisSetTimeout(redis_, to_timeval(config_.timeout_ms)) == REDIS_OK) {
    return true;
  }
  std::string why = redis_ ? redis_->errstr : "cannot allocate a connection";
  if (redis_) redisFree(redis_);
  redis_ = nullptr;
  std::lock_guard lock(mutex_);
  error_ = config_.host + ":" + std::to_string(config_.port) + ": " + why;
  return false;
}

// Sends the batch front to back, pipelined; what was acknowledged leaves it. False when the
// connection failed (what is left is sent again on the next one).
bool RedisOutput::send(std::vector<std::string>& batch) {
  const char* command = config_.mode == RedisMode::kList    ? "LPUSH"
                        : config_.mode == RedisMode::kRpush ? "RPUSH"
                                                             : "PUBLISH";
  size_t done = 0;
  while (done < batch.size()) {
    const size_t n = std::min(kBatch, batch.size() - done);
    for (size_t i = done; i < done + n; ++i) {
      const char* argv[3] = {command, config_.key.c_str(), batch[i].data()};
      const size_t argvlen[3] = {std::string_view(command).size(), config_.key.size(), batch[i].size()};
      redisAppendCommandArgv(redis_, 3, argv, argvlen);
    }
    for (size_t i = 0; i < n; ++i) {
      void* reply = nullptr;
      if (redisGetReply(redis_, &reply) != REDIS_OK) {
        std::string why = redis_->errstr;
        {
          std::lock_guard lock(mutex_);
          error_ = config_.host + ":" + std::to_string(config_.port) + ": " + why;
        }
        // Replies that came are sent; the others go again, which may repeat a record Redis
        // took but could not answer for.
        batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(done + i));
        redisFree(redis_);
        redis_ = nullptr;
        return false;
      }
      const bool refused = static_cast<redisReply*>(reply)->type == REDIS_REPLY_ERROR;
      if (refused) {
        std::lock_guard lock(mutex_);
        error_ = std::string("Redis refused a record: ") + static_cast<redisReply*>(reply)->str;
      }
      freeReplyObject(reply);
      (refused ? dropped_ : sent_).fetch_add(1, std::memory_order_relaxed);
    }
    done += n;
  }
  batch.clear();
  return true;
}

void RedisOutput::run() {
  std::vector<std::string> batch;  // what this thread took and has not sent yet
  int64_t next_attempt = 0;
  for (;;) {
    bool stopping;
    int64_t deadline;
    {
      std::unique_lock lock(mutex_);
      in_flight_ = batch.size();
      wake_.wait_for(lock, std::chrono::milliseconds(batch.empty() ? 100 : 50),
                     [&] { return stopping_ || (!pending_.empty() && batch.empty()); });
      stopping = stopping_;
      deadline = deadline_ms_;
      // What an earlier connection left goes first.
      batch.insert(batch.end(), std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
      pending_.clear();
      in_flight_ = batch.size();
    }
    if (stopping && (batch.empty() || now_ms() >= deadline)) break;
    if (batch.empty()) continue;
    if (!redis_) {
      // Stopping tries once more at once, and gives up if Redis does not answer.
      const bool attempt = stopping || now_ms() >= next_attempt;
      if (attempt && connect()) continue;
      if (attempt) next_attempt = now_ms() + config_.retry_ms;
      if (stopping) break;
      // Held, against the queue's cap, until Redis answers again; a stop wakes it.
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, next_attempt - now_ms())),
                     [&] { return stopping_; });
      continue;
    }
    send(batch);
  }
  std::lock_guard lock(mutex_);
  dropped_.fetch_add(batch.size() + pending_.size(), std::memory_order_relaxed);
  pending_.clear();
  in_flight_ = 0;
}

}  // namespace picket
