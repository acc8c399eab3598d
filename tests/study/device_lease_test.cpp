// Device leases on real lock files: exclusive, shared only when allowed,
// never leaked by a dead process, named by the physical device (a fake NVML
// and a fake CPU topology stand in for the hardware), in a folder no other
// user controls.
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/study/device_lease.hpp"
#include "fake_nvml.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

#include "support/optional_component.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::FakeNvml;
using testing::TempDir;

const std::atomic<bool> kNeverStop{false};
constexpr int kFakePackage = 3;
constexpr int kOtherPackage = 7;

// A CPU topology in which every CPU this process may run on is in package 3
// and one CPU it may not use (cpu1023) is in package 7.
void write_topology(const std::filesystem::path& root) {
  cpu_set_t allowed;
  ASSERT_EQ(::sched_getaffinity(0, sizeof allowed, &allowed), 0);
  auto add = [&](int cpu, int package) {
    const auto dir = root / fmt::format("cpu{}", cpu) / "topology";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "physical_package_id") << package << '\n';
  };
  for (int cpu = 0; cpu < 1023; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) add(cpu, kFakePackage);
  ASSERT_FALSE(CPU_ISSET(1023, &allowed));
  add(1023, kOtherPackage);
}

std::string cpu_lock(int package) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("cpu-{}-package-{}", host, package);
}

class DeviceLeasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CUDA_VISIBLE_DEVICES");
    write_topology(topology.path());
    gpu_a = nvml.add_device(0x1b, "GPU-aaaa", "NVIDIA H100", 0, 0);
    gpu_b = nvml.add_device(0x3b, "GPU-bbbb", "NVIDIA H100", 0, 0);
  }
  void TearDown() override { ::unsetenv("CUDA_VISIBLE_DEVICES"); }

  LeaseOptions options() const {
    return {.dir = dir.path(), .nvml_library = FakeNvml::kPath, .cpu_root = topology.path()};
  }
  // A worker of a job that Slurm gave the GPUs in `visible`.
  DeviceLease acquire_as_job(const char* visible, std::vector<std::string> devices) {
    ::setenv("CUDA_VISIBLE_DEVICES", visible, 1);
    jobs.push_back(std::make_unique<DeviceLeases>(std::move(devices), true, options()));
    return jobs.back()->acquire(kNeverStop);
  }

  TempDir dir{"leases"};
  TempDir topology{"topology"};
  FakeNvml nvml;
  int gpu_a = 0;
  int gpu_b = 0;
  std::vector<std::unique_ptr<DeviceLeases>> jobs;
};

