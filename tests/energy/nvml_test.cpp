// NVML backend against a fake libnvidia-ml loaded through the real dlopen path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <thread>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/device_identity.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "fake_nvml.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::FakeNvml;
using testing::ManualClock;

constexpr int kNotSupported = 3;
constexpr int kDriverNotLoaded = 9;

class NvmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("CUDA_DEVICE_ORDER");
    options.nvml_library = ECOPT_FAKE_NVML_PATH;
    options.devices = {"cuda"};
    options.background_polling = false;
    options.clock = clock;
  }
  void TearDown() override { unsetenv("CUDA_VISIBLE_DEVICES"); }

  // The one GPU's energy over a stale read interleaved with a window's
  // (testing::interleave_a_stale_read), then `then_s` more seconds.
  double energy_across_a_stale_read(const std::function<void()>& move_counter, double then_s = 0.0) {
    auto found = discover_meters(options);
    if (found.meters.size() != 1) throw std::runtime_error("expected one GPU meter");
    Meter& meter = *found.meters[0];
    const double start_j = meter.read_j()[0];
    auto gate = nvml.read_gate();
    testing::interleave_a_stale_read(meter, gate, move_counter);
    clock->advance(then_s);
    return meter.read_j()[0] - start_j;
  }

  FakeNvml nvml;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  DiscoveryOptions options;
};

