#pragma once
// A background thread that calls `tick` every period until destroyed, and
// knows its own CPU time (the measuring overhead we report).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ecopt::detail {

class Poller {
 public:
  Poller(double period_s, std::function<void()> tick);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  double cpu_s() const { return cpu_ns_.load(std::memory_order_relaxed) * 1e-9; }

 private:
  void run();

  double period_s_;
  std::function<void()> tick_;
  std::atomic<long long> cpu_ns_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Unwraps a raw counter that wraps at `range` (0: never wraps) and counts
// how often its value changed.
class WrappingCounter {
 public:
  explicit WrappingCounter(unsigned long long range) : range_(range) {}
  void observe(unsigned long long raw);
  unsigned long long total() const { return total_; }
  long long changes() const { return changes_; }

 private:
  unsigned long long range_;
  bool has_last_ = false;
  unsigned long long last_ = 0;
  unsigned long long total_ = 0;
  long long changes_ = 0;
};

// The wrapping counters of one meter, sampled by its poller thread and by
// callers at once, so every access takes the lock.
class CounterSet {
 public:
  // One counter per range, in order.
  explicit CounterSet(const std::vector<unsigned long long>& ranges);
  // Reads the raw values (one per counter, in the same order) with `read`
  // and observes them under one lock: a read taken before another is never
  // observed after it, which unwrapping would take for a wraparound (or a
  // reset, and count the step again). `read` may throw; nothing is observed.
  void sample(const std::function<std::vector<unsigned long long>()>& read);
  std::vector<unsigned long long> totals() const;
  // How often the first counter's value changed.
  long long first_changes() const;

 private:
  mutable std::mutex mutex_;
  std::vector<WrappingCounter> counters_;
};

}  // namespace ecopt::detail
