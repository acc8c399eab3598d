#pragma once
// Device leases: a measured device runs one trial at a time, because
// machine-wide RAPL and per-GPU NVML cannot tell two jobs apart. Workers on
// one machine coordinate through lock files, flock(2) on
// <lease dir>/<device>.lock; the kernel releases a flock when its process
// dies, so a kill -9 never leaves a device locked.
//
// A worker takes one device of its list exclusively (waiting for one to
// free up) and the machine-wide "cpu" lease too when it is free. Whatever
// it could not hold exclusively is shared with parallel trials: the trial
// is marked energy_shared, never passed off as a clean measurement.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

// Trial user attribute keys written for every leased trial.
inline constexpr const char* kDeviceLeaseAttr = "device_lease";    // "cuda:0+cpu"
inline constexpr const char* kEnergySharedAttr = "energy_shared";  // true: not a clean measurement
inline constexpr const char* kCpuLease = "cpu";

// $ECOPT_LEASE_DIR, else $XDG_RUNTIME_DIR/ecopt-leases, else /tmp/ecopt-leases.
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
  // Devices measured but shared with other trials (empty: a clean lease).
  const std::vector<std::string>& shared() const { return shared_; }
  bool energy_shared() const { return !shared_.empty(); }
  // {"device_lease": "cuda:0+cpu", "energy_shared": false, "shared_devices": [...]}.
  nlohmann::json attrs() const;

 private:
  friend class DeviceLeases;
  void release();

  std::vector<int> fds_;
  std::shared_ptr<std::atomic<std::int64_t>> released_at_ns_;  // the DeviceLeases' clock
  std::vector<std::string> exclusive_;
  std::vector<std::string> shared_;
};

class DeviceLeases {
 public:
  // `devices`: what this worker may measure on ("cpu", "cuda:0", ...);
  // empty means {"cpu"}. `allow_shared`: when every device is busy, run
  // anyway and mark the trial's energy as shared instead of waiting.
  // Throws InputError for a device name that cannot be a file name and
  // UnavailableError when the lease folder cannot be created.
  DeviceLeases(std::vector<std::string> devices, bool allow_shared,
               std::filesystem::path dir = default_lease_dir());

  // Waits (polling, so `stop` is seen) until a device of the list is free;
  // with allow_shared it never waits. Returns an empty lease when stopped.
  DeviceLease acquire(const std::atomic<bool>& stop);

  const std::vector<std::string>& devices() const { return devices_; }

 private:
  // Opens and flocks <dir>/<device>.lock without waiting; -1 when busy.
  int try_lock(const std::string& device) const;

  std::vector<std::string> devices_;
  bool allow_shared_;
  std::filesystem::path dir_;
  // When this worker last released a lease (steady clock, ns): it lets
  // waiting workers in before taking the device again.
  std::shared_ptr<std::atomic<std::int64_t>> released_at_ns_ =
      std::make_shared<std::atomic<std::int64_t>>(0);
};

}  // namespace ecopt
