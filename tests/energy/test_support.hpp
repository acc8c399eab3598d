#pragma once
// Fakes for what this machine lacks: a clock that tests move by hand, a
// temporary folder for fake sysfs trees, and a meter driven by the clock.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/seams.hpp"
#include "polling.hpp"
#include "read_gate.hpp"

namespace ecopt::testing {

// Time moves only when a test advances it or code "sleeps" on it; a sleep
// can run a hook (for example to advance fake sysfs counters).
class ManualClock final : public MonotonicClock {
 public:
  double now_s() const override {
    std::lock_guard lock(mutex_);
    return now_s_;
  }
  void sleep_for_s(double seconds) const override {
    advance(seconds);
    if (on_sleep) on_sleep(seconds);
  }
  void advance(double seconds) const {
    std::lock_guard lock(mutex_);
    now_s_ += seconds;
  }
  std::function<void(double)> on_sleep;

 private:
  mutable std::mutex mutex_;
  mutable double now_s_ = 1000.0;
};

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("ecopt-energy-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    // Write then rename: a concurrent reader sees the old or the new text,
    // never a truncated file, as with sysfs attributes.
    auto staging = file;
    staging += ".writing";
    std::ofstream(staging) << text;
    std::filesystem::rename(staging, file);
  }

 private:
  std::filesystem::path path_;
};

// Whether any of `lines` (reasons, warnings) contains `text`.
inline bool has_line(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// The counter race of issue 12: one read of the meter (as its background
// poller makes) takes the counter's value and is held by the gate; the
// counter moves (`move_counter`); a window reads the newer value; only then
// may the held, older read reach the meter. Returns once both reads are
// done. Pollers are off in these tests, so that the two reads are the only
// ones. `Gate` has arm(), wait_until_holding() and release().
template <typename Gate>
void interleave_a_stale_read(Meter& meter, Gate& gate, const std::function<void()>& move_counter) {
  gate.arm();
  auto stale_read = std::async(std::launch::async, [&meter] { meter.read_j(); });
  if (!gate.wait_until_holding()) throw std::runtime_error("the held read never came");
  move_counter();
  auto window_read = std::async(std::launch::async, [&meter] { meter.read_j(); });
  // Where reads can reorder, the window's read finishes while the other is
  // held. Where they cannot, it waits for the held one: the bound only ends
  // that wait (the outcome then does not depend on it).
  window_read.wait_for(std::chrono::milliseconds(500));
  gate.release();
  stale_read.get();
  window_read.get();
}

// A meter whose counter moves every `update_period_s` of the given clock by
// power_w × period: like an NVML counter, quantised in time.
class ClockDrivenMeter final : public Meter {
 public:
  ClockDrivenMeter(std::shared_ptr<const MonotonicClock> clock, double power_w, double update_period_s,
                   std::string device = "fake:0")
      : clock_(std::move(clock)),
        power_w_(power_w),
        period_s_(update_period_s),
        device_(std::move(device)),
        start_s_(clock_->now_s()) {}

  void set_power_w(double power_w) {
    std::lock_guard lock(mutex_);
    accumulate();
    power_w_ = power_w;
  }

  std::string device() const override { return device_; }
  EnergySource source() const override { return EnergySource::NvmlEnergyCounter; }
  std::vector<std::string> domains() const override { return {"gpu"}; }
  std::vector<double> read_j() override {
    std::lock_guard lock(mutex_);
    accumulate();
    return {energy_j_};
  }
  double update_period_s() const override { return period_s_; }
  std::int64_t counter_updates() const override {
    std::lock_guard lock(mutex_);
    return ticks(clock_->now_s());
  }
  std::string description() const override { return "clock-driven fake"; }

 private:
  std::int64_t ticks(double now_s) const {
    return static_cast<std::int64_t>(std::floor((now_s - start_s_) / period_s_ + 1e-9));
  }
  // Energy added at each counter update since the last look.
  void accumulate() {
    const auto now = ticks(clock_->now_s());
    energy_j_ += static_cast<double>(now - seen_ticks_) * power_w_ * period_s_;
    seen_ticks_ = now;
  }

  std::shared_ptr<const MonotonicClock> clock_;
  double power_w_;
  double period_s_;
  std::string device_;
  double start_s_;
  mutable std::mutex mutex_;
  std::int64_t seen_ticks_ = 0;
  double energy_j_ = 0.0;
};

}  // namespace ecopt::testing
