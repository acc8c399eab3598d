// Measurement windows, idle baseline, power trace, and the repeat policy.
#include "ecopt/energy/monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/math/stats.hpp"
#include "poller.hpp"

namespace ecopt {

struct EnergyMonitor::Impl {
  struct Snapshot {
    double t_s = 0.0;
    std::vector<std::vector<double>> energy_j;  // [meter][domain]
    std::vector<std::int64_t> updates;          // [meter]
  };

  struct OpenWindow {
    Snapshot start;
    std::thread::id worker;  // whose work it measures
    std::uint64_t order = 0;  // of beginning, among the monitor's windows
    bool shared = false;
  };

  std::vector<std::unique_ptr<Meter>> meters;
  std::shared_ptr<const MonotonicClock> clock;
  std::vector<std::vector<double>> idle_w;  // [meter][domain]; empty: no baseline
  std::mutex windows_mutex;  // Python threads may open windows at once
  std::map<std::string, OpenWindow> open_windows;
  std::uint64_t windows_begun = 0;
  std::vector<std::string> device_scope;  // empty: every meter

  std::mutex trace_mutex;
  PowerTrace trace;
  Snapshot trace_last;
  double trace_start_s = 0.0;
  std::unique_ptr<detail::Poller> trace_poller;
  double finished_trace_cpu_s = 0.0;

  Snapshot snapshot() const {
    Snapshot snap;
    for (const auto& meter : meters) {
      snap.energy_j.push_back(meter->read_j());
      snap.updates.push_back(meter->counter_updates());
    }
    snap.t_s = clock->now_s();
    return snap;
  }

  bool in_scope(const Meter& meter) const {
    return device_scope.empty() ||
           std::any_of(device_scope.begin(), device_scope.end(),
                       [&](const std::string& wanted) { return device_matches(wanted, meter.device()); });
  }

  WindowResult result(const std::string& name, const OpenWindow& open, const Snapshot& end) const {
    const Snapshot& start = open.start;
    WindowResult window;
    window.name = name;
    window.duration_s = end.t_s - start.t_s;
    window.shared = open.shared;
    for (std::size_t m = 0; m < meters.size(); ++m) {
      if (!in_scope(*meters[m])) continue;
      window.shared = window.shared || meters[m]->shared();
      const auto domains = meters[m]->domains();
      for (std::size_t d = 0; d < domains.size(); ++d) {
        EnergyReading reading;
        reading.device = meters[m]->device();
        reading.domain = domains[d];
        reading.source = meters[m]->source();
        reading.estimate_basis = meters[m]->estimate_basis();
        reading.gross_j = end.energy_j[m][d] - start.energy_j[m][d];
        reading.counter_updates = static_cast<int>(end.updates[m] - start.updates[m]);
        reading.resolution_s = meters[m]->resolution_s();
        const double mean_w = window.duration_s > 0 ? reading.gross_j / window.duration_s : 0.0;
        reading.resolution_j = meters[m]->step_energy_j(d, mean_w);
        if (!idle_w.empty()) {
          reading.idle_w = idle_w[m][d];
          reading.net_j = reading.gross_j - idle_w[m][d] * window.duration_s;
        }
        window.readings.push_back(reading);
      }
    }
    return window;
  }

