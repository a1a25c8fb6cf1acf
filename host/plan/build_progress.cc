#include "plan/build_progress.h"

namespace picket {

void BuildProgress::step(std::string_view what) {
  std::lock_guard<std::mutex> lock(mutex_);
  step_.assign(what);
}

std::string BuildProgress::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return step_;
}

BuildProgressLine::BuildProgressLine(const BuildProgress& progress, std::string program, bool on,
                                     std::chrono::milliseconds interval, std::FILE* out)
    : progress_(progress), program_(std::move(program)), interval_(interval), out_(out) {
  if (on) thread_ = std::thread([this] { run(); });
}

BuildProgressLine::~BuildProgressLine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BuildProgressLine::run() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    std::fprintf(out_, "%s: loading, %lld s: %s\n", program_.c_str(), static_cast<long long>(seconds.count()),
                 progress_.current().c_str());
    std::fflush(out_);
  }
}

}  // namespace picket
