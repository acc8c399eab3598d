// Windows, idle baseline, power trace and the repeat policy, on meters
// driven by a clock the tests control.
#include <gtest/gtest.h>

#include <thread>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::ClockDrivenMeter;
using testing::ManualClock;

struct Rig {
  explicit Rig(double power_w, double period_s = 0.1)
      : clock(std::make_shared<ManualClock>()) {
    auto owned = std::make_unique<ClockDrivenMeter>(clock, power_w, period_s);
    meter = owned.get();
    std::vector<std::unique_ptr<Meter>> meters;
    meters.push_back(std::move(owned));
    monitor = std::make_unique<EnergyMonitor>(std::move(meters), clock);
  }
  std::shared_ptr<ManualClock> clock;
  ClockDrivenMeter* meter;
  std::unique_ptr<EnergyMonitor> monitor;
};

TEST(EnergyMonitor, WindowsNestAndOverlap) {
  Rig rig(100.0);
  rig.monitor->begin_window("outer");
  rig.clock->advance(1.0);
  rig.monitor->begin_window("inner");
  rig.clock->advance(2.0);
  const auto inner = rig.monitor->end_window("inner");
  rig.clock->advance(1.0);
  const auto outer = rig.monitor->end_window("outer");
  EXPECT_DOUBLE_EQ(inner.duration_s, 2.0);
  EXPECT_NEAR(inner.gross_j(), 200.0, 1e-6);
  EXPECT_EQ(inner.readings[0].counter_updates, 20);
  EXPECT_DOUBLE_EQ(outer.duration_s, 4.0);
  EXPECT_NEAR(outer.gross_j(), 400.0, 1e-6);
  EXPECT_FALSE(outer.net_j().has_value());
  EXPECT_EQ(outer.readings[0].device, "fake:0");
  // One thread's nested windows: the inner one's work is the outer one's.
  EXPECT_FALSE(inner.shared);
  EXPECT_FALSE(outer.shared);
}

// Each window reads the whole process's energy, so two windows open at once
// on two threads (or crossing on one) each hold the other's work too: the
// sum would count it twice. Both are marked shared; a later lone window is not.
TEST(EnergyMonitor, WindowsThatOverlapAnotherAreMarkedShared) {
  Rig rig(100.0);
  std::thread([&] { rig.monitor->begin_window("thread"); }).join();
  rig.monitor->begin_window("main");
  rig.clock->advance(1.0);
  const auto main = rig.monitor->end_window("main");
  WindowResult thread;
  std::thread([&] { thread = rig.monitor->end_window("thread"); }).join();
  EXPECT_TRUE(main.shared);
  EXPECT_TRUE(thread.shared);
  EXPECT_TRUE(energy_record("main", main).shared);
  EXPECT_NE(energy_record("main", main).labelled_source().find("(shared)"), std::string::npos);

  rig.monitor->begin_window("first");
  rig.clock->advance(1.0);
  rig.monitor->begin_window("second");
  rig.clock->advance(1.0);
  const auto first = rig.monitor->end_window("first");  // crosses "second" on one thread
  rig.clock->advance(1.0);
  const auto second = rig.monitor->end_window("second");
  EXPECT_TRUE(first.shared);
  EXPECT_TRUE(second.shared);

  rig.monitor->begin_window("alone");
  rig.clock->advance(1.0);
  EXPECT_FALSE(rig.monitor->end_window("alone").shared);
}

TEST(EnergyMonitor, WindowNamesMustBeUniqueWhileOpen) {
  Rig rig(10.0);
  rig.monitor->begin_window("a");
  EXPECT_THROW(rig.monitor->begin_window("a"), InputError);
  EXPECT_THROW(rig.monitor->end_window("b"), InputError);
  rig.monitor->end_window("a");
  EXPECT_NO_THROW(rig.monitor->begin_window("a"));
}

