// The CPU-time estimate on real CPU work, and discovery on this machine.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <thread>

#include "ecopt/core/error.hpp"

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/process.hpp"

namespace ecopt {
namespace {

double thread_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

// Spins until this thread has used `seconds` of CPU (wall time may be
// longer on a loaded machine).
void burn_cpu(double seconds) {
  const double until = thread_cpu_s() + seconds;
  volatile double sink = 0.0;
  while (thread_cpu_s() < until)
    for (int i = 0; i < 10000; ++i) sink = sink + i * 1e-9;
}

DiscoveryOptions estimate_only() {
  DiscoveryOptions options;
  options.powercap_root = "/nonexistent/powercap";
  options.perf_root = "/nonexistent/power";
  options.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  return options;
}

TEST(EstimateMeter, BusyLoopEnergyIsCpuTimeTimesWattsPerCore) {
  auto options = estimate_only();
  options.cpu_watts_per_core = 10.0;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EnergyMonitor monitor(std::move(found.meters));
  monitor.begin_window("busy");
  burn_cpu(0.2);
  const auto window = monitor.end_window("busy");
  ASSERT_EQ(window.readings.size(), 1u);
  const auto& reading = window.readings[0];
  EXPECT_EQ(reading.device, "cpu (estimate)");
  EXPECT_EQ(reading.domain, "cpu-time");
  EXPECT_EQ(reading.source, EnergySource::EstimateCpuTime);
  EXPECT_TRUE(window.is_estimate());
  EXPECT_EQ(window.source_summary(), "estimate-cpu-time");
  // 0.2 s of CPU at 10 W per core, plus a little for the rest of the process.
  EXPECT_GE(reading.gross_j, 0.2 * 10.0 * 0.98);
  EXPECT_LE(reading.gross_j, 0.2 * 10.0 * 1.25);
}

TEST(EstimateMeter, DefaultWattsPerCoreIsDocumentedFigure) {
  auto found = discover_meters(estimate_only());
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.meters[0]->description().find("6.75 W per core"), std::string::npos);
  EXPECT_NE(found.meters[0]->description().find("ESTIMATE"), std::string::npos);
}

TEST(EstimateMeter, MemoryTermIsASecondDomain) {
  auto options = estimate_only();
  options.memory_watts_per_gib = 0.375;
  options.background_polling = false;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->domains(), (std::vector<std::string>{"cpu-time", "memory"}));
  found.meters[0]->read_j();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double rss_gib = own_process_usage().rss_bytes / (1024.0 * 1024.0 * 1024.0);
  const double memory_j = found.meters[0]->read_j()[1];
  EXPECT_GT(memory_j, 0.0);
  EXPECT_LT(memory_j, 0.375 * rss_gib * 2 * 0.5);
}

TEST(EstimateMeter, MeasuresAnotherProcessTree) {
  ProcessOptions spawn;
  spawn.argv = {"/bin/sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"};
  Process process(spawn);
  auto options = estimate_only();
  options.estimate_usage = [&process] { return process.usage(); };
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.meters[0]->description().find("measured command"), std::string::npos);
  const auto status = process.wait();
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_GT(status.cpu_s, 0.05);
  EXPECT_NEAR(found.meters[0]->read_j()[0], status.cpu_s * kDefaultCpuWattsPerCore,
              0.02 * kDefaultCpuWattsPerCore);
}

TEST(Discovery, ThisMachineSaysWhyEachSensorIsMissingAndUsesTheEstimate) {
  // The real paths: on this virtual machine there is no RAPL and no NVML;
  // on a machine with sensors, sensors are used instead.
  auto found = discover_meters(DiscoveryOptions{});
  ASSERT_FALSE(found.meters.empty());
  const bool estimated = std::any_of(found.meters.begin(), found.meters.end(),
                                     [](const auto& m) { return is_estimate(m->source()); });
  if (estimated) {
    EXPECT_GE(found.unavailable.size(), 2u);  // rapl-powercap and rapl-perf at least
    bool warned = false;
    for (const auto& line : found.warnings) warned = warned || line.find("ESTIMATE") != std::string::npos;
    EXPECT_TRUE(warned);
  }
}

TEST(Discovery, NoEstimateMeansNoCpuMeterAndAReason) {
  auto options = estimate_only();
  options.allow_estimate = false;
  auto found = discover_meters(options);
  EXPECT_TRUE(found.meters.empty());
  EXPECT_NE(found.unavailable.back().find("estimate-cpu-time: not used"), std::string::npos);
}

TEST(Discovery, BadOptionsAreInputErrors) {
  auto options = estimate_only();
  options.devices = {"tpu:0"};
  EXPECT_THROW(discover_meters(options), InputError);
  options.devices = {};
  options.cpu_watts_per_core = -1;
  EXPECT_THROW(discover_meters(options), InputError);
}

TEST(Discovery, RequestedDeviceThatIsMissingIsReported) {
  auto options = estimate_only();
  options.devices = {"cpu", "cuda:1"};
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.unavailable.back().find("cuda:1: no such device here (found: cpu (estimate))"),
            std::string::npos);
}

}  // namespace
}  // namespace ecopt
