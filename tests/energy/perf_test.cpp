// RAPL perf_event backend: a fake PMU folder, and the system call behind
// its seam so that denial and counting are scripted.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <mutex>

#include "ecopt/energy/meter.hpp"
#include "fake_backends.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::ManualClock;
using testing::ScriptedPerf;
using testing::TempDir;


class PerfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("power/type", "23\n");
    dir.write("power/cpumask", "0,36\n");
    write_event("energy-pkg", "event=0x02");
    write_event("energy-ram", "event=0x03");
    options.powercap_root = (dir.path() / "no-powercap").string();
    options.perf_root = (dir.path() / "power").string();
    options.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    options.devices = {"cpu"};
    options.allow_estimate = false;
    options.background_polling = false;
    options.clock = clock;
    options.perf_events = perf;
    clock->on_sleep = [this](double) { perf->add_all(1000); };
  }
  void write_event(const std::string& name, const std::string& config) {
    dir.write("power/events/" + name, config + "\n");
    dir.write("power/events/" + name + ".scale", "2.3283064365386962890625e-10\n");
    dir.write("power/events/" + name + ".unit", "Joules\n");
  }

  TempDir dir;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<ScriptedPerf> perf = std::make_shared<ScriptedPerf>();
  DiscoveryOptions options;
};

TEST_F(PerfTest, PackageAndRamOnOneCpuPerPackage) {
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 2u) << (found.unavailable.empty() ? "" : found.unavailable[0]);
  EXPECT_EQ(found.meters[0]->device(), "cpu:0");
  EXPECT_EQ(found.meters[1]->device(), "cpu:1");
  EXPECT_EQ(found.meters[0]->domains(), (std::vector<std::string>{"package", "dram"}));
  EXPECT_EQ(found.meters[0]->source(), EnergySource::RaplPerf);
  ASSERT_EQ(perf->opened.size(), 4u);
  EXPECT_EQ(perf->opened[0].type, 23u);
  EXPECT_EQ(perf->opened[0].config, 0x02u);
  EXPECT_EQ(perf->opened[1].config, 0x03u);
  EXPECT_EQ(perf->opened[2].cpu, 36);

  const double before = found.meters[0]->read_j()[0];
  perf->add_all(1ULL << 32);  // one joule at 2^-32 J per count
  EXPECT_NEAR(found.meters[0]->read_j()[0] - before, 1.0, 1e-9);
  found.meters.clear();
  EXPECT_EQ(perf->closed, 4);
}

TEST_F(PerfTest, AStaleReadIsNeverCountedTwice) {
  dir.write("power/cpumask", "0\n");
  write_event("energy-ram", "");  // no ram event: one counter to hold
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  Meter& meter = *found.meters[0];
  const double start_j = meter.read_j()[0];
  testing::interleave_a_stale_read(meter, perf->gate, [&] { perf->add_all(1ULL << 32); });
  EXPECT_NEAR(meter.read_j()[0] - start_j, 1.0, 1e-9);
}

TEST_F(PerfTest, PsysIsNotAddedToPackages) {
  write_event("energy-psys", "event=0x05");
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 2u);
  for (const auto& meter : found.meters)
    EXPECT_EQ(meter->domains(), (std::vector<std::string>{"package", "dram"}));
}

TEST_F(PerfTest, DeniedOpenMentionsPerfEventParanoid) {
  perf->open_error = EACCES;
  auto found = discover_meters(options);
  EXPECT_TRUE(found.meters.empty());
  bool explained = false;
  for (const auto& line : found.unavailable)
    explained = explained || (line.find("rapl-perf") != std::string::npos &&
                              line.find("perf_event_paranoid") != std::string::npos);
  EXPECT_TRUE(explained);
}

TEST_F(PerfTest, FrozenCounterIsUnavailable) {
  clock->on_sleep = nullptr;
  auto found = discover_meters(options);
  EXPECT_TRUE(found.meters.empty());
  bool frozen = false;
  for (const auto& line : found.unavailable)
    frozen = frozen || line.find("counter frozen") != std::string::npos;
  EXPECT_TRUE(frozen);
}

TEST_F(PerfTest, MissingPmuSaysSo) {
  options.perf_root = (dir.path() / "nothing").string();
  auto found = discover_meters(options);
  bool missing = false;
  for (const auto& line : found.unavailable)
    missing = missing || line.find("no perf 'power' PMU") != std::string::npos;
  EXPECT_TRUE(missing);
}

TEST_F(PerfTest, PowercapIsPreferredAndPerfNotOpened) {
  dir.write("powercap/intel-rapl:0/name", "package-0\n");
  dir.write("powercap/intel-rapl:0/energy_uj", "5\n");
  dir.write("powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
  options.powercap_root = (dir.path() / "powercap").string();
  clock->on_sleep = [this](double) { dir.write("powercap/intel-rapl:0/energy_uj", "900\n"); };
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->source(), EnergySource::RaplPowercap);
  EXPECT_TRUE(perf->opened.empty());
}

}  // namespace
}  // namespace ecopt
