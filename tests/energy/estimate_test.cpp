// The CPU-time estimate on real CPU work, its charge per hardware thread,
// and where discovery looks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/process.hpp"
#include "scoped_env.hpp"
#include "test_support.hpp"

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

// Issue 23: the estimate counts CPU time in ticks, so one tick of CPU time
// at the watts per hardware thread can hide in any of its windows, whatever
// the window's mean power: a window of a sleeping process states that
// quantum (0.1 J here), not the tick × its near-zero mean power.
TEST(EstimateMeter, ItsResolutionIsOneTickOfCpuTimeAtTheWattsPerThread) {
  auto options = estimate_only();
  options.cpu_watts_per_core = 10.0;  // each thread a whole core: no topology here
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EnergyMonitor monitor(std::move(found.meters));
  const double tick_s = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  monitor.begin_window("asleep");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto asleep = monitor.end_window("asleep");
  EXPECT_DOUBLE_EQ(asleep.resolution_j(), tick_s * 10.0);
  monitor.begin_window("busy");
  burn_cpu(0.05);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_DOUBLE_EQ(monitor.end_window("busy").resolution_j(), tick_s * 10.0);
}

// A sysfs CPU folder: `cores` cores of `threads` hardware threads each,
// numbered as Linux does (the first thread of every core, then the second).
std::string fake_cpu_topology(const testing::TempDir& dir, int cores, int threads) {
  const int cpus = cores * threads;
  dir.write("cpu/online", fmt::format("0-{}\n", cpus - 1));
  for (int cpu = 0; cpu < cpus; ++cpu) {
    std::vector<int> siblings;
    for (int t = 0; t < threads; ++t) siblings.push_back(cpu % cores + t * cores);
    dir.write(fmt::format("cpu/cpu{}/topology/thread_siblings_list", cpu),
              fmt::format("{}\n", fmt::join(siblings, ",")));
  }
  return (dir.path() / "cpu").string();
}

TEST(EstimateMeter, TheDefaultCoreWattsAreSharedByTheCoresHardwareThreads) {
  testing::TempDir dir;
  auto options = estimate_only();
  options.cpu_root = fake_cpu_topology(dir, 4, 2);
  const auto smt = cpu_time_charge(options);
  EXPECT_DOUBLE_EQ(smt.threads_per_core, 2.0);
  EXPECT_DOUBLE_EQ(smt.watts_per_thread(), 270.0 / 80.0);  // the Xeon 8380's TDP per thread
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.meters[0]->description().find(
                "ESTIMATE, not a measurement: CPU time of this process and its children × 3.38 W per "
                "hardware thread (6.75 W per core / 2 threads per core)"),
            std::string::npos)
      << found.meters[0]->description();

  testing::TempDir no_smt_dir;
  options.cpu_root = fake_cpu_topology(no_smt_dir, 4, 1);
  options.cpu_watts_per_core = 10.0;
  EXPECT_EQ(cpu_time_charge(options).text(),
            "10.00 W per hardware thread (10.00 W per core / 1 thread per core); watts per core: given");
}

// Issue 23: a virtual machine may show one thread per core while each vCPU
// is a hardware thread of an SMT host core; the charge says so where the
// CPU flags name a hypervisor, and only there.
TEST(EstimateMeter, AVirtualMachineShowingOneThreadPerCoreSaysSmtMayBeHidden) {
  testing::TempDir dir;
  auto options = estimate_only();
  options.cpu_root = fake_cpu_topology(dir, 4, 1);
  dir.write("cpuinfo", "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor avx2\n\n");
  options.cpuinfo_path = (dir.path() / "cpuinfo").string();
  const auto vm = cpu_time_charge(options);
  EXPECT_TRUE(vm.virtual_machine);
  EXPECT_THAT(vm.text(), ::testing::HasSubstr("1 thread per core; a virtual machine: its vCPUs may be hardware "
                                              "threads of the host's SMT cores"));
  dir.write("cpuinfo", "processor\t: 0\nflags\t\t: fpu vme sse2 avx2\n\n");
  EXPECT_EQ(cpu_time_charge(options).text().find("virtual machine"), std::string::npos);
}

TEST(EstimateMeter, AnUnreadableTopologyChargesEachThreadAsACoreAndSaysSo) {
  auto options = estimate_only();
  options.cpu_root = "/nonexistent/cpu";
  const auto charge = cpu_time_charge(options);
  EXPECT_DOUBLE_EQ(charge.watts_per_thread(), kDefaultCpuWattsPerCore);
  EXPECT_EQ(charge.text(),
            "6.75 W per hardware thread (6.75 W per core, each thread charged as a whole core: threads "
            "per core unknown, cannot read the online CPUs from /nonexistent/cpu/online); watts per core: "
            "ECOpt's default (the Xeon Platinum 8380's 270 W / 40 cores): no CPU model in "
            "/nonexistent/ecopt-tests/cpuinfo; give your CPU's TDP / cores as cpu_watts_per_core");
  testing::TempDir dir;
  options.cpu_root = fake_cpu_topology(dir, 2, 2);
  std::filesystem::remove(dir.path() / "cpu/cpu3/topology/thread_siblings_list");
  EXPECT_NE(cpu_time_charge(options).text().find("cannot read " + options.cpu_root +
                                                 "/cpu3/topology/thread_siblings_list"),
            std::string::npos);
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

TEST(Discovery, EmptyPathsComeFromTheEnvironmentAndGivenPathsWin) {
  // The test main points all three at nothing; these name other nothings.
  testing::ScopedEnv powercap("ECOPT_POWERCAP_ROOT", "/nonexistent/env-powercap");
  testing::ScopedEnv perf("ECOPT_PERF_ROOT", "/nonexistent/env-perf");
  testing::ScopedEnv nvml("ECOPT_NVML_LIBRARY", "/nonexistent/env-libnvidia-ml.so.1");
  auto found = discover_meters(DiscoveryOptions{});
  EXPECT_TRUE(testing::has_line(found.unavailable, "zone under /nonexistent/env-powercap"));
  EXPECT_TRUE(testing::has_line(found.unavailable, "PMU at /nonexistent/env-perf"));
  EXPECT_TRUE(
      testing::has_line(found.unavailable, "cannot load /nonexistent/env-libnvidia-ml.so.1"));
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_TRUE(is_estimate(found.meters[0]->source()));
  EXPECT_TRUE(testing::has_line(found.warnings, "ESTIMATE"));

  auto given = estimate_only();
  EXPECT_TRUE(
      testing::has_line(discover_meters(given).unavailable, "zone under /nonexistent/powercap"));
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