TEST_F(DeviceLeasesTest, CpuLeaseIsExclusiveUntilReleased) {
  DeviceLeases first({}, false, options());
  DeviceLeases second({}, false, options());
  auto held = std::make_unique<DeviceLease>(first.acquire(kNeverStop));
  EXPECT_EQ(held->exclusive(), std::vector<std::string>{"cpu"});
  EXPECT_TRUE(held->shared().empty());

  auto waiting = std::async(std::launch::async, [&] { return second.acquire(kNeverStop); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "a second trial must wait for the CPU";
  held.reset();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(waiting.get().exclusive(), std::vector<std::string>{"cpu"});
}

TEST_F(DeviceLeasesTest, AllowSharedRunsAtOnceAndSaysSo) {
  DeviceLeases first({}, false, options());
  DeviceLeases second({}, true, options());
  const auto held = first.acquire(kNeverStop);
  const auto shared = second.acquire(kNeverStop);
  EXPECT_TRUE(shared.exclusive().empty());
  EXPECT_FALSE(shared.shared().empty());
  EXPECT_EQ(shared.attrs()["device_lease"], "cpu");
  EXPECT_EQ(shared.attrs()["shared_devices"], std::vector<std::string>{"cpu"});
  EXPECT_TRUE(held.shared().empty());
}

// Issue 23: leases found GPUs through the real libnvidia-ml whatever
// ECOPT_NVML_LIBRARY said, while the worker's meters used the library it
// names; both now read the one setting, as `ecopt worker` builds them.
TEST_F(DeviceLeasesTest, LeasesFindGpusThroughTheLibraryTheMetersUse) {
  const testing::ScopedEnv library("ECOPT_NVML_LIBRARY", FakeNvml::kPath);
  LeaseOptions defaults;  // as ecopt worker and tune make them
  defaults.dir = dir.path();
  defaults.cpu_root = topology.path();
  DeviceLeases leases({"cuda:1"}, false, defaults);
  const auto lease = leases.acquire(kNeverStop);
  EXPECT_EQ(lease.attrs()["device_lease_ids"], "GPU-bbbb+" + cpu_lock(kFakePackage));
}

TEST_F(DeviceLeasesTest, GpuWorkersTakeDifferentGpusAndOnlyOneGetsTheCpu) {
  DeviceLeases a({"cuda:0", "cuda:1"}, false, options());
  DeviceLeases b({"cuda:0", "cuda:1"}, false, options());
  const auto first = a.acquire(kNeverStop);
  const auto second = b.acquire(kNeverStop);
  EXPECT_EQ(first.exclusive(), (std::vector<std::string>{"cuda:0", "cpu"}));
  EXPECT_EQ(second.exclusive(), std::vector<std::string>{"cuda:1"});
  EXPECT_EQ(second.shared(), std::vector<std::string>{"cpu"}) << "RAPL is machine-wide";
  EXPECT_EQ(second.attrs()["device_lease"], "cuda:1+cpu");
  EXPECT_EQ(second.attrs()["device_lease_ids"], "GPU-bbbb+" + cpu_lock(kFakePackage));
}

TEST_F(DeviceLeasesTest, JobsSeeingDifferentGpusAsCuda0DoNotCollide) {
  const auto first = acquire_as_job("0", {"cuda:0"});
  const auto second = acquire_as_job("GPU-bbbb", {"cuda:0"});
  EXPECT_EQ(first.exclusive(), (std::vector<std::string>{"cuda:0", "cpu"}));
  EXPECT_EQ(second.exclusive(), std::vector<std::string>{"cuda:0"}) << "its GPU is its own";
  EXPECT_EQ(second.shared(), std::vector<std::string>{"cpu"});
  EXPECT_EQ(first.physical().front(), "GPU-aaaa");
  EXPECT_EQ(second.physical().front(), "GPU-bbbb");
}

TEST_F(DeviceLeasesTest, JobsSharingOneGpuCollideWhateverTheyCallIt) {
  const auto first = acquire_as_job("1", {"cuda:0"});
  const auto second = acquire_as_job("0,1", {"cuda:1"});
  EXPECT_EQ(first.exclusive(), (std::vector<std::string>{"cuda:0", "cpu"}));
  EXPECT_TRUE(second.exclusive().empty());
  EXPECT_EQ(second.shared(), (std::vector<std::string>{"cuda:1", "cpu"}));
  EXPECT_EQ(second.physical().front(), "GPU-bbbb");
}

TEST_F(DeviceLeasesTest, AGpuTheJobCannotSeeIsAClearError) {
  ::setenv("CUDA_VISIBLE_DEVICES", "1", 1);
  DeviceLeases leases({"cuda:1"}, false, options());
  try {
    leases.acquire(kNeverStop);
    FAIL() << "cuda:1 is not visible";
  } catch (const UnavailableError& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot lease cuda:1: this process sees 1 GPU(s) "
                                        "(CUDA_VISIBLE_DEVICES='1')"));
  }
}

