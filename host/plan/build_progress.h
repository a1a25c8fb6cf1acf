// A progress line for long builds: a policy of a million statements or all of ET Open takes
// seconds to compile, and an operator watching picketd or picketc start should see what it is
// doing rather than a silent terminal. build_generation names each step it enters
// (BuildProgress::step); a BuildProgressLine, alive while the build runs, prints on stderr
//
//   picketd: loading, 4 s: compiling 24,827 rules
//
// every interval (2 s) after the first, so a load that is quick prints nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace picket {

// The step a build is in; written by the build's thread, read by the line's.
class BuildProgress {
 public:
  void step(std::string_view what);
  std::string current() const;

 private:
  mutable std::mutex mutex_;
  std::string step_ = "starting";
};

class BuildProgressLine {
 public:
  // Prints nothing when `on` is false (-q).
  BuildProgressLine(const BuildProgress& progress, std::string program, bool on,
                    std::chrono::milliseconds interval = std::chrono::seconds(2), std::FILE* out = stderr);
  ~BuildProgressLine();
  BuildProgressLine(const BuildProgressLine&) = delete;
  BuildProgressLine& operator=(const BuildProgressLine&) = delete;

 private:
  void run();

  const BuildProgress& progress_;
  const std::string program_;
  const std::chrono::milliseconds interval_;
  std::FILE* const out_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace picket
