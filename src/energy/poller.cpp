#include "poller.hpp"

#include <time.h>

#include <chrono>

namespace ecopt::detail {

Poller::Poller(double period_s, std::function<void()> tick)
    : period_s_(period_s), tick_(std::move(tick)), thread_([this] { run(); }) {}

Poller::~Poller() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Poller::run() {
  const auto period = std::chrono::duration<double>(period_s_);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    tick_();
    timespec cpu{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    cpu_ns_.store(static_cast<long long>(cpu.tv_sec) * 1'000'000'000LL + cpu.tv_nsec,
                  std::memory_order_relaxed);
    lock.lock();
  }
}

void WrappingCounter::observe(unsigned long long raw) {
  if (has_last_ && raw != last_) {
    ++changes_;
    // A smaller value means the counter passed its maximum once; the poller
    // reads often enough that it cannot have passed it twice.
    // A counter that never wraps (range 0) and goes back was reset: count
    // nothing rather than a huge jump.
    if (raw >= last_)
      total_ += raw - last_;
    else if (range_ > 0)
      total_ += range_ - last_ + raw;
  }
  has_last_ = true;
  last_ = raw;
}

CounterSet::CounterSet(const std::vector<unsigned long long>& ranges) {
  for (const auto range : ranges) counters_.emplace_back(range);
}

void CounterSet::sample(const std::function<std::vector<unsigned long long>()>& read) {
  std::lock_guard lock(mutex_);
  const auto raw = read();
  for (std::size_t i = 0; i < raw.size(); ++i) counters_[i].observe(raw[i]);
}

std::vector<unsigned long long> CounterSet::totals() const {
  std::lock_guard lock(mutex_);
  std::vector<unsigned long long> totals;
  for (const auto& counter : counters_) totals.push_back(counter.total());
  return totals;
}

long long CounterSet::first_changes() const {
  std::lock_guard lock(mutex_);
  return counters_.front().changes();
}

}  // namespace ecopt::detail
