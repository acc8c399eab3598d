// Cost of measuring: the CPU time of the meters' background threads (RAPL
// pollers, NVML sampler, memory sampler, power trace) as a share of a run of
// real work. Target: under 0.5 %. Sensors this machine lacks are stood in
// for by the same fakes the tests use (a powercap tree in a temporary
// folder, the fake NVML library), read through the real code paths.
//
//   ecopt_bench_energy_overhead [seconds-per-scenario]
#include <dlfcn.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"

namespace {

double process_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

double thread_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

// Real work: floating-point arithmetic on this thread for `seconds` of CPU.
void work(double seconds) {
  const double until = thread_cpu_s() + seconds;
  volatile double sink = 1.0;
  while (thread_cpu_s() < until)
    for (int i = 1; i < 100000; ++i) sink = sink * 1.0000001 + 1.0 / i;
}

// Two sockets with package and dram, as on a dual-socket server.
std::string make_powercap_tree(const std::filesystem::path& root) {
  auto write = [&](const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((root / relative).parent_path());
    std::ofstream(root / relative) << text;
  };
  for (int socket = 0; socket < 2; ++socket) {
    const std::string zone = "intel-rapl:" + std::to_string(socket);
    write(zone + "/name", "package-" + std::to_string(socket) + "\n");
    write(zone + "/energy_uj", "1000\n");
    write(zone + "/max_energy_range_uj", "262143328850\n");
    write(zone + ":0/name", "dram\n");
    write(zone + ":0/energy_uj", "1000\n");
    write(zone + ":0/max_energy_range_uj", "65712999613\n");
  }
  return root.string();
}

// The fake tree does not move by itself: step it once so discovery's
// frozen-counter probe passes, as a live CPU would.
class SteppingClock final : public ecopt::MonotonicClock {
 public:
  explicit SteppingClock(std::filesystem::path root) : root_(std::move(root)) {}
  double now_s() const override { return ecopt::steady_clock()->now_s(); }
  void sleep_for_s(double seconds) const override {
    ecopt::steady_clock()->sleep_for_s(seconds);
    step_ += 1000;
    for (int socket = 0; socket < 2; ++socket)
      std::ofstream(root_ / ("intel-rapl:" + std::to_string(socket)) / "energy_uj") << step_ << "\n";
  }

 private:
  std::filesystem::path root_;
  mutable long long step_ = 1000;
};

void report(const char* scenario, double seconds, ecopt::EnergyMonitor& monitor, bool trace) {
  if (trace) monitor.start_power_trace(std::chrono::milliseconds(100));
  const double cpu_before = process_cpu_s();
  const double background_before = monitor.background_cpu_s();
  const auto wall_before = std::chrono::steady_clock::now();
  monitor.begin_window("run");
  work(seconds);
  monitor.end_window("run");
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  const auto samples = trace ? monitor.stop_power_trace().t_s.size() : 0;
  const double background_s = monitor.background_cpu_s() - background_before;
  const double run_cpu_s = process_cpu_s() - cpu_before;
  // The threads wake on wall-clock periods, so their cost is a rate per
  // second of run; on a loaded machine the work also takes longer in wall
  // time than in CPU time, which inflates the second ratio.
  std::printf("%-44s meters=%zu wall=%6.2f s  process CPU=%6.3f s  measuring=%8.5f s CPU  "
              "share of run=%.3f %%  of process CPU=%.3f %%%s\n",
              scenario, monitor.meters().size(), wall_s, run_cpu_s, background_s,
              100.0 * background_s / wall_s, 100.0 * background_s / run_cpu_s,
              trace ? (" trace samples=" + std::to_string(samples)).c_str() : "");
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const auto root = std::filesystem::temp_directory_path() / "ecopt-bench-powercap";
  std::filesystem::remove_all(root);

  ecopt::DiscoveryOptions rapl;
  rapl.powercap_root = make_powercap_tree(root);
  rapl.perf_root = "/nonexistent";
  rapl.devices = {"cpu"};
  rapl.clock = std::make_shared<SteppingClock>(root);
  {
    ecopt::EnergyMonitor monitor(ecopt::discover_meters(rapl).meters);
    report("rapl-powercap, 2 sockets x 2 domains, 50 ms", seconds, monitor, false);
  }
  {
    ecopt::EnergyMonitor monitor(ecopt::discover_meters(rapl).meters);
    report("rapl-powercap + power trace every 100 ms", seconds, monitor, true);
  }
#ifdef ECOPT_FAKE_NVML_PATH
  {
    // One scripted GPU with an energy counter in the fake library.
    void* fake = dlopen(ECOPT_FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
    using AddDevice = int (*)(unsigned, const char*, const char*, int, int);
    if (fake)
      reinterpret_cast<AddDevice>(dlsym(fake, "fake_nvml_add_device"))(0x1b, "GPU-bench", "fake", 0, 0);
    ecopt::DiscoveryOptions nvml;
    nvml.nvml_library = ECOPT_FAKE_NVML_PATH;
    nvml.devices = {"cuda"};
    auto found = ecopt::discover_meters(nvml);
    if (!found.meters.empty()) {
      ecopt::EnergyMonitor monitor(std::move(found.meters));
      report("nvml (fake library) counter, 50 ms", seconds, monitor, false);
    } else {
      std::printf("nvml (fake library): %s\n", found.unavailable.front().c_str());
    }
    if (fake) dlclose(fake);
  }
#endif
  {
    ecopt::DiscoveryOptions estimate;
    estimate.powercap_root = "/nonexistent";
    estimate.perf_root = "/nonexistent";
    estimate.nvml_library = "/nonexistent";
    estimate.memory_watts_per_gib = 0.375;
    ecopt::EnergyMonitor monitor(ecopt::discover_meters(estimate).meters);
    report("estimate-cpu-time + memory term, 500 ms", seconds, monitor, true);
  }
  std::filesystem::remove_all(root);
  return 0;
}
