// Overlapping trials on one machine: both are told, machine-wide energy is
// split fairly, and the idle baseline waits for the machine to be idle.
// Real lock files in a temporary lease folder; a hand-moved clock.
#include "ecopt/study/machine_activity.hpp"

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "polling.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::ElementsAre;
using testing::TempDir;

class HandClock final : public MonotonicClock {
 public:
  double now_s() const override { return now_s_.load(); }
  void sleep_for_s(double seconds) const override { now_s_ = now_s_ + seconds; }
  void set(double seconds) { now_s_ = seconds; }

 private:
  mutable std::atomic<double> now_s_{100.0};
};

TEST(FairShare, SplitsCommonTimeEvenly) {
  EXPECT_DOUBLE_EQ(fair_share(0, 10, {}), 1.0);
  // Half the window alone, half with one other: (5 + 5/2) / 10.
  EXPECT_DOUBLE_EQ(fair_share(0, 10, {{5, 20}}), 0.75);
  // Two others over the middle 4 s: (6 + 4/3) / 10.
  EXPECT_NEAR(fair_share(0, 10, {{3, 7}, {3, 7}}), (6 + 4.0 / 3) / 10, 1e-12);
  // Intervals that only touch the window do not overlap it.
  EXPECT_DOUBLE_EQ(fair_share(0, 10, {{10, 20}, {-5, 0}}), 1.0);
}

TEST(MachineActivity, BothTrialsOfAnOverlapAreToldAndSplitTheCommonTime) {
  TempDir dir("activity");
  const auto clock = std::make_shared<HandClock>();
  MachineActivity activity(dir.path(), clock);
  clock->set(0);
  auto first = activity.begin("first");
  clock->set(4);
  auto second = activity.begin("second");
  clock->set(6);
  const Overlap second_overlap = activity.end(second);  // sees first running
  clock->set(10);
  const Overlap first_overlap = activity.end(first);  // sees second in the log

  EXPECT_TRUE(second_overlap.shared);
  EXPECT_THAT(second_overlap.others, ElementsAre("first"));
  EXPECT_DOUBLE_EQ(second_overlap.share, 0.5);
  EXPECT_TRUE(first_overlap.shared);
  EXPECT_THAT(first_overlap.others, ElementsAre("second"));
  EXPECT_DOUBLE_EQ(first_overlap.share, (8 + 2 / 2.0) / 10);
  // Machine time 0..10 is attributed once: 10 × 0.9 + 2 × 0.5 = 10.
  EXPECT_DOUBLE_EQ(10 * first_overlap.share + 2 * second_overlap.share, 10.0);
}

// Trials on packages of their own read different RAPL zones: they overlap
// only where their scopes meet, and a window reading every package (the
// whole machine) meets both, through its marker and through its log line.
TEST(MachineActivity, TrialsOverlapOnlyWhereTheMetersTheyReadMeet) {
  TempDir dir("activity");
  const auto clock = std::make_shared<HandClock>();
  MachineActivity activity(dir.path(), clock);
  clock->set(0);
  auto on_package0 = activity.begin("package 0", {"cpu:0"});
  auto on_package1 = activity.begin("package 1", {"cpu:1"});
  auto unpinned = activity.begin("unpinned", {"cpu:0", "cpu:1"});
  clock->set(4);
  const Overlap second = activity.end(on_package1);  // package 0's and the unpinned markers
  clock->set(6);
  const Overlap whole = activity.end(unpinned);
  clock->set(10);
  const Overlap first = activity.end(on_package0);  // both in the log

  EXPECT_THAT(second.others, ElementsAre("unpinned"));
  EXPECT_DOUBLE_EQ(second.share, 0.5);
  EXPECT_DOUBLE_EQ(second.share_of("cpu:1"), 0.5);
  EXPECT_THAT(whole.others, ::testing::UnorderedElementsAre("package 0", "package 1"));
  EXPECT_THAT(first.others, ElementsAre("unpinned"));
  EXPECT_DOUBLE_EQ(first.share, (4 + 6 / 2.0) / 10);
  // Each package's time is split among the windows reading it: package 1's
  // 0-4 s between its trial and the unpinned window, 4-6 s the unpinned
  // window's alone; package 0's 0-6 s in halves. Each counted once.
  EXPECT_DOUBLE_EQ(whole.share, (4 / 3.0 + 2 / 2.0) / 6);  // among every trial it met
  EXPECT_DOUBLE_EQ(whole.share_of("cpu:0"), 0.5);
  EXPECT_DOUBLE_EQ(whole.share_of("cpu:1"), (4 / 2.0 + 2) / 6);
  EXPECT_DOUBLE_EQ(4 * second.share_of("cpu:1") + 6 * whole.share_of("cpu:1"), 6.0);
  EXPECT_DOUBLE_EQ(10 * first.share_of("cpu:0") + 6 * whole.share_of("cpu:0"), 10.0);
}

TEST(MachineActivity, TrialsOneAfterAnotherDoNotShare) {
  TempDir dir("activity");
  const auto clock = std::make_shared<HandClock>();
  MachineActivity activity(dir.path(), clock);
  clock->set(0);
  auto first = activity.begin("first");
  clock->set(5);
  EXPECT_FALSE(activity.end(first).shared);
  auto second = activity.begin("second");
  clock->set(9);
  const Overlap overlap = activity.end(second);
  EXPECT_FALSE(overlap.shared);
  EXPECT_DOUBLE_EQ(overlap.share, 1.0);
}

TEST(MachineActivity, AMarkerNobodyHoldsIsADeadWorkersAndIsRemoved) {
  TempDir dir("activity");
  const auto clock = std::make_shared<HandClock>();
  MachineActivity activity(dir.path(), clock);
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::string boot_id;
  std::getline(boot, boot_id);
  std::ofstream(dir / "trial-999999-0") << boot_id << " 1.0 - crashed worker\n";
  clock->set(2);
  auto trial = activity.begin("alive");
  clock->set(3);
  EXPECT_FALSE(activity.end(trial).shared);
  EXPECT_FALSE(std::filesystem::exists(dir / "trial-999999-0"));
}

TEST(MachineActivity, TheIdleBaselineWaitsForRunningTrialsAndHoldsNewOnesBack) {
  TempDir dir("activity");
  MachineActivity activity(dir.path());
  auto running = activity.begin("running");
  std::atomic<bool> measured{false};
  std::atomic<std::size_t> waited_for{0};
  std::promise<void> measuring;
  std::promise<void> finish_measuring;
  std::thread baseline([&] {
    activity.exclusively(
        [&] {
          measuring.set_value();
          finish_measuring.get_future().wait();
          measured = true;
        },
        [&](std::size_t count) { waited_for = count; });
  });
  ASSERT_TRUE(testing::wait_until([&] { return waited_for.load() == 1; }));
  EXPECT_FALSE(measured) << "the baseline must not run beside a trial";
  activity.end(running);
  measuring.get_future().wait();
  // While it measures, a new trial waits at the gate.
  std::atomic<bool> started{false};
  std::thread next([&] {
    auto registration = activity.begin("next");
    started = true;
    activity.end(registration);
  });
  EXPECT_FALSE(testing::wait_until([&] { return started.load(); }, std::chrono::milliseconds(300)));
  finish_measuring.set_value();
  baseline.join();
  next.join();
  EXPECT_TRUE(measured);
  EXPECT_TRUE(started);
}

}  // namespace
}  // namespace ecopt