TEST(EnergyMonitor, DeviceScopeChargesOnlyTheLeasedDevices) {
  auto clock = std::make_shared<ManualClock>();
  std::vector<std::unique_ptr<Meter>> meters;
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 300.0, 0.1, "cuda:0"));
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 200.0, 0.1, "cuda:1"));
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 50.0, 0.1, "cpu:0"));
  EnergyMonitor monitor(std::move(meters), clock);

  monitor.set_device_scope({"cuda:1", "cpu"});
  monitor.begin_window("trial");
  clock->advance(1.0);
  const auto scoped = monitor.end_window("trial");
  ASSERT_EQ(scoped.readings.size(), 2u);
  EXPECT_EQ(scoped.readings[0].device, "cuda:1");
  EXPECT_EQ(scoped.readings[1].device, "cpu:0");
  EXPECT_NEAR(scoped.gross_j(), 250.0, 1e-6);

  monitor.set_device_scope({});
  monitor.begin_window("all");
  clock->advance(1.0);
  EXPECT_NEAR(monitor.end_window("all").gross_j(), 550.0, 1e-6);

  try {
    monitor.set_device_scope({"cuda:2"});
    FAIL() << "a device without a meter must be refused";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("cuda:0, cuda:1, cpu:0"), std::string::npos)
        << error.what();
  }
}

TEST(RepeatPolicy, WorkThatThrowsLeavesNoWindowOpen) {
  Rig rig(100.0);
  int calls = 0;
  auto stopping = [&]() -> std::size_t {
    rig.clock->advance(0.01);
    if (++calls == 3) throw std::runtime_error("stop requested");
    return 1;
  };
  EXPECT_THROW(measure_per_sample(*rig.monitor, "inference", stopping, RepeatPolicy{1.0, 0, 3, 1000}),
               std::runtime_error);
  EXPECT_NO_THROW(rig.monitor->begin_window("inference")) << "the window was left open";
}

TEST(EnergyMonitor, IdleBaselineGivesNetNextToGross) {
  Rig rig(70.0);  // an idle H100 draws about 70 W
  rig.monitor->measure_idle_baseline(std::chrono::milliseconds(2000));
  EXPECT_TRUE(rig.monitor->has_idle_baseline());
  rig.meter->set_power_w(300.0);
  rig.monitor->begin_window("work");
  rig.clock->advance(2.0);
  const auto window = rig.monitor->end_window("work");
  const auto& reading = window.readings[0];
  EXPECT_NEAR(reading.gross_j, 600.0, 1e-6);
  ASSERT_TRUE(reading.idle_w.has_value());
  EXPECT_NEAR(*reading.idle_w, 70.0, 1e-6);
  EXPECT_NEAR(*reading.net_j, 600.0 - 140.0, 1e-6);
  EXPECT_NEAR(*window.net_j(), 460.0, 1e-6);
  const auto json = to_json(window);
  EXPECT_EQ(json["idle_subtracted"], true);
  EXPECT_NEAR(json["readings"][0]["net_j"].get<double>(), 460.0, 1e-6);
}

TEST(RepeatPolicy, ShortWorkIsRepeatedUntilCountersResolveIt) {
  // Work of 1 ms at 100 W (0.1 J per sample) on a counter that moves every
  // 100 ms: one call is invisible, so the policy repeats it.
  Rig rig(100.0);
  RepeatPolicy policy;
  policy.min_window_s = 0.5;
  policy.min_counter_updates = 10;  // 10 × 100 ms: the stricter condition here
  policy.repeats = 5;
  const auto work = [&] {
    rig.clock->advance(0.001);
    return std::size_t{1};
  };
  const auto result = measure_per_sample(*rig.monitor, "step", work, policy);
  EXPECT_TRUE(result.policy_met);
  ASSERT_EQ(result.windows.size(), 5u);
  for (const auto& window : result.windows) {
    EXPECT_GE(window.duration_s, 1.0 - 1e-9);
    EXPECT_GE(window.readings[0].counter_updates, 10);
  }
  EXPECT_GE(result.iterations_per_window, 1000u);
  EXPECT_EQ(result.samples_per_window, result.iterations_per_window);
  // Quantisation costs at most one update (10 J) per window of >= 1000 samples.
  EXPECT_NEAR(result.median_j, 0.1, 0.01);
  EXPECT_LE(result.min_j, result.median_j);
  EXPECT_GE(result.max_j, result.median_j);
  EXPECT_GE(result.mad_j, 0.0);
  EXPECT_FALSE(result.idle_subtracted);
}

