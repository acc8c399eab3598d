// What every meter promises, checked on each backend through discovery and
// a real EnergyMonitor: RAPL powercap and perf, NVML and the CPU-time
// estimate, each on the fake of what this machine lacks (a powercap tree,
// the perf system call, a libnvidia-ml, a process tree's CPU time). A new
// backend joins by adding its rig to kRigs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <numeric>
#include <string>

#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "fake_backends.hpp"
#include "fake_nvml.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::ManualClock;

// One backend on its fake: discovery options that find exactly one meter
// of it, and a way to make that meter's device draw a given energy.
class Rig {
 public:
  virtual ~Rig() = default;
  virtual EnergySource source() const = 0;
  virtual std::string device_kind() const = 0;  // what device_matches() calls it: "cpu", "cuda"
  virtual DiscoveryOptions options() = 0;
  virtual void draw_j(double joules) = 0;
  // The counter's own quantum: what two reads of the same energy may differ by.
  virtual double quantum_j() const = 0;

 protected:
  // Nothing real is found: each rig names only its own fake.
  DiscoveryOptions nothing_real() const {
    DiscoveryOptions options;
    options.powercap_root = "/nonexistent/powercap";
    options.perf_root = "/nonexistent/perf";
    options.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    options.cpu_root = "/nonexistent/cpu";
    options.cpuinfo_path = "/nonexistent/cpuinfo";
    options.allow_estimate = false;
    options.background_polling = false;
    options.clock = clock;
    return options;
  }
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
};

class PowercapRig final : public Rig {
 public:
  EnergySource source() const override { return EnergySource::RaplPowercap; }
  std::string device_kind() const override { return "cpu"; }
  DiscoveryOptions options() override {
    fake_.add({"intel-rapl:0", "package-0", 5'000'000});
    // Discovery watches the counter move before it trusts it.
    clock->on_sleep = [this](double) { fake_.add_uj("intel-rapl:0", 1000); };
    auto options = nothing_real();
    options.powercap_root = fake_.root();
    return options;
  }
  void draw_j(double joules) override {
    fake_.add_uj("intel-rapl:0", static_cast<unsigned long long>(std::llround(joules * 1e6)));
  }
  double quantum_j() const override { return 1e-6; }

 private:
  testing::FakePowercap fake_;
};

class PerfRig final : public Rig {
 public:
  EnergySource source() const override { return EnergySource::RaplPerf; }
  std::string device_kind() const override { return "cpu"; }
  DiscoveryOptions options() override {
    dir_.write("power/type", "23\n");
    dir_.write("power/cpumask", "0\n");
    dir_.write("power/events/energy-pkg", "event=0x02\n");
    dir_.write("power/events/energy-pkg.scale", "2.3283064365386962890625e-10\n");
    dir_.write("power/events/energy-pkg.unit", "Joules\n");
    clock->on_sleep = [this](double) { perf_->add_all(1000); };
    auto options = nothing_real();
    options.perf_root = (dir_.path() / "power").string();
    options.perf_events = perf_;
    return options;
  }
  void draw_j(double joules) override {
    perf_->add_all(static_cast<std::uint64_t>(std::llround(joules * 4294967296.0)));  // 2^-32 J a count
  }
  double quantum_j() const override { return 1e-9; }

 private:
  testing::TempDir dir_;
  std::shared_ptr<testing::ScriptedPerf> perf_ = std::make_shared<testing::ScriptedPerf>();
};

class NvmlRig final : public Rig {
 public:
  EnergySource source() const override { return EnergySource::NvmlEnergyCounter; }
  std::string device_kind() const override { return "cuda"; }
  DiscoveryOptions options() override {
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("CUDA_DEVICE_ORDER");
    gpu_ = nvml_.add_device(0x1b, "GPU-conformance", "NVIDIA H100", 0, 0);
    nvml_.set_energy_mj(gpu_, energy_mj_);
    auto options = nothing_real();
    options.nvml_library = ECOPT_FAKE_NVML_PATH;
    return options;
  }
  void draw_j(double joules) override {
    energy_mj_ += static_cast<unsigned long long>(std::llround(joules * 1000.0));
    nvml_.set_energy_mj(gpu_, energy_mj_);
  }
  double quantum_j() const override { return 1e-3; }

 private:
  testing::FakeNvml nvml_;
  int gpu_ = -1;
  unsigned long long energy_mj_ = 5'000'000;
};

