#pragma once
// Device leases: a measured device runs one trial at a time, because
// machine-wide RAPL and per-GPU NVML cannot tell two jobs apart. Workers on
// one node coordinate through lock files, flock(2) on <lease dir>/<id>.lock;
// the kernel releases a flock when its process dies, so a kill -9 never
// leaves a device locked.
//
// Lock files are named by the physical device, not by the index a process
// sees: a GPU by its NVML UUID (two Slurm jobs that both call their GPU
// cuda:0 collide only when it is the same GPU), the CPU by its packages
// (cpu-<host>-package-N; RAPL measures whole packages). The host in the
// name keeps nodes apart even when the lease folder is on a shared file
// system; UUIDs are unique anyway.
//
// A worker takes one device of its list exclusively (waiting for one to
// free up) and the CPU lease too when it is free. The CPU lease is whole
// packages, or with cpus_per_trial a set of CPUs of one package: an
// exclusive lock per CPU (cpu-<host>-cpu-N) and a shared lock on its
// package, so sets of one package run at once while a whole-package lease
// or an idle baseline, which lock the package exclusively, wait for them;
// a set is taken on a package nobody else holds while there is one. Whatever it could not
// hold exclusively is shared with parallel trials: the trial is marked
// shared in its energy records, never passed off as a clean measurement.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/attributes.hpp"
#include "ecopt/energy/device_identity.hpp"

namespace ecopt {

inline constexpr const char* kCpuLease = "cpu";

// $ECOPT_LEASE_DIR, else $XDG_RUNTIME_DIR/ecopt-leases when that folder
// exists, else /tmp/ecopt-leases-<uid>: a folder on this node.
std::filesystem::path default_lease_dir();

// The locks held for one trial; released when destroyed.
class DeviceLease {
 public:
  DeviceLease() = default;
  DeviceLease(DeviceLease&& other) noexcept;
  DeviceLease& operator=(DeviceLease&& other) noexcept;
  DeviceLease(const DeviceLease&) = delete;
  DeviceLease& operator=(const DeviceLease&) = delete;
  ~DeviceLease();

  // The devices held exclusively, e.g. {"cuda:0", "cpu"}.
  const std::vector<std::string>& exclusive() const { return exclusive_; }
  // Devices measured but shared with other trials (empty: a clean lease);
  // the runner marks the trial's energy shared where a shared device's
  // meter reads the whole device (not the CPU-time estimate).
  const std::vector<std::string>& shared() const { return shared_; }
  // The physical devices behind exclusive() and shared(), e.g.
  // {"GPU-8f2c...", "cpu-node1-package-0"}.
  const std::vector<std::string>& physical() const { return physical_; }
  // The CPUs the trial runs on (a CPU set lease); empty: not pinned.
  const std::vector<int>& cpus() const { return cpu_set_.cpus; }
  // The package of cpus(), when they are not empty.
  int cpu_package() const { return cpu_set_.package; }
  // {"device_lease": "cuda:0+cpu", "device_lease_ids": "GPU-...+cpu-...",
  //  "shared_devices": [...], "cpu_set": "2-3" for a CPU set}; whether the energy was shared is said by
  //  the trial's energy records (energy/record.hpp).
  nlohmann::json attrs() const;

 private:
  friend class DeviceLeases;
  void release();

  std::vector<int> fds_;
  std::shared_ptr<std::atomic<std::int64_t>> released_at_ns_;  // the DeviceLeases' clock
  std::vector<std::string> exclusive_;
  std::vector<std::string> shared_;
  std::vector<std::string> physical_;
  CpuSet cpu_set_;
};

struct LeaseOptions {
  // Must be a folder only this user (or root, with the sticky bit when
  // others may write to it) controls, as ssh requires of ~/.ssh.
  std::filesystem::path dir = default_lease_dir();
  std::string nvml_library = default_nvml_library();
  std::string cpu_root = default_cpu_root();
  // 0: the cpu lease holds every package this worker may use. N: it holds
  // a set of N CPUs of one package (cpu_sets()) and the trial runs on them.
  int cpus_per_trial = 0;
  // Told which processes hold the devices a trial waits for, when the wait
  // starts and whenever they change; null: written to stderr.
  std::function<void(const std::string&)> on_wait;
};

class DeviceLeases {
 public:
  // `devices`: what this worker may measure on ("cpu", "cuda:0", ...);
  // empty means {"cpu"}. `allow_shared`: when every device is busy, run
  // anyway and mark the trial's energy as shared instead of waiting.
  // Throws InputError for a device name that is not cpu or cuda:N, and
  // UnavailableError when the lease folder cannot be created or is unsafe.
  DeviceLeases(std::vector<std::string> devices, bool allow_shared, LeaseOptions options = {});

  // Waits (polling, so `stop` is seen) until a device of the list is free;
  // with allow_shared it never waits. Returns an empty lease when stopped.
  // The first call names the physical devices (NVML, CPU topology) and
  // throws UnavailableError when it cannot.
  DeviceLease acquire(const std::atomic<bool>& stop);

  // Waits until it holds every lease of this node: each GPU NVML lists
  // (none when NVML cannot be loaded and this worker leases no GPU) and
  // each CPU package, whatever this worker may use. For an idle baseline
  // that no trial of any worker disturbs. exclusive() lists devices() and
  // "cpu"; empty when stopped.
  DeviceLease acquire_machine(const std::atomic<bool>& stop);

  const std::vector<std::string>& devices() const { return devices_; }

 private:
  // Opens and flocks <dir>/<id>.lock (LOCK_EX or LOCK_SH) without
  // waiting; -1 when busy.
  int try_lock(const std::string& id, int mode) const;
  // Locks every id or none (flock `mode` each); the descriptors, or empty
  // when one was busy.
  std::vector<int> try_lock_all(const std::vector<std::string>& ids, int mode) const;
  // Takes `device` when free: its locks, and for a CPU set the set.
  bool try_take(const std::string& device, DeviceLease& lease);
  // A free CPU set of cpu_sets(), its package locked shared, its CPUs
  // exclusively, on a package no other lease holds where there is one;
  // false while none is free or an idle baseline waits.
  bool try_take_cpu_set(DeviceLease& lease);
  // Takes `set` when free; with `package_alone`, only when no other lease
  // holds its package.
  bool try_take_set(const CpuSet& set, bool package_alone, DeviceLease& lease) const;
  const std::vector<std::string>& physical_ids(const std::string& device);
  void report_wait(const std::vector<std::string>& ids);
  void pause_after_own_release() const;

  std::vector<std::string> devices_;
  bool allow_shared_;
  LeaseOptions options_;
  std::map<std::string, std::vector<std::string>> lock_ids_;  // device -> physical ids
  std::optional<std::vector<CpuSet>> cpu_sets_;  // with cpus_per_trial, found by the first acquire
  std::string last_wait_report_;
  // When this worker last released a lease (steady clock, ns): it lets
  // waiting workers in before taking the device again.
  std::shared_ptr<std::atomic<std::int64_t>> released_at_ns_ =
      std::make_shared<std::atomic<std::int64_t>>(0);
};

}  // namespace ecopt