TEST(RepeatPolicy, RealTimeCounterEvery100ms) {
  // The same policy on the steady clock: 1 ms of real work per call.
  auto clock = steady_clock();
  std::vector<std::unique_ptr<Meter>> meters;
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 50.0, 0.1));
  EnergyMonitor monitor(std::move(meters));
  RepeatPolicy policy;
  policy.min_window_s = 0.3;
  policy.min_counter_updates = 3;
  policy.repeats = 2;
  const auto result = measure_per_sample(
      monitor, "sleep",
      [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return std::size_t{2};
      },
      policy);
  EXPECT_TRUE(result.policy_met);
  for (const auto& window : result.windows) {
    EXPECT_GE(window.duration_s, 0.3);
    EXPECT_GE(window.readings[0].counter_updates, 3);
  }
  EXPECT_GT(result.iterations_per_window, 1u);
  EXPECT_EQ(result.samples_per_window, 2 * result.iterations_per_window);
}

TEST(RepeatPolicy, NetPerSampleUsesTheIdleBaseline) {
  Rig rig(40.0);
  rig.monitor->measure_idle_baseline(std::chrono::milliseconds(1000));
  rig.meter->set_power_w(140.0);
  RepeatPolicy policy;
  policy.min_window_s = 1.0;
  policy.min_counter_updates = 5;
  policy.repeats = 3;
  const auto result = measure_per_sample(
      *rig.monitor, "net",
      [&] {
        rig.clock->advance(0.01);
        return std::size_t{1};
      },
      policy);
  EXPECT_TRUE(result.idle_subtracted);
  EXPECT_NEAR(result.median_j, 100.0 * 0.01, 0.1);  // (140 - 40) W × 10 ms
  EXPECT_EQ(result.to_json()["windows"].size(), 3u);
}

TEST(RepeatPolicy, IterationCapIsReportedNotHidden) {
  Rig rig(100.0);
  RepeatPolicy policy;
  policy.min_window_s = 10.0;
  policy.max_iterations = 50;
  policy.repeats = 1;
  const auto result = measure_per_sample(
      *rig.monitor, "capped",
      [&] {
        rig.clock->advance(0.001);
        return std::size_t{1};
      },
      policy);
  EXPECT_FALSE(result.policy_met);
  EXPECT_EQ(result.iterations_per_window, 50u);
}

TEST(PowerTrace, SamplesEveryDomainInTheBackground) {
  auto clock = steady_clock();
  std::vector<std::unique_ptr<Meter>> meters;
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 50.0, 0.001, "fake:0"));
  meters.push_back(std::make_unique<ClockDrivenMeter>(clock, 20.0, 0.001, "fake:1"));
  EnergyMonitor monitor(std::move(meters));
  monitor.start_power_trace(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto trace = monitor.stop_power_trace();
  EXPECT_EQ(trace.series, (std::vector<std::string>{"fake:0/gpu", "fake:1/gpu"}));
  ASSERT_GE(trace.t_s.size(), 5u);
  EXPECT_NEAR(trace.power_w.back()[0], 50.0, 10.0);
  EXPECT_NEAR(trace.power_w.back()[1], 20.0, 5.0);
  EXPECT_GT(monitor.background_cpu_s(), 0.0);
  EXPECT_EQ(trace.to_json()["power_w"].size(), trace.t_s.size());
}

}  // namespace
}  // namespace ecopt
