#include "ecopt/study/device_lease.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void check_device_name(const std::string& device) {
  const bool plain = !device.empty() && device.size() <= 64 &&
                     std::all_of(device.begin(), device.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' ||
                              c == '_' || c == '.';
                     }) &&
                     device.front() != '.';
  if (!plain) {
    throw InputError(fmt::format(
        "device '{}' is not a device name; use names such as cpu, cuda:0, cuda:1", device));
  }
}

std::string joined(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, "+"));
}

}  // namespace

std::filesystem::path default_lease_dir() {
  if (const char* dir = std::getenv("ECOPT_LEASE_DIR"); dir && *dir) return dir;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
    return std::filesystem::path(runtime) / "ecopt-leases";
  }
  return "/tmp/ecopt-leases";
}

// --- DeviceLease ----------------------------------------------------------

DeviceLease::DeviceLease(DeviceLease&& other) noexcept
    : fds_(std::move(other.fds_)),
      released_at_ns_(std::move(other.released_at_ns_)),
      exclusive_(std::move(other.exclusive_)),
      shared_(std::move(other.shared_)) {
  other.fds_.clear();
}

DeviceLease& DeviceLease::operator=(DeviceLease&& other) noexcept {
  if (this != &other) {
    release();
    fds_ = std::move(other.fds_);
    released_at_ns_ = std::move(other.released_at_ns_);
    exclusive_ = std::move(other.exclusive_);
    shared_ = std::move(other.shared_);
    other.fds_.clear();
  }
  return *this;
}

DeviceLease::~DeviceLease() { release(); }

void DeviceLease::release() {
  // Closing the descriptor drops the flock.
  if (!fds_.empty() && released_at_ns_) *released_at_ns_ = steady_now_ns();
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

nlohmann::json DeviceLease::attrs() const {
  std::vector<std::string> all = exclusive_;
  all.insert(all.end(), shared_.begin(), shared_.end());
  return {{kDeviceLeaseAttr, joined(all)},
          {kEnergySharedAttr, energy_shared()},
          {"shared_devices", shared_}};
}

// --- DeviceLeases ---------------------------------------------------------

DeviceLeases::DeviceLeases(std::vector<std::string> devices, bool allow_shared,
                           std::filesystem::path dir)
    : devices_(std::move(devices)), allow_shared_(allow_shared), dir_(std::move(dir)) {
  if (devices_.empty()) devices_ = {kCpuLease};
  for (const auto& device : devices_) check_device_name(device);
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) {
    throw UnavailableError(fmt::format(
        "cannot create the device lease folder {} ({}); set ECOPT_LEASE_DIR to a writable folder",
        dir_.string(), error.message()));
  }
}

int DeviceLeases::try_lock(const std::string& device) const {
  const auto path = dir_ / (device + ".lock");
  // Not close-on-exec: the trial's programs inherit the lock, so a worker
  // killed mid-trial leaves its device leased until the orphaned programs
  // end too, and no retry is measured beside them.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0666);
  if (fd < 0) {
    throw UnavailableError(fmt::format("cannot open the device lease {} ({}); set ECOPT_LEASE_DIR "
                                       "to a writable folder",
                                       path.string(), std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
  ::close(fd);
  return -1;
}

DeviceLease DeviceLeases::acquire(const std::atomic<bool>& stop) {
  // The devices a trial runs on; the CPU's RAPL is a side measurement of
  // every trial, unless the CPU is the only device.
  std::vector<std::string> primary;
  for (const auto& device : devices_) {
    if (device != kCpuLease) primary.push_back(device);
  }
  if (primary.empty()) primary.push_back(kCpuLease);
  // Workers waiting for a device poll every kPollInterval; one that just
  // released it would otherwise take it again before they look, forever.
  const auto since_release = std::chrono::nanoseconds(steady_now_ns() - *released_at_ns_);
  if (since_release < 2 * kPollInterval) std::this_thread::sleep_for(2 * kPollInterval - since_release);
  DeviceLease lease;
  lease.released_at_ns_ = released_at_ns_;
  while (lease.exclusive_.empty() && !stop) {
    for (const auto& device : primary) {
      const int fd = try_lock(device);
      if (fd < 0) continue;
      lease.fds_.push_back(fd);
      lease.exclusive_.push_back(device);
      break;
    }
    if (!lease.exclusive_.empty()) break;
    if (allow_shared_) {
      lease.shared_.push_back(primary.front());
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (stop && lease.exclusive_.empty() && lease.shared_.empty()) return lease;
  if (primary.front() != kCpuLease) {
    const int fd = try_lock(kCpuLease);
    if (fd >= 0) {
      lease.fds_.push_back(fd);
      lease.exclusive_.push_back(kCpuLease);
    } else {
      lease.shared_.push_back(kCpuLease);
    }
  }
  return lease;
}

}  // namespace ecopt
