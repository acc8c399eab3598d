#pragma once
// A gate for the read seams (file reads, perf, the fake NVML); used by
// test_support.hpp's interleave_a_stale_read.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ecopt::testing {

// Holds one read inside a seam after it took its value, until released:
// with a background poller that read goes stale while another read moves on.
class ReadGate {
 public:
  void arm() {
    std::lock_guard lock(mutex_);
    armed_ = true;
  }
  // Called by the seam after reading; blocks while the gate holds it.
  void pass() {
    std::unique_lock lock(mutex_);
    if (!armed_) return;
    armed_ = false;
    holding_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !holding_; });
  }
  bool wait_until_holding() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [this] { return holding_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    holding_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  bool holding_ = false;
};

}  // namespace ecopt::testing