  void sample_trace() {
    const auto now = snapshot();
    std::lock_guard lock(trace_mutex);
    const double dt = now.t_s - trace_last.t_s;
    if (dt <= 0) return;
    std::vector<double> power;
    for (std::size_t m = 0; m < now.energy_j.size(); ++m)
      for (std::size_t d = 0; d < now.energy_j[m].size(); ++d)
        power.push_back((now.energy_j[m][d] - trace_last.energy_j[m][d]) / dt);
    trace.t_s.push_back(now.t_s - trace_start_s);
    trace.power_w.push_back(std::move(power));
    trace_last = now;
  }
};

EnergyMonitor::EnergyMonitor(std::vector<std::unique_ptr<Meter>> meters,
                             std::shared_ptr<const MonotonicClock> clock)
    : impl_(std::make_unique<Impl>()) {
  impl_->meters = std::move(meters);
  impl_->clock = clock ? std::move(clock) : steady_clock();
}

EnergyMonitor::~EnergyMonitor() { impl_->trace_poller.reset(); }

const std::vector<std::unique_ptr<Meter>>& EnergyMonitor::meters() const { return impl_->meters; }

std::optional<std::string> EnergyMonitor::device_uuid(const std::string& device) const {
  for (const auto& meter : impl_->meters)
    if (meter->device() == device && !meter->uuid().empty()) return meter->uuid();
  return std::nullopt;
}

void EnergyMonitor::measure_idle_baseline(std::chrono::milliseconds period) {
  if (period.count() <= 0)
    throw InputError(fmt::format("idle baseline period {} ms must be positive", period.count()));
  const auto start = impl_->snapshot();
  impl_->clock->sleep_for_s(period.count() * 1e-3);
  const auto end = impl_->snapshot();
  const double seconds = end.t_s - start.t_s;
  impl_->idle_w.clear();
  for (std::size_t m = 0; m < impl_->meters.size(); ++m) {
    std::vector<double> watts;
    for (std::size_t d = 0; d < start.energy_j[m].size(); ++d)
      watts.push_back((end.energy_j[m][d] - start.energy_j[m][d]) / seconds);
    impl_->idle_w.push_back(std::move(watts));
  }
}

bool EnergyMonitor::has_idle_baseline() const { return !impl_->idle_w.empty(); }

// Every window reads the whole process's (or device's) energy, so windows
// open at once hold each other's work. One worker's nested windows do so by
// design (a trial's window holds its phases); windows of two workers, or
// two that cross (the later one outlives the earlier), are both shared.
void EnergyMonitor::begin_window(const std::string& name, std::thread::id worker) {
  std::lock_guard lock(impl_->windows_mutex);
  if (impl_->open_windows.count(name))
    throw InputError(fmt::format("energy window '{}' is already open: end it first or use "
                                 "another name",
                                 name));
  Impl::OpenWindow window{impl_->snapshot(), worker, ++impl_->windows_begun};
  for (auto& [other_name, other] : impl_->open_windows) {
    if (other.worker != worker) other.shared = window.shared = true;
  }
  impl_->open_windows.emplace(name, std::move(window));
}

WindowResult EnergyMonitor::end_window(const std::string& name) {
  std::lock_guard lock(impl_->windows_mutex);
  const auto it = impl_->open_windows.find(name);
  if (it == impl_->open_windows.end())
    throw InputError(fmt::format("energy window '{}' is not open: begin it before ending it", name));
  for (auto& [other_name, other] : impl_->open_windows) {
    if (other.order > it->second.order) other.shared = it->second.shared = true;  // they cross
  }
  const auto end = impl_->snapshot();
  auto window = impl_->result(name, it->second, end);
  impl_->open_windows.erase(it);
  return window;
}

WindowResult EnergyMonitor::read_window(const std::string& name) {
  std::lock_guard lock(impl_->windows_mutex);
  const auto it = impl_->open_windows.find(name);
  if (it == impl_->open_windows.end())
    throw InputError(fmt::format("energy window '{}' is not open: begin it before reading it", name));
  return impl_->result(name, it->second, impl_->snapshot());
}

ScopedWindow::ScopedWindow(EnergyMonitor& monitor, std::string name, std::thread::id worker)
    : monitor_(&monitor), name_(std::move(name)) {
  monitor_->begin_window(name_, worker);
}

ScopedWindow::~ScopedWindow() {
  if (!monitor_) return;
  try {
    monitor_->end_window(name_);
  } catch (...) {  // already unwinding: the first error is the one to report
  }
}

ScopedWindow::ScopedWindow(ScopedWindow&& other) noexcept
    : monitor_(std::exchange(other.monitor_, nullptr)), name_(std::move(other.name_)) {}

WindowResult ScopedWindow::end() {
  if (!monitor_) throw InputError(fmt::format("energy window '{}' has already ended", name_));
  return std::exchange(monitor_, nullptr)->end_window(name_);
}

void EnergyMonitor::set_device_scope(const std::vector<std::string>& devices) {
  for (const auto& wanted : devices) {
    const bool measured = std::any_of(impl_->meters.begin(), impl_->meters.end(), [&](const auto& meter) {
      return device_matches(wanted, meter->device());
    });
    if (measured) continue;
    std::vector<std::string> names;
    for (const auto& meter : impl_->meters) names.push_back(meter->device());
    throw InputError(fmt::format(
        "no energy meter measures {} here (meters: {}); lease only devices that 'ecopt devices' "
        "lists",
        wanted, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  impl_->device_scope = devices;
}

std::vector<const Meter*> EnergyMonitor::counted_meters() const {
  std::vector<const Meter*> counted;
  for (const auto& meter : impl_->meters)
    if (impl_->in_scope(*meter)) counted.push_back(meter.get());
  return counted;
}

void EnergyMonitor::start_power_trace(std::chrono::milliseconds period) {
  if (impl_->trace_poller) throw InputError("a power trace is already running: stop it first");
  if (period.count() <= 0)
    throw InputError(fmt::format("power trace period {} ms must be positive", period.count()));
  {
    std::lock_guard lock(impl_->trace_mutex);
    impl_->trace = PowerTrace{};
    for (const auto& meter : impl_->meters)
      for (const auto& domain : meter->domains())
        impl_->trace.series.push_back(meter->device() + "/" + domain);
    impl_->trace_last = impl_->snapshot();
    impl_->trace_start_s = impl_->trace_last.t_s;
  }
  impl_->trace_poller = std::make_unique<detail::Poller>(period.count() * 1e-3, [impl = impl_.get()] {
    try {
      impl->sample_trace();
    } catch (const Error&) {
      // A meter that fails mid-run leaves a gap in the trace, not a crash.
    }
  });
}

PowerTrace EnergyMonitor::stop_power_trace() {
  if (impl_->trace_poller) {
    impl_->finished_trace_cpu_s += impl_->trace_poller->cpu_s();
    impl_->trace_poller.reset();
  }
  std::lock_guard lock(impl_->trace_mutex);
  return impl_->trace;
}

double EnergyMonitor::background_cpu_s() const {
  double total = impl_->finished_trace_cpu_s;
  if (impl_->trace_poller) total += impl_->trace_poller->cpu_s();
  for (const auto& meter : impl_->meters) total += meter->background_cpu_s();
  return total;
}

double EnergyMonitor::min_resolved_window_s() const {
  double coarsest_s = 0.0;
  for (const auto& meter : impl_->meters) coarsest_s = std::max(coarsest_s, meter->resolution_s());
  return kResolvedSteps * coarsest_s;
}

nlohmann::json PowerTrace::to_json() const {
  return {{"series", series}, {"t_s", t_s}, {"power_w", power_w}};
}

namespace {

// Whether a window is long enough for every counter to resolve it.
bool satisfies(const WindowResult& window, const RepeatPolicy& policy) {
  if (window.duration_s < policy.min_window_s) return false;
  for (const auto& reading : window.readings) {
    const bool has_counter = !is_estimate(reading.source);
    if (has_counter && reading.counter_updates < policy.min_counter_updates) return false;
  }
  return true;
}

// How many times longer the window must be, from what it lacked.
double growth_factor(const WindowResult& window, const EnergyMonitor& monitor,
                     const RepeatPolicy& policy) {
  double factor = policy.min_window_s / std::max(window.duration_s, 1e-9);
  for (const auto& meter : monitor.meters()) {
    if (meter->update_period_s() <= 0) continue;
    const double needed_s = policy.min_counter_updates * meter->update_period_s();
    factor = std::max(factor, needed_s / std::max(window.duration_s, 1e-9));
  }
  // A little headroom so that the next try passes; never less than doubling
  // (the first window may be a warm-up), never an absurd jump.
  return std::clamp(factor * 1.2, 2.0, 1000.0);
}

struct Run {
  WindowResult window;
  std::size_t samples = 0;
};

Run run_window(EnergyMonitor& monitor, const std::string& name,
               const std::function<std::size_t()>& work, std::size_t iterations) {
  Run run;
  ScopedWindow window(monitor, name);
  for (std::size_t i = 0; i < iterations; ++i) run.samples += work();
  run.window = window.end();
  return run;
}

double window_energy_j(const WindowResult& window) {
  const auto net = window.net_j();
  return net ? *net : window.gross_j();
}

}  // namespace

PerSampleEnergy measure_per_sample(EnergyMonitor& monitor, const std::string& name,
                                   const std::function<std::size_t()>& work,
                                   const RepeatPolicy& policy) {
  if (policy.repeats < 1 || policy.max_iterations < 1 || policy.min_window_s < 0 ||
      policy.min_counter_updates < 0)
    throw InputError("repeat policy needs repeats >= 1, max_iterations >= 1 and non-negative "
                     "minimum window and counter updates");
  PerSampleEnergy result;
  // Calibrate: grow the iteration count until one window satisfies the policy.
  std::size_t iterations = 1;
  const auto limit = static_cast<std::size_t>(policy.max_iterations);
  for (;;) {
    const auto run = run_window(monitor, name, work, iterations);
    if (satisfies(run.window, policy)) break;
    if (iterations >= limit) {
      result.policy_met = false;
      break;
    }
    const double grown = std::ceil(iterations * growth_factor(run.window, monitor, policy));
    iterations = std::min(limit, static_cast<std::size_t>(grown));
  }
  // Headroom, so that jitter in the repeats does not push them below the
  // policy that the calibration window just met.
  if (result.policy_met)
    iterations = std::min(limit, static_cast<std::size_t>(std::ceil(iterations * 1.2)));
  std::vector<double> per_sample_j;
  for (int k = 0; k < policy.repeats; ++k) {
    auto run = run_window(monitor, name, work, iterations);
    if (run.samples == 0)
      throw InputError(fmt::format("measured work '{}' processed no samples: it must return how "
                                   "many it processed",
                                   name));
    result.policy_met = result.policy_met && satisfies(run.window, policy);
    per_sample_j.push_back(window_energy_j(run.window) / static_cast<double>(run.samples));
    result.samples_per_window = run.samples;
    result.idle_subtracted = run.window.net_j().has_value();
    result.windows.push_back(std::move(run.window));
  }
  result.iterations_per_window = iterations;
  result.median_j = median(per_sample_j);
  result.min_j = *std::min_element(per_sample_j.begin(), per_sample_j.end());
  result.max_j = *std::max_element(per_sample_j.begin(), per_sample_j.end());
  result.mad_j = median_absolute_deviation(per_sample_j);
  return result;
}

nlohmann::json PerSampleEnergy::to_json() const {
  nlohmann::json windows_json = nlohmann::json::array();
  for (const auto& window : windows) windows_json.push_back(ecopt::to_json(window));
  return {{"median_j", median_j},
          {"min_j", min_j},
          {"max_j", max_j},
          {"mad_j", mad_j},
          {"idle_subtracted", idle_subtracted},
          {"policy_met", policy_met},
          {"iterations_per_window", iterations_per_window},
          {"samples_per_window", samples_per_window},
          {"windows", windows_json}};
}

}  // namespace ecopt
