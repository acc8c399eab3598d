#pragma once
// Measurement windows over every meter found (Zeus's begin/end windows,
// nestable by name), an idle baseline, a background power trace, and
// repeated measurement of short work until the window is long enough for
// the counters to resolve it.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/reading.hpp"
#include "ecopt/energy/seams.hpp"

namespace ecopt {

// Power of every meter domain over time, sampled in the background.
struct PowerTrace {
  std::vector<std::string> series;  // "cuda:0/gpu", "cpu:0/package", ...
  std::vector<double> t_s;          // sample times from the trace's start
  std::vector<std::vector<double>> power_w;  // [sample][series]

  nlohmann::json to_json() const;
};

class EnergyMonitor {
 public:
  // clock: null for the steady clock.
  explicit EnergyMonitor(std::vector<std::unique_ptr<Meter>> meters,
                         std::shared_ptr<const MonotonicClock> clock = nullptr);
  ~EnergyMonitor();

  const std::vector<std::unique_ptr<Meter>>& meters() const;
  // The UUID of the meter on `device` ("cuda:1"), where its backend knows one.
  std::optional<std::string> device_uuid(const std::string& device) const;

  // Measures each meter's power with nothing else running over `period`;
  // later windows then report net energy too.
  void measure_idle_baseline(std::chrono::milliseconds period);
  bool has_idle_baseline() const;

  // Windows may nest and overlap; names must be unique while open
  // (InputError otherwise). `worker` is the thread whose work the window
  // measures: the caller, unless it opens windows for another (a reader of
  // a program's protocol lines opens them for the trial's thread). A window
  // open at the same time as another worker's, or that crosses another (one
  // outlives a window begun inside it), is shared (WindowResult::shared):
  // each holds the other's work. One worker's nested windows are not.
  void begin_window(const std::string& name,
                    std::thread::id worker = std::this_thread::get_id());
  WindowResult end_window(const std::string& name);
  // What the open window `name` has measured so far, leaving it open: a
  // training loop's energy so far for its intermediate reports.
  WindowResult read_window(const std::string& name);

  // Windows ended from now on count only the meters on these devices
  // (names as in DiscoveryOptions::devices: "cpu", "cuda:1"), so a trial
  // is charged for the devices it leased, not for its neighbours'. Empty:
  // every meter. InputError naming the meters here when a device has none.
  void set_device_scope(const std::vector<std::string>& devices);
  // The meters that windows ended now count (every meter without a scope).
  std::vector<const Meter*> counted_meters() const;

  // Samples every domain's power each `period` on a thread until stopped.
  void start_power_trace(std::chrono::milliseconds period);
  PowerTrace stop_power_trace();

  // CPU time of the meters' and the trace's background threads.
  double background_cpu_s() const;

  // The shortest window every meter resolves: kResolvedSteps (record.hpp)
  // steps of the coarsest meter. 0 without meters.
  double min_resolved_window_s() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Begins a window and ends it on every exit path: work that throws between
// begin and end (a program that cannot start, a stop request) must not
// leave the name open, or every later window of that name would fail.
class ScopedWindow {
 public:
  ScopedWindow(EnergyMonitor& monitor, std::string name,
               std::thread::id worker = std::this_thread::get_id());
  ~ScopedWindow();
  ScopedWindow(ScopedWindow&& other) noexcept;
  ScopedWindow(const ScopedWindow&) = delete;
  ScopedWindow& operator=(const ScopedWindow&) = delete;
  ScopedWindow& operator=(ScopedWindow&&) = delete;

  // Ends the window once; a guard whose window has ended does nothing more.
  WindowResult end();

 private:
  EnergyMonitor* monitor_;  // null once ended or moved from
  std::string name_;
};

struct RepeatPolicy {
  double min_window_s = 1.0;    // an H100's counter moves every ~100 ms
  int min_counter_updates = 10;  // per meter that has a counter
  int repeats = 5;               // K windows; median and spread over them
  int max_iterations = 1'000'000;
};

// Energy of one sample (image, token) of repeated work.
struct PerSampleEnergy {
  double median_j = 0.0;  // net of idle when a baseline exists, else gross
  double min_j = 0.0;
  double max_j = 0.0;
  double mad_j = 0.0;     // median absolute deviation over repeats
  bool idle_subtracted = false;
  bool policy_met = true;  // false when max_iterations stopped the growth
  std::size_t iterations_per_window = 0;  // calls of `work` per window
  std::size_t samples_per_window = 0;
  std::vector<WindowResult> windows;

  nlohmann::json to_json() const;
};

// Runs `work` (which processes some samples and returns how many) as often
// as needed so that each window satisfies the policy, then returns energy
// per sample over policy.repeats windows.
PerSampleEnergy measure_per_sample(EnergyMonitor& monitor, const std::string& name,
                                   const std::function<std::size_t()>& work,
                                   const RepeatPolicy& policy);

}  // namespace ecopt
