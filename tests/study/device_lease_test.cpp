// Device leases on real lock files: exclusive, shared only when allowed,
// never leaked by a dead process.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/study/device_lease.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using testing::TempDir;

const std::atomic<bool> kNeverStop{false};

TEST(DeviceLeases, CpuLeaseIsExclusiveUntilReleased) {
  TempDir dir("leases");
  DeviceLeases first({}, false, dir.path());
  DeviceLeases second({}, false, dir.path());
  auto held = std::make_unique<DeviceLease>(first.acquire(kNeverStop));
  EXPECT_EQ(held->exclusive(), std::vector<std::string>{"cpu"});
  EXPECT_FALSE(held->energy_shared());

  auto waiting = std::async(std::launch::async, [&] { return second.acquire(kNeverStop); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "a second trial must wait for the CPU";
  held.reset();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(waiting.get().exclusive(), std::vector<std::string>{"cpu"});
}

TEST(DeviceLeases, AllowSharedRunsAtOnceAndSaysSo) {
  TempDir dir("leases");
  DeviceLeases first({}, false, dir.path());
  DeviceLeases second({}, true, dir.path());
  const auto held = first.acquire(kNeverStop);
  const auto shared = second.acquire(kNeverStop);
  EXPECT_TRUE(shared.exclusive().empty());
  EXPECT_TRUE(shared.energy_shared());
  EXPECT_EQ(shared.attrs()["energy_shared"], true);
  EXPECT_EQ(shared.attrs()["device_lease"], "cpu");
  EXPECT_EQ(held.attrs()["energy_shared"], false);
}

TEST(DeviceLeases, GpuWorkersTakeDifferentGpusAndOnlyOneGetsTheCpu) {
  TempDir dir("leases");
  DeviceLeases a({"cuda:0", "cuda:1"}, false, dir.path());
  DeviceLeases b({"cuda:0", "cuda:1"}, false, dir.path());
  const auto first = a.acquire(kNeverStop);
  const auto second = b.acquire(kNeverStop);
  EXPECT_EQ(first.exclusive(), (std::vector<std::string>{"cuda:0", "cpu"}));
  EXPECT_EQ(second.exclusive(), std::vector<std::string>{"cuda:1"});
  EXPECT_EQ(second.shared(), std::vector<std::string>{"cpu"}) << "RAPL is machine-wide";
  EXPECT_EQ(second.attrs()["device_lease"], "cuda:1+cpu");
}

TEST(DeviceLeases, StopEndsTheWait) {
  TempDir dir("leases");
  DeviceLeases first({}, false, dir.path());
  DeviceLeases second({}, false, dir.path());
  const auto held = first.acquire(kNeverStop);
  std::atomic<bool> stop{false};
  auto waiting = std::async(std::launch::async, [&] { return second.acquire(stop); });
  stop = true;
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto lease = waiting.get();
  EXPECT_TRUE(lease.exclusive().empty());
  EXPECT_FALSE(lease.energy_shared());
}

TEST(DeviceLeases, AKilledHolderReleasesItsLease) {
  TempDir dir("leases");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DeviceLeases leases({}, false, dir.path());
    const auto lease = leases.acquire(kNeverStop);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  DeviceLeases mine({}, true, dir.path());
  EXPECT_TRUE(mine.acquire(kNeverStop).energy_shared()) << "the child holds the CPU";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(mine.acquire(kNeverStop).energy_shared()) << "kill -9 released it";
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(DeviceLeases, BadDeviceNamesAreInputErrors) {
  TempDir dir("leases");
  EXPECT_THROW(DeviceLeases({"../etc"}, false, dir.path()), InputError);
  EXPECT_THROW(DeviceLeases({"cuda 0"}, false, dir.path()), InputError);
  EXPECT_THROW(DeviceLeases({""}, false, dir.path()), InputError);
}

}  // namespace
}  // namespace ecopt
