// RAPL powercap backend against fake sysfs trees written by the tests.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "fake_backends.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::FakePowercap;
using testing::kRangeUj;
using testing::ManualClock;
using testing::Zone;
using testing::TempDir;

class PowercapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options.powercap_root = fake.root();
    options.perf_root = fake.root() + "/no-perf-pmu";
    options.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    options.devices = {"cpu"};
    options.background_polling = false;
    options.allow_estimate = false;
    options.clock = clock;
  }

  // Each probe sleep advances every listed zone, as a live CPU would.
  void advance_on_sleep(std::map<std::string, unsigned long long> deltas) {
    clock->on_sleep = [this, deltas](double) {
      for (const auto& [id, delta] : deltas) fake.add_uj(id, delta);
    };
  }

  FakePowercap fake;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  DiscoveryOptions options;
};

TEST_F(PowercapTest, PackageAndDramPerSocket) {
  fake.add({"intel-rapl:0", "package-0", 1'000'000});
  fake.add({"intel-rapl:0:0", "dram", 50'000});
  fake.add({"intel-rapl:1", "package-1", 2'000'000});
  advance_on_sleep({{"intel-rapl:0", 1000}, {"intel-rapl:1", 1000}});
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 2u) << (found.unavailable.empty() ? "" : found.unavailable[0]);
  EXPECT_EQ(found.meters[0]->device(), "cpu:0");
  EXPECT_EQ(found.meters[0]->domains(), (std::vector<std::string>{"package", "dram"}));
  EXPECT_EQ(found.meters[1]->device(), "cpu:1");
  EXPECT_EQ(found.meters[0]->source(), EnergySource::RaplPowercap);

  fake.add_uj("intel-rapl:0", 3'000'000);
  fake.add_uj("intel-rapl:0:0", 500'000);
  const auto joules = found.meters[0]->read_j();
  EXPECT_NEAR(joules[0], 3.0, 1e-9);
  EXPECT_NEAR(joules[1], 0.5, 1e-9);
}

TEST_F(PowercapTest, WraparoundIsUnwrappedModuloTheRange) {
  const unsigned long long range = 1'000'000;
  fake.add({"intel-rapl:0", "package-0", 990'000, range});
  advance_on_sleep({{"intel-rapl:0", 1000}});  // probe: 991000
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  auto& meter = *found.meters[0];
  const double start = meter.read_j()[0];
  fake.add_uj("intel-rapl:0", 8'000);   // 999000
  EXPECT_NEAR(meter.read_j()[0] - start, 0.008, 1e-9);
  fake.add_uj("intel-rapl:0", 4'001);   // passes the maximum: 3001 after the wrap
  EXPECT_NEAR(meter.read_j()[0] - start, 0.012001, 1e-9);
  fake.add_uj("intel-rapl:0", 900'000);
  fake.add_uj("intel-rapl:0", 90'000);  // 993001: a long way, but no wrap since the last read
  EXPECT_NEAR(meter.read_j()[0] - start, 1.002001, 1e-9);
}

TEST_F(PowercapTest, PollPeriodFollowsRangeOverMaxPower) {
  // 1 J of range at up to 100 W wraps every 10 ms: poll every 5 ms.
  fake.add({"intel-rapl:0", "package-0", 0, 1'000'000});
  fake.dir().write("intel-rapl:0/constraint_0_max_power_uw", "100000000\n");
  advance_on_sleep({{"intel-rapl:0", 1000}});
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.meters[0]->description().find("polled every 5 ms"), std::string::npos)
      << found.meters[0]->description();
}

TEST_F(PowercapTest, BackgroundPollerCountsUpdatesAndUnwrapsEveryStep) {
  // 50 mJ of range and 30 mJ steps: the counter wraps at almost every step,
  // and a missed wrap would lose 50 mJ.
  fake.add({"intel-rapl:0", "package-0", 0, 50'000});
  fake.dir().write("intel-rapl:0/constraint_0_max_power_uw", "1000000\n");  // 1 W: poll every 25 ms
  advance_on_sleep({{"intel-rapl:0", 1}});  // the discovery probe sees it move
  options.background_polling = true;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u) << ::testing::PrintToString(found.unavailable);
  Meter& meter = *found.meters[0];
  const double start_j = meter.read_j()[0];

  // Each step waits until the background poller has seen the last one, so
  // only the poller (never read_j) observes the counter, whatever the load.
  constexpr int kSteps = 12;
  for (int step = 1; step <= kSteps; ++step) {
    const auto updates = meter.counter_updates();
    fake.add_uj("intel-rapl:0", 30'000);
    ASSERT_TRUE(testing::wait_until([&] { return meter.counter_updates() > updates; }))
        << "the background poller did not see step " << step;
  }
  EXPECT_NEAR(meter.read_j()[0] - start_j, kSteps * 0.030, 1e-9);
  EXPECT_GT(meter.background_cpu_s(), 0.0);
}

// Real sysfs reads, with every energy_uj read passing the gate once read.
class GatedReader final : public FileReader {
 public:
  FileText read(const std::string& path) const override {
    auto text = real_file_reader()->read(path);
    if (path.ends_with("/energy_uj")) gate.pass();
    return text;
  }
  mutable testing::ReadGate gate;
};

TEST_F(PowercapTest, AStaleReadIsNeverTakenForAWraparound) {
  fake.add({"intel-rapl:0", "package-0", 5'000'000});
  advance_on_sleep({{"intel-rapl:0", 1000}});
  auto reader = std::make_shared<GatedReader>();
  options.file_reader = reader;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  Meter& meter = *found.meters[0];
  const double start_j = meter.read_j()[0];
  // 0.41 s at 10 W: read out of order, it was reported as 262,147 J.
  testing::interleave_a_stale_read(meter, reader->gate,
                                   [&] { fake.add_uj("intel-rapl:0", 4'100'000); });
  EXPECT_NEAR(meter.read_j()[0] - start_j, 4.1, 1e-9);
}

TEST_F(PowercapTest, OverlappingDomainsAreNeverSummed) {
  fake.add({"intel-rapl:0", "package-0", 0});
  fake.add({"intel-rapl:0:0", "core", 0});
  fake.add({"intel-rapl:0:1", "uncore", 0});
  fake.add({"intel-rapl:0:2", "dram", 0});
  fake.add({"intel-rapl:1", "psys", 0});
  advance_on_sleep({{"intel-rapl:0", 1}});
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->domains(), (std::vector<std::string>{"package", "dram"}));
  ASSERT_EQ(found.warnings.size(), 1u);
  EXPECT_NE(found.warnings[0].find("psys"), std::string::npos);

  EnergyMonitor monitor(std::move(found.meters), clock);
  monitor.begin_window("run");
  fake.add_uj("intel-rapl:1", 20'000'000);   // psys: everything
  fake.add_uj("intel-rapl:0", 10'000'000);   // package
  fake.add_uj("intel-rapl:0:0", 6'000'000);  // core, inside the package
  fake.add_uj("intel-rapl:0:1", 1'000'000);  // uncore, inside the package
  fake.add_uj("intel-rapl:0:2", 2'000'000);  // dram
  clock->advance(1.0);
  const auto window = monitor.end_window("run");
  EXPECT_NEAR(window.gross_j(), 12.0, 1e-9);
  EXPECT_EQ(window.source_summary(), "rapl-powercap");
}

TEST_F(PowercapTest, PsysAloneWhereThereIsNoPackage) {
  fake.add({"intel-rapl:0", "psys", 0});
  advance_on_sleep({{"intel-rapl:0", 1}});
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->device(), "platform");
  EXPECT_EQ(found.meters[0]->domains(), std::vector<std::string>{"psys"});
}

TEST_F(PowercapTest, AmdZonesUseTheSameLayout) {
  fake.add({"amd-rapl:0", "package-0", 0});
  advance_on_sleep({{"amd-rapl:0", 5}});
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->device(), "cpu:0");
}

TEST_F(PowercapTest, FrozenCountersAreUnavailableWithTheVirtualMachineHint) {
  fake.add({"intel-rapl:0", "package-0", 123'456});
  auto found = discover_meters(options);  // nothing moves during the probe
  EXPECT_TRUE(found.meters.empty());
  bool frozen = false;
  for (const auto& line : found.unavailable)
    frozen = frozen || (line.find("counter frozen") != std::string::npos &&
                        line.find("virtual machines") != std::string::npos);
  EXPECT_TRUE(frozen);
}

// Denies energy_uj like a kernel >= 5.10 does to non-root users.
class DenyingReader final : public FileReader {
 public:
  FileText read(const std::string& path) const override {
    if (path.size() >= 9 && path.compare(path.size() - 9, 9, "energy_uj") == 0) return {"", EACCES};
    return real_file_reader()->read(path);
  }
};

TEST_F(PowercapTest, UnreadableEnergyGivesTheExactFix) {
  fake.add({"intel-rapl:0", "package-0", 1000});
  ::chmod(fake.file("intel-rapl:0", "energy_uj").c_str(), 0);
  // Root reads through chmod 000: then inject the failure through the seam
  // so that the same path is still exercised.
  if (real_file_reader()->read(fake.file("intel-rapl:0", "energy_uj")).error != EACCES)
    options.file_reader = std::make_shared<DenyingReader>();
  options.allow_estimate = true;
  auto found = discover_meters(options);
  ASSERT_FALSE(found.unavailable.empty());
  const auto& reason = found.unavailable[0];
  EXPECT_NE(reason.find("rapl-powercap: permission denied"), std::string::npos) << reason;
  EXPECT_NE(reason.find("CVE-2020-8694"), std::string::npos);
  EXPECT_NE(reason.find("sudo chmod o+r"), std::string::npos);
  EXPECT_NE(reason.find("perf_event_paranoid"), std::string::npos);
  // No silent fallback: the estimate is used and says it is one.
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_EQ(found.meters[0]->source(), EnergySource::EstimateCpuTime);
  EXPECT_FALSE(found.warnings.empty());
}

TEST_F(PowercapTest, NoZonesAtAllSaysSo) {
  auto found = discover_meters(options);
  ASSERT_FALSE(found.unavailable.empty());
  EXPECT_NE(found.unavailable[0].find("no RAPL package or psys zone"), std::string::npos);
}

}  // namespace
}  // namespace ecopt