// The estimate reads a process tree's CPU time; the rig's tree is a number
// it raises, charged at 10 W per thread (no SMT topology: a thread is a core).
class EstimateRig final : public Rig {
 public:
  EnergySource source() const override { return EnergySource::EstimateCpuTime; }
  std::string device_kind() const override { return "cpu"; }
  DiscoveryOptions options() override {
    auto options = nothing_real();
    options.allow_estimate = true;
    options.cpu_watts_per_core = kWatts;
    options.estimate_usage = [cpu_s = cpu_s_] { return ProcessTreeUsage{*cpu_s, 0.0}; };
    return options;
  }
  void draw_j(double joules) override { *cpu_s_ += joules / kWatts; }
  double quantum_j() const override { return 1e-9; }

 private:
  static constexpr double kWatts = 10.0;
  std::shared_ptr<double> cpu_s_ = std::make_shared<double>(1.0);
};

struct RigKind {
  std::string name;
  std::function<std::unique_ptr<Rig>()> make;
};

const RigKind kRigs[] = {
    {"powercap", [] { return std::make_unique<PowercapRig>(); }},
    {"perf", [] { return std::make_unique<PerfRig>(); }},
    {"nvml", [] { return std::make_unique<NvmlRig>(); }},
    {"estimate", [] { return std::make_unique<EstimateRig>(); }},
};

double total_j(Meter& meter) {
  const auto domains = meter.read_j();
  return std::accumulate(domains.begin(), domains.end(), 0.0);
}

class MeterConformance : public ::testing::TestWithParam<RigKind> {
 protected:
  void SetUp() override {
    rig = GetParam().make();
    Discovery found = discover_meters(rig->options());
    ASSERT_EQ(found.meters.size(), 1u) << (found.unavailable.empty() ? "" : found.unavailable[0]);
    meters = std::move(found.meters);
  }
  Meter& meter() { return *meters[0]; }

  std::unique_ptr<Rig> rig;
  std::vector<std::unique_ptr<Meter>> meters;
};

TEST_P(MeterConformance, NamesItsSourceDeviceAndDomains) {
  EXPECT_EQ(meter().source(), rig->source());
  EXPECT_TRUE(device_matches(rig->device_kind(), meter().device())) << meter().device();
  EXPECT_FALSE(meter().description().empty());
  ASSERT_FALSE(meter().domains().empty());
  EXPECT_EQ(meter().read_j().size(), meter().domains().size());
}

TEST_P(MeterConformance, CountsWhatTheDeviceDrewAndNeverGoesBack) {
  const double before = total_j(meter());
  for (int i = 0; i < 3; ++i) EXPECT_GE(total_j(meter()), before);  // nothing drawn, nothing lost
  rig->draw_j(5.0);
  EXPECT_NEAR(total_j(meter()) - before, 5.0, 2 * rig->quantum_j());
}

TEST_P(MeterConformance, StatesWhatItCannotResolve) {
  EXPECT_GT(meter().resolution_s(), 0.0);
  const double hidden = meter().step_energy_j(0, 10.0);
  EXPECT_TRUE(std::isfinite(hidden));
  EXPECT_GE(hidden, 0.0);
}

// A window through the monitor: its figure is what was drawn, and its
// record carries the source, the device and whether idle was subtracted.
TEST_P(MeterConformance, AWindowsRecordCarriesSourceDeviceAndIdleHandling) {
  EnergyMonitor monitor(std::move(meters));
  monitor.begin_window("work");
  rig->draw_j(3.0);
  const WindowResult window = monitor.end_window("work");
  EXPECT_NEAR(window.gross_j(), 3.0, 2 * rig->quantum_j());
  EXPECT_FALSE(window.net_j().has_value());  // no baseline was taken
  const EnergyRecord record = energy_record("work", window);
  EXPECT_EQ(record.sources, std::vector<EnergySource>{rig->source()});
  ASSERT_EQ(record.devices.size(), 1u);
  EXPECT_TRUE(device_matches(rig->device_kind(), record.devices[0])) << record.devices[0];
  EXPECT_FALSE(record.idle_subtracted);
  EXPECT_EQ(record.is_estimate(), rig->source() == EnergySource::EstimateCpuTime);
  EXPECT_FALSE(record.shared);
}

INSTANTIATE_TEST_SUITE_P(Backends, MeterConformance, ::testing::ValuesIn(kRigs),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ecopt