TEST_F(NvmlTest, EnergyCounterGivesJoulesSinceCreation) {
  const int gpu = nvml.add_device(0x1b, "GPU-aaaa", "NVIDIA H100", 0, 0);
  nvml.set_energy_mj(gpu, 5'000'000);
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  auto& meter = *found.meters[0];
  EXPECT_EQ(meter.device(), "cuda:0");
  EXPECT_EQ(meter.source(), EnergySource::NvmlEnergyCounter);
  EXPECT_EQ(meter.domains(), std::vector<std::string>{"gpu"});
  EXPECT_DOUBLE_EQ(meter.read_j()[0], 0.0);
  nvml.set_energy_mj(gpu, 5'000'000 + 7'250);
  EXPECT_DOUBLE_EQ(meter.read_j()[0], 7.25);
  EXPECT_EQ(meter.counter_updates(), 1);
  EXPECT_NE(meter.description().find("00000000:1B:00.0"), std::string::npos);
}

TEST_F(NvmlTest, PollerCountsCounterUpdatesWithoutReads) {
  const int gpu = nvml.add_device(0x1b, "GPU-aaaa", "NVIDIA H100", 0, 0);
  options.background_polling = true;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  Meter& meter = *found.meters[0];
  for (int step = 1; step <= 4; ++step) {
    nvml.set_energy_mj(gpu, step * 1000ULL);
    ASSERT_TRUE(testing::wait_until([&] { return meter.counter_updates() >= step; }))
        << "the background poller did not see step " << step;
  }
  EXPECT_DOUBLE_EQ(found.meters[0]->read_j()[0], 4.0);
  EXPECT_GT(found.meters[0]->background_cpu_s(), 0.0);
}

TEST_F(NvmlTest, AStaleCounterReadIsNeverCountedTwice) {
  const int gpu = nvml.add_device(0x1b, "GPU-aaaa", "NVIDIA H100", 0, 0);
  nvml.set_energy_mj(gpu, 5'000'000);
  const double joules = energy_across_a_stale_read([&] { nvml.set_energy_mj(gpu, 5'004'100); });
  EXPECT_DOUBLE_EQ(joules, 4.1);
}

TEST_F(NvmlTest, AStalePowerSampleNeverFollowsANewerOne) {
  const int gpu = nvml.add_device(0x3b, "GPU-bbbb", "Tesla T4", kNotSupported, 0);
  nvml.set_power_mw(gpu, 100'000);
  // From then on the GPU draws 300 W; a stale 100 W sample taken last
  // would make the next second 200 J.
  const double joules = energy_across_a_stale_read([&] { nvml.set_power_mw(gpu, 300'000); }, 1.0);
  EXPECT_NEAR(joules, 300.0, 1e-9);
}

TEST_F(NvmlTest, GpuWithoutCounterIntegratesPower) {
  const int gpu = nvml.add_device(0x3b, "GPU-bbbb", "Tesla T4", kNotSupported, 0);
  nvml.set_power_mw(gpu, 70'000);
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  auto& meter = *found.meters[0];
  EXPECT_EQ(meter.source(), EnergySource::NvmlPowerIntegration);
  meter.read_j();
  clock->advance(2.0);
  // Trapezoid: 70 W at both ends over 2 s.
  EXPECT_NEAR(meter.read_j()[0], 140.0, 1e-9);
  nvml.set_power_mw(gpu, 130'000);
  clock->advance(1.0);
  EXPECT_NEAR(meter.read_j()[0], 140.0 + 100.0, 1e-9);
  EXPECT_NE(meter.description().find("integrated"), std::string::npos);
}

TEST_F(NvmlTest, PowerIntegrationOnRealTimeWithSamplerThread) {
  const int gpu = nvml.add_device(0x3b, "GPU-bbbb", "Tesla T4", kNotSupported, 0);
  nvml.set_power_mw(gpu, 150'000);
  options.clock = nullptr;
  options.background_polling = true;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  // The meter's own window lies between the inner and outer wall times;
  // bracketing it keeps the check exact however long a read is delayed.
  using Clock = std::chrono::steady_clock;
  const auto outer_start = Clock::now();
  const double start_j = found.meters[0]->read_j()[0];
  const auto inner_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto inner_end = Clock::now();
  const double joules = found.meters[0]->read_j()[0] - start_j;
  const auto outer_end = Clock::now();
  const double inner_s = std::chrono::duration<double>(inner_end - inner_start).count();
  const double outer_s = std::chrono::duration<double>(outer_end - outer_start).count();
  EXPECT_GE(joules, 150.0 * inner_s - 1e-6);
  EXPECT_LE(joules, 150.0 * outer_s + 1e-6);
  EXPECT_GE(found.meters[0]->counter_updates(), 3);
}

TEST_F(NvmlTest, DevicesAreNumberedInPciBusOrder) {
  nvml.add_device(0x81, "GPU-cccc", "NVIDIA A100", 0, 0);
  nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  nvml.add_device(0x41, "GPU-bbbb", "NVIDIA A100", 0, 0);
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 3u);
  EXPECT_NE(found.meters[0]->description().find("GPU-aaaa"), std::string::npos);
  EXPECT_NE(found.meters[1]->description().find("GPU-bbbb"), std::string::npos);
  EXPECT_NE(found.meters[2]->description().find("GPU-cccc"), std::string::npos);
  EXPECT_EQ(found.meters[2]->device(), "cuda:2");
}

TEST_F(NvmlTest, CudaVisibleDevicesByIndexAndUuid) {
  nvml.add_device(0x81, "GPU-cccc-1111", "NVIDIA A100", 0, 0);
  nvml.add_device(0x01, "GPU-aaaa-2222", "NVIDIA A100", 0, 0);
  nvml.add_device(0x41, "GPU-bbbb-3333", "NVIDIA A100", 0, 0);

  setenv("CUDA_VISIBLE_DEVICES", "2,0", 1);
  auto by_index = discover_meters(options);
  ASSERT_EQ(by_index.meters.size(), 2u);
  EXPECT_EQ(by_index.meters[0]->device(), "cuda:0");
  EXPECT_NE(by_index.meters[0]->description().find("GPU-cccc"), std::string::npos);
  EXPECT_NE(by_index.meters[1]->description().find("GPU-aaaa"), std::string::npos);

  setenv("CUDA_VISIBLE_DEVICES", "GPU-bbbb", 1);  // a unique prefix, as CUDA accepts
  auto by_uuid = discover_meters(options);
  ASSERT_EQ(by_uuid.meters.size(), 1u);
  EXPECT_NE(by_uuid.meters[0]->description().find("GPU-bbbb-3333"), std::string::npos);

  setenv("CUDA_VISIBLE_DEVICES", "1,7,0", 1);  // CUDA stops at the first invalid entry
  auto truncated = discover_meters(options);
  ASSERT_EQ(truncated.meters.size(), 1u);
  ASSERT_EQ(truncated.warnings.size(), 1u);
  EXPECT_NE(truncated.warnings[0].find("'7'"), std::string::npos);

  setenv("CUDA_VISIBLE_DEVICES", "", 1);
  auto hidden = discover_meters(options);
  EXPECT_TRUE(hidden.meters.empty());
  ASSERT_EQ(hidden.unavailable.size(), 2u);  // the backend, and the requested "cuda"
  EXPECT_NE(hidden.unavailable[0].find("hides every GPU"), std::string::npos);
}

TEST_F(NvmlTest, MigModeIsAskedOfTheDriverAndSaidWhereItIsOn) {
  const int split = nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  const int whole = nvml.add_device(0x02, "GPU-bbbb", "NVIDIA A100", 0, 0);
  nvml.set_mig(split, 0, 1);
  nvml.set_mig(whole, 0, 0);
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 2u);
  EXPECT_NE(found.meters[0]->description().find(
                "; MIG enabled: the figures are the whole GPU's, every MIG instance's work included"),
            std::string::npos);
  EXPECT_EQ(found.meters[1]->description().find("MIG"), std::string::npos);
  EXPECT_TRUE(testing::has_line(found.warnings, "nvml cuda:0 (GPU-aaaa): MIG enabled"));
  EXPECT_FALSE(testing::has_line(found.warnings, "cuda:1"));

  nvml.set_mig(whole, 999, 0);  // a query that fails is not taken for "off"
  EXPECT_TRUE(testing::has_line(discover_meters(options).warnings,
                                "nvml cuda:1 (GPU-bbbb): MIG mode unknown: nvmlDeviceGetMigMode "
                                "failed: Unknown Error"));
}

// A GPU in MIG mode is shared by construction: its counter is the whole
// GPU's, every instance's work included, so its windows say shared.
TEST_F(NvmlTest, WindowsOnAGpuInMigModeAreMarkedShared) {
  const int split = nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  const int whole = nvml.add_device(0x02, "GPU-bbbb", "NVIDIA A100", 0, 0);
  nvml.set_mig(split, 0, 1);
  nvml.set_mig(whole, 0, 0);
  unsigned long long counter_mj = 1'000'000;
  nvml.set_energy_mj(split, counter_mj);
  nvml.set_energy_mj(whole, counter_mj);
  EnergyMonitor monitor(discover_meters(options).meters, clock);
  const auto measure = [&](const std::string& device) {  // 250 J on each GPU
    monitor.set_device_scope({device});
    monitor.begin_window("work");
    clock->advance(1.0);
    counter_mj += 250'000;
    nvml.set_energy_mj(split, counter_mj);
    nvml.set_energy_mj(whole, counter_mj);
    return monitor.end_window("work");
  };
  const auto on_split = measure("cuda:0");
  EXPECT_DOUBLE_EQ(on_split.gross_j(), 250.0);
  EXPECT_TRUE(on_split.shared);
  EXPECT_TRUE(energy_record("work", on_split).shared);
  const auto on_whole = measure("cuda:1");
  EXPECT_DOUBLE_EQ(on_whole.gross_j(), 250.0);
  EXPECT_FALSE(on_whole.shared);
  EXPECT_TRUE(measure("cuda").shared);  // any MIG GPU in the window
}

TEST_F(NvmlTest, ADriverWithoutTheMigQuerySaysMigModeIsUnknown) {
  FakeNvml old_driver(ECOPT_FAKE_NVML_WITHOUT_MIG_PATH);
  old_driver.add_device(0x01, "GPU-aaaa", "Tesla V100", 0, 0);
  options.nvml_library = ECOPT_FAKE_NVML_WITHOUT_MIG_PATH;
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 1u);
  EXPECT_NE(found.meters[0]->description().find(
                "MIG mode unknown: this NVML has no nvmlDeviceGetMigMode"),
            std::string::npos);
  EXPECT_TRUE(testing::has_line(found.warnings, "nvml cuda:0 (GPU-aaaa): MIG mode unknown"));
}

TEST_F(NvmlTest, MetersKnowTheirGpusUuidForCudaVisibleDevices) {
  nvml.add_device(0x81, "GPU-cccc", "NVIDIA A100", 0, 0);
  nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", kNotSupported, 0);  // power integration
  auto found = discover_meters(options);
  ASSERT_EQ(found.meters.size(), 2u);
  EXPECT_EQ(found.meters[0]->uuid(), "GPU-aaaa");
  EXPECT_EQ(found.meters[1]->uuid(), "GPU-cccc");
  EnergyMonitor monitor(std::move(found.meters), clock);
  EXPECT_EQ(monitor.device_uuid("cuda:1"), "GPU-cccc");
  EXPECT_EQ(monitor.device_uuid("cuda:2"), std::nullopt);
}

TEST_F(NvmlTest, MixedModelsWarnAboutCudaDeviceOrder) {
  nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  nvml.add_device(0x02, "GPU-bbbb", "Tesla T4", 0, 0);
  auto found = discover_meters(options);
  ASSERT_EQ(found.warnings.size(), 1u);
  EXPECT_NE(found.warnings[0].find("CUDA_DEVICE_ORDER=PCI_BUS_ID"), std::string::npos);
  setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 1);
  EXPECT_TRUE(discover_meters(options).warnings.empty());
  unsetenv("CUDA_DEVICE_ORDER");
}

TEST_F(NvmlTest, GpuWithNeitherCounterNorPowerIsUnavailableWithReason) {
  nvml.add_device(0x01, "GPU-aaaa", "Old GPU", kNotSupported, kNotSupported);
  options.devices.clear();
  options.allow_estimate = false;
  auto found = discover_meters(options);
  bool reported = false;
  for (const auto& line : found.unavailable)
    reported = reported || (line.find("nvml cuda:0") != std::string::npos &&
                            line.find("Not Supported") != std::string::npos);
  EXPECT_TRUE(reported);
}

TEST_F(NvmlTest, InitFailureIsTranslatedOnce) {
  nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  nvml.set_init_rc(kDriverNotLoaded);
  auto found = discover_meters(options);
  EXPECT_TRUE(found.meters.empty());
  ASSERT_FALSE(found.unavailable.empty());
  EXPECT_EQ(found.unavailable[0], "nvml: nvmlInit failed: Driver Not Loaded (NVML error 9)");
}

TEST_F(NvmlTest, MissingLibraryIsAReasonNotACrash) {
  options.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  auto found = discover_meters(options);
  EXPECT_TRUE(found.meters.empty());
  ASSERT_FALSE(found.unavailable.empty());
  EXPECT_NE(found.unavailable[0].find("nvml: cannot load /nonexistent/libnvidia-ml.so.1"),
            std::string::npos);
  EXPECT_NE(found.unavailable[0].find("no NVIDIA driver"), std::string::npos);
}

TEST_F(NvmlTest, LibraryIsShutDownWhenTheLastMeterGoes) {
  nvml.add_device(0x01, "GPU-aaaa", "NVIDIA A100", 0, 0);
  {
    auto found = discover_meters(options);
    EXPECT_EQ(nvml.live_inits(), 1);
  }
  EXPECT_EQ(nvml.live_inits(), 0);
}

TEST_F(NvmlTest, GpuUuidsFollowCudaVisibleDevicesAndTheMachineListsAll) {
  nvml.add_device(0x3b, "GPU-bbbb", "NVIDIA H100", 0, 0);
  nvml.add_device(0x1b, "GPU-aaaa", "NVIDIA H100", 0, 0);
  EXPECT_EQ(gpu_uuids(options.nvml_library, DeviceScope::kVisible),
            (std::vector<std::string>{"GPU-aaaa", "GPU-bbbb"}))
      << "PCI bus order, as the meters name cuda:N";
  setenv("CUDA_VISIBLE_DEVICES", "GPU-bbbb", 1);
  EXPECT_EQ(gpu_uuids(options.nvml_library, DeviceScope::kVisible),
            std::vector<std::string>{"GPU-bbbb"});
  EXPECT_EQ(gpu_uuids(options.nvml_library, DeviceScope::kMachine).size(), 2u);
  nvml.set_init_rc(kDriverNotLoaded);
  EXPECT_THROW(gpu_uuids(options.nvml_library, DeviceScope::kVisible), UnavailableError);
}

}  // namespace
}  // namespace ecopt