TEST_F(DeviceLeasesTest, TheMachineLeaseHoldsEveryGpuAndPackageAndWaitsForThem) {
  DeviceLeases cpu_worker({}, true, options());
  DeviceLeases baseline({}, false, options());
  auto trial = std::make_unique<DeviceLease>(acquire_as_job("1", {"cuda:0"}));
  std::atomic<bool> stop{false};
  auto waiting = std::async(std::launch::async, [&] { return baseline.acquire_machine(stop); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "GPU-bbbb and the CPU are in use";
  trial.reset();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto machine = waiting.get();
  EXPECT_EQ(machine.physical(), (std::vector<std::string>{"GPU-aaaa", "GPU-bbbb",
                                                          cpu_lock(kFakePackage),
                                                          cpu_lock(kOtherPackage)}))
      << "every GPU and package of the node, even those this job may not use";
  EXPECT_EQ(machine.exclusive(), std::vector<std::string>{"cpu"});
  EXPECT_FALSE(cpu_worker.acquire(kNeverStop).shared().empty());
}

// With cpus_per_trial, the cpu lease is a set of CPUs of one package:
// sets held at once are disjoint, and a whole-package lease waits for them.
TEST_F(DeviceLeasesTest, CpuSetsAreDisjointAndAWholePackageLeaseWaitsForThem) {
  if (usable_cpus().size() < 2) GTEST_SKIP() << "needs 2 CPUs this process may use";
  auto one_cpu = options();
  one_cpu.cpus_per_trial = 1;
  DeviceLeases a({}, false, one_cpu);
  DeviceLeases b({}, false, one_cpu);
  DeviceLeases whole({}, false, options());
  auto first = std::make_unique<DeviceLease>(a.acquire(kNeverStop));
  auto second = std::make_unique<DeviceLease>(b.acquire(kNeverStop));
  ASSERT_EQ(first->cpus().size(), 1u);
  ASSERT_EQ(second->cpus().size(), 1u);
  EXPECT_NE(first->cpus(), second->cpus());
  EXPECT_TRUE(first->shared().empty());
  EXPECT_EQ(first->attrs()["cpu_set"], std::to_string(first->cpus().front()));
  EXPECT_EQ(first->physical().front(), cpu_lock(kFakePackage));

  auto waiting = std::async(std::launch::async, [&] { return whole.acquire(kNeverStop); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the package's CPU sets are in use";
  first.reset();
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "one CPU set is still in use";
  second.reset();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(waiting.get().cpus().empty());
}

// Two packages of one CPU each, the first held by a CPU set this worker
// cannot see (another Slurm job's CPUs of that package): the set is taken
// on the package nobody holds, where RAPL measures it alone, though the
// first package's CPU is free; once nobody holds it, the first set again.
TEST_F(DeviceLeasesTest, ACpuSetIsTakenOnAPackageNobodyElseHolds) {
  const auto cpus = usable_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs this process may use";
  TempDir two_packages("two-packages");
  for (const int package : {0, 1}) {
    const auto folder = two_packages.path() / fmt::format("cpu{}", cpus[package]) / "topology";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "physical_package_id") << package << '\n';
  }
  auto one_cpu = options();
  one_cpu.cpu_root = two_packages.path();
  one_cpu.cpus_per_trial = 1;
  DeviceLeases leases({}, false, one_cpu);
  const auto other_job = dir.path() / (cpu_lock(0) + ".lock");
  const int held = ::open(other_job.c_str(), O_RDONLY | O_CREAT, 0644);
  ASSERT_EQ(::flock(held, LOCK_SH), 0);
  {
    const auto lease = leases.acquire(kNeverStop);
    EXPECT_EQ(lease.cpus(), std::vector<int>{cpus[1]});
    EXPECT_EQ(lease.physical().front(), cpu_lock(1));
  }
  ::close(held);
  const auto lease = leases.acquire(kNeverStop);
  EXPECT_EQ(lease.cpus(), std::vector<int>{cpus[0]});
  EXPECT_EQ(lease.physical().front(), cpu_lock(0));
}

// A baseline waiting for the CPU sets of running trials keeps new sets
// from starting: sets that overlap in time would otherwise keep the
// package locked for ever.
TEST_F(DeviceLeasesTest, AnIdleBaselineWaitingForCpuSetsKeepsNewSetsOut) {
  if (usable_cpus().size() < 2) GTEST_SKIP() << "needs 2 CPUs this process may use";
  auto one_cpu = options();
  one_cpu.cpus_per_trial = 1;
  DeviceLeases a({}, false, one_cpu);
  DeviceLeases b({}, false, one_cpu);
  std::promise<void> baseline_waits;
  auto baseline_options = options();
  std::once_flag told;
  baseline_options.on_wait = [&](const std::string&) {
    std::call_once(told, [&] { baseline_waits.set_value(); });
  };
  DeviceLeases baseline({}, false, baseline_options);
  auto running = std::make_unique<DeviceLease>(a.acquire(kNeverStop));
  std::atomic<bool> stop{false};
  auto machine = std::async(std::launch::async, [&] { return baseline.acquire_machine(stop); });
  ASSERT_EQ(baseline_waits.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto next = std::async(std::launch::async, [&] { return b.acquire(kNeverStop); });
  EXPECT_EQ(next.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "a free CPU set was taken while the baseline waited";
  running.reset();
  ASSERT_EQ(machine.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto whole_node = machine.get();
  EXPECT_EQ(next.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "a CPU set was taken during the baseline";
  whole_node = DeviceLease();
  ASSERT_EQ(next.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(next.get().cpus().size(), 1u);
}

TEST_F(DeviceLeasesTest, StopEndsTheWait) {
  DeviceLeases first({}, false, options());
  DeviceLeases second({}, false, options());
  const auto held = first.acquire(kNeverStop);
  std::atomic<bool> stop{false};
  auto waiting = std::async(std::launch::async, [&] { return second.acquire(stop); });
  stop = true;
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto lease = waiting.get();
  EXPECT_TRUE(lease.exclusive().empty());
  EXPECT_TRUE(lease.shared().empty());
}

// A child process holds the CPU lease until it is killed; `ready` is read
// once it holds it.
pid_t hold_cpu_lease_in_child(const LeaseOptions& options) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    DeviceLeases leases({}, false, options);
    const auto lease = leases.acquire(kNeverStop);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    _exit(0);
  }
  char byte = 0;
  (void)!::read(ready[0], &byte, 1);
  ::close(ready[0]);
  ::close(ready[1]);
  return child;
}

TEST_F(DeviceLeasesTest, AKilledHolderReleasesItsLease) {
  const pid_t child = hold_cpu_lease_in_child(options());
  ASSERT_GT(child, 0);
  DeviceLeases mine({}, true, options());
  EXPECT_FALSE(mine.acquire(kNeverStop).shared().empty()) << "the child holds the CPU";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(mine.acquire(kNeverStop).shared().empty()) << "kill -9 released it";
}

TEST_F(DeviceLeasesTest, AWaitingWorkerSaysWhoHoldsTheLease) {
  const pid_t child = hold_cpu_lease_in_child(options());
  ASSERT_GT(child, 0);
  std::mutex mutex;
  std::vector<std::string> reports;
  auto waiting_options = options();
  waiting_options.on_wait = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    reports.push_back(line);
  };
  DeviceLeases mine({}, false, waiting_options);
  std::atomic<bool> stop{false};
  auto waiting = std::async(std::launch::async, [&] { return mine.acquire(stop); });
  const bool reported = testing::wait_until([&] {
    std::lock_guard lock(mutex);
    return !reports.empty();
  });
  stop = true;
  waiting.get();
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(reported);
  EXPECT_THAT(reports.front(), HasSubstr(fmt::format("{} held by pid {} (", cpu_lock(kFakePackage), child)));
  EXPECT_THAT(reports.front(), StartsWith("waiting for a device lease in " + dir.path().string()));
}

TEST_F(DeviceLeasesTest, ASymlinkInPlaceOfALockFileIsRefused) {
  const auto victim = dir / "victim-file";
  std::filesystem::create_symlink(victim, dir / (cpu_lock(kFakePackage) + ".lock"));
  DeviceLeases leases({}, false, options());
  try {
    leases.acquire(kNeverStop);
    FAIL() << "the symlink was followed";
  } catch (const UnavailableError& error) {
    EXPECT_THAT(error.what(), HasSubstr("is a symbolic link, not a lock file; refusing it"));
  }
  EXPECT_FALSE(std::filesystem::exists(victim)) << "no file created where the symlink points";
}

TEST_F(DeviceLeasesTest, AFifoInPlaceOfALockFileIsRefusedWithoutHanging) {
  ASSERT_EQ(::mkfifo((dir / (cpu_lock(kFakePackage) + ".lock")).c_str(), 0644), 0);
  DeviceLeases leases({}, false, options());
  EXPECT_THROW(leases.acquire(kNeverStop), UnavailableError);
}

TEST_F(DeviceLeasesTest, AFolderOthersMayWriteToIsRefusedUnlessSticky) {
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  try {
    DeviceLeases leases({}, false, options());
    FAIL() << "a world-writable lease folder was accepted";
  } catch (const UnavailableError& error) {
    EXPECT_THAT(error.what(), HasSubstr("others may write to " + dir.path().string() + " (mode 0777)"));
  }
  ASSERT_EQ(::chmod(dir.path().c_str(), 01777), 0);
  EXPECT_NO_THROW(DeviceLeases({}, false, options())) << "a shared folder like /tmp is fine";
}

TEST_F(DeviceLeasesTest, AFolderOfAnotherUserIsRefused) {
  ECOPT_NEED_COMPONENT(::geteuid() == 0, "ROOT", "only root can give a folder to another user");
  const auto theirs = dir / "theirs";
  std::filesystem::create_directories(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  auto their_options = options();
  their_options.dir = theirs / "leases";
  EXPECT_THROW(DeviceLeases({}, false, their_options), UnavailableError)
      << "a folder below theirs: they could swap it";
  their_options.dir = theirs;
  try {
    DeviceLeases leases({}, false, their_options);
    FAIL() << "a folder of another user was accepted";
  } catch (const UnavailableError& error) {
    EXPECT_THAT(error.what(), HasSubstr("belongs to"));
    EXPECT_THAT(error.what(), HasSubstr("not to you or root"));
  }
}

TEST_F(DeviceLeasesTest, ASymlinkedFolderIsRefused) {
  const auto link = dir / "link";
  std::filesystem::create_directories(dir / "real");
  std::filesystem::create_directory_symlink(dir / "real", link);
  auto linked = options();
  linked.dir = link;
  EXPECT_THROW(DeviceLeases({}, false, linked), UnavailableError);
}

TEST(DeviceLeases, BadDeviceNamesAreInputErrors) {
  TempDir dir("leases");
  const LeaseOptions options{.dir = dir.path()};
  EXPECT_THROW(DeviceLeases({"../etc"}, false, options), InputError);
  EXPECT_THROW(DeviceLeases({"cuda 0"}, false, options), InputError);
  EXPECT_THROW(DeviceLeases({""}, false, options), InputError);
  DeviceLeases unknown({"tpu:0"}, false, options);
  EXPECT_THROW(unknown.acquire(kNeverStop), InputError);
}

}  // namespace
}  // namespace ecopt
