#include "ecopt/study/device_lease.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/energy/device_identity.hpp"
#include "lease_files.hpp"

namespace ecopt {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr int kPollsBetweenWaitReports = 50;  // who holds a device is looked up once a second
constexpr std::size_t kMaxCommandChars = 80;

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_lock_name(const std::string& name) {
  return !name.empty() && name.size() <= 200 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' ||
                  c == '.';
         });
}

void check_device_name(const std::string& device) {
  if (!is_lock_name(device) || device.size() > 64) {
    throw InputError(fmt::format(
        "device '{}' is not a device name; use names such as cpu, cuda:0, cuda:1", device));
  }
}

std::string joined(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, "+"));
}

std::string node_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
  std::string name = host;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  return name;
}

std::string cpu_lock_id(int package) { return fmt::format("cpu-{}-package-{}", node_name(), package); }

// The locks of a CPU set: its package's (taken shared), then each CPU's.
std::vector<std::string> set_lock_ids(const CpuSet& set) {
  std::vector<std::string> ids{cpu_lock_id(set.package)};
  for (const int cpu : set.cpus) ids.push_back(fmt::format("cpu-{}-cpu-{}", node_name(), cpu));
  return ids;
}

// Held by an idle baseline from before it waits for the packages until it
// is done: CPU sets are not taken meanwhile, so sets that overlap in time
// cannot keep their package locked shared for ever.
std::string idle_baseline_id() { return fmt::format("cpu-{}-idle-baseline", node_name()); }

std::string user_name(uid_t uid) {
  if (const passwd* entry = ::getpwuid(uid)) return entry->pw_name;
  return fmt::format("uid {}", uid);
}

// As ssh checks ~/.ssh: a folder (and each folder above it) that another
// user could rename or fill with files of their choosing is refused.
void check_folder_is_safe(const std::filesystem::path& folder, const std::filesystem::path& lease_dir) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    throw UnavailableError(fmt::format("cannot inspect {} ({}), above the device lease folder {}",
                                       folder.string(), std::strerror(errno), lease_dir.string()));
  }
  const uid_t me = ::geteuid();
  if (info.st_uid != me && info.st_uid != 0) {
    throw UnavailableError(fmt::format(
        "the device lease folder {} is unsafe: {} belongs to {}, not to you or root; set "
        "ECOPT_LEASE_DIR to a folder of your own",
        lease_dir.string(), folder.string(), user_name(info.st_uid)));
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (info.st_mode & S_ISVTX) == 0) {
    throw UnavailableError(fmt::format(
        "the device lease folder {} is unsafe: others may write to {} (mode {:04o}) and it has no "
        "sticky bit; chmod go-w it (or chmod +t a folder all users share)",
        lease_dir.string(), folder.string(), info.st_mode & 07777));
  }
}

// /proc/<pid>/cmdline (each argument ended by NUL) as one short line.
std::string command_line_text(std::string cmdline) {
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  if (cmdline.size() > kMaxCommandChars) cmdline = cmdline.substr(0, kMaxCommandChars) + "...";
  return printable(cmdline);
}

// The real uid from /proc/<pid>/status: the owner of /proc/<pid> is root
// for a non-dumpable process, as every ecopt is (src/cli/main.cpp).
std::optional<uid_t> process_owner(const std::string& proc) {
  std::ifstream status(proc + "/status");
  std::string key;
  while (status >> key) {
    uid_t uid = 0;
    if (key == "Uid:" && status >> uid) return uid;
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::string describe_process(long pid) {
  const auto proc = fmt::format("/proc/{}", pid);
  const auto owner = pid > 0 ? process_owner(proc) : std::nullopt;
  if (!owner) return fmt::format("pid {} (not visible from here)", pid);
  std::ifstream cmdline(proc + "/cmdline", std::ios::binary);
  std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return fmt::format("pid {} ({}: {})", pid, user_name(*owner), command_line_text(command));
}

// The processes /proc/locks says hold a flock on `path`.
std::vector<std::string> lock_holders(const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return {};
  const auto file_id = fmt::format("{:02x}:{:02x}:{}", major(info.st_dev), minor(info.st_dev), info.st_ino);
  std::ifstream locks("/proc/locks");
  std::vector<std::string> holders;
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string number, kind, mode, access, id;
    long pid = 0;
    if (!(fields >> number >> kind) || kind != "FLOCK") continue;  // "->" lines are waiters
    if (fields >> mode >> access >> pid >> id && id == file_id) holders.push_back(describe_process(pid));
  }
  return holders;
}

}  // namespace

namespace detail {

void prepare_lease_dir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw UnavailableError(fmt::format(
        "cannot create the device lease folder {} ({}); set ECOPT_LEASE_DIR to a writable folder",
        dir.string(), error.message()));
  }
  if (std::filesystem::is_symlink(dir, error)) {
    throw UnavailableError(fmt::format(
        "the device lease folder {} is a symbolic link; set ECOPT_LEASE_DIR to the folder itself",
        dir.string()));
  }
  const auto real = std::filesystem::canonical(dir, error);
  if (error) {
    throw UnavailableError(fmt::format("cannot resolve the device lease folder {} ({})",
                                       dir.string(), error.message()));
  }
  for (auto folder = real;; folder = folder.parent_path()) {
    check_folder_is_safe(folder, dir);
    if (folder == folder.parent_path()) break;
  }
}

int open_lock_file(const std::filesystem::path& path, LockFileAccess access) {
  const int kFlags = (access == LockFileAccess::ReadWrite ? O_RDWR : O_RDONLY) | O_NOFOLLOW |
                     O_NONBLOCK | O_NOCTTY;
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(path.c_str(), kFlags);
    // Not O_CREAT on an existing file: Linux refuses that in a sticky
    // folder for a file of another user (fs.protected_regular).
    if (fd < 0 && errno == ENOENT) {
      fd = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0644);
      if (fd >= 0) ::fchmod(fd, 0644);  // readable by others whatever the umask
      if (fd < 0 && errno == EEXIST) continue;
    }
    if (fd < 0 && errno == ELOOP) {
      throw UnavailableError(fmt::format(
          "the device lease {} is a symbolic link, not a lock file; refusing it (someone may be "
          "redirecting ECOpt's files): remove it",
          path.string()));
    }
    if (fd < 0) {
      throw UnavailableError(fmt::format(
          "cannot open the device lease {} ({}); set ECOPT_LEASE_DIR to a writable folder",
          path.string(), std::strerror(errno)));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      throw UnavailableError(fmt::format(
          "the device lease {} is not a plain file; refusing it: remove it", path.string()));
    }
    return fd;
  }
  throw UnavailableError(fmt::format("the device lease {} keeps changing under ECOpt", path.string()));
}

}  // namespace detail


std::filesystem::path default_lease_dir() {
  if (const char* dir = std::getenv("ECOPT_LEASE_DIR"); dir && *dir) return dir;
  // A job on a cluster inherits XDG_RUNTIME_DIR from the login node, where
  // the folder may not exist on this node.
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR");
      runtime && *runtime && std::filesystem::is_directory(runtime)) {
    return std::filesystem::path(runtime) / "ecopt-leases";
  }
  return fmt::format("/tmp/ecopt-leases-{}", ::geteuid());
}

// --- DeviceLease ----------------------------------------------------------

DeviceLease::DeviceLease(DeviceLease&& other) noexcept
    : fds_(std::move(other.fds_)),
      released_at_ns_(std::move(other.released_at_ns_)),
      exclusive_(std::move(other.exclusive_)),
      shared_(std::move(other.shared_)),
      physical_(std::move(other.physical_)),
      cpu_set_(std::move(other.cpu_set_)) {
  other.fds_.clear();
}

DeviceLease& DeviceLease::operator=(DeviceLease&& other) noexcept {
  if (this != &other) {
    release();
    fds_ = std::move(other.fds_);
    released_at_ns_ = std::move(other.released_at_ns_);
    exclusive_ = std::move(other.exclusive_);
    shared_ = std::move(other.shared_);
    physical_ = std::move(other.physical_);
    cpu_set_ = std::move(other.cpu_set_);
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
  nlohmann::json attrs = {{kDeviceLeaseAttr, joined(all)},
                          {kDeviceLeaseIdsAttr, joined(physical_)},
                          {"shared_devices", shared_}};
  if (!cpus().empty()) attrs["cpu_set"] = cpu_list_text(cpus());
  return attrs;
}

// --- DeviceLeases ---------------------------------------------------------

DeviceLeases::DeviceLeases(std::vector<std::string> devices, bool allow_shared, LeaseOptions options)
    : devices_(std::move(devices)), allow_shared_(allow_shared), options_(std::move(options)) {
  if (devices_.empty()) devices_ = {kCpuLease};
  for (const auto& device : devices_) check_device_name(device);
  detail::prepare_lease_dir(options_.dir);
}

const std::vector<std::string>& DeviceLeases::physical_ids(const std::string& device) {
  if (const auto found = lock_ids_.find(device); found != lock_ids_.end()) return found->second;
  std::vector<std::string> ids;
  if (device == kCpuLease) {
    for (const int package : cpu_packages(options_.cpu_root, DeviceScope::kVisible))
      ids.push_back(cpu_lock_id(package));
  } else if (device.starts_with("cuda:") && device.size() > 5 &&
             device.find_first_not_of("0123456789", 5) == std::string::npos) {
    const auto uuids = gpu_uuids(options_.nvml_library, DeviceScope::kVisible);
    const auto index = std::stoul(device.substr(5));
    if (index >= uuids.size()) {
      const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
      throw UnavailableError(fmt::format(
          "cannot lease {}: this process sees {} GPU(s) (CUDA_VISIBLE_DEVICES={}); lease only the "
          "devices 'ecopt devices' lists",
          device, uuids.size(), visible ? fmt::format("'{}'", visible) : "unset"));
    }
    ids.push_back(uuids[index]);
  } else {
    throw InputError(fmt::format("cannot lease device '{}': leases name cpu or cuda:N", device));
  }
  for (const auto& id : ids) {
    if (!is_lock_name(id))
      throw UnavailableError(fmt::format("device {} has an unusable identity '{}'", device, id));
  }
  return lock_ids_[device] = std::move(ids);
}

int DeviceLeases::try_lock(const std::string& id, int mode) const {
  // Not close-on-exec: the trial's programs inherit the lock, so a worker
  // killed mid-trial leaves its device leased until the orphaned programs
  // end too, and no retry is measured beside them.
  const int fd = detail::open_lock_file(options_.dir / (id + ".lock"), detail::LockFileAccess::ReadOnly);
  if (::flock(fd, mode | LOCK_NB) == 0) return fd;
  ::close(fd);
  return -1;
}

std::vector<int> DeviceLeases::try_lock_all(const std::vector<std::string>& ids, int mode) const {
  std::vector<int> fds;
  for (const auto& id : ids) {
    const int fd = try_lock(id, mode);
    if (fd < 0) {
      for (int held : fds) ::close(held);
      return {};
    }
    fds.push_back(fd);
  }
  return fds;
}

void DeviceLeases::report_wait(const std::vector<std::string>& ids) {
  std::vector<std::string> parts;
  for (const auto& id : ids) {
    auto holders = lock_holders(options_.dir / (id + ".lock"));
    if (holders.empty()) holders.emplace_back("a process not listed in /proc/locks");
    parts.push_back(fmt::format("{} held by {}", id, fmt::join(holders, ", ")));
  }
  auto report = fmt::format("waiting for a device lease in {}: {}", options_.dir.string(),
                            fmt::join(parts, "; "));
  if (report == last_wait_report_) return;
  last_wait_report_ = report;
  if (options_.on_wait) {
    options_.on_wait(report);
  } else {
    std::cerr << "ecopt: " << report << '\n' << std::flush;
  }
}

void DeviceLeases::pause_after_own_release() const {
  // Workers waiting for a device poll every kPollInterval; one that just
  // released it would otherwise take it again before they look, forever.
  const auto since_release = std::chrono::nanoseconds(steady_now_ns() - *released_at_ns_);
  if (since_release < 2 * kPollInterval) std::this_thread::sleep_for(2 * kPollInterval - since_release);
}

bool DeviceLeases::try_take_set(const CpuSet& set, bool package_alone, DeviceLease& lease) const {
  const auto ids = set_lock_ids(set);
  const int package = try_lock(ids.front(), package_alone ? LOCK_EX : LOCK_SH);
  if (package < 0) return false;
  // Nobody else holds the package: held shared from now on, as every set's.
  if (package_alone && ::flock(package, LOCK_SH | LOCK_NB) != 0) {
    ::close(package);
    return false;
  }
  const auto cpus = try_lock_all({ids.begin() + 1, ids.end()}, LOCK_EX);
  if (cpus.empty()) {
    ::close(package);
    return false;
  }
  lease.fds_.push_back(package);
  lease.fds_.insert(lease.fds_.end(), cpus.begin(), cpus.end());
  lease.cpu_set_ = set;
  return true;
}

bool DeviceLeases::try_take_cpu_set(DeviceLease& lease) {
  if (!cpu_sets_) cpu_sets_ = cpu_sets(options_.cpu_root, options_.cpus_per_trial);
  const int baseline = try_lock(idle_baseline_id(), LOCK_SH);
  if (baseline < 0) return false;
  // A set on a package no other trial uses first: where RAPL measures each
  // package, a trial alone on its package is measured alone.
  bool taken = false;
  for (const bool package_alone : {true, false}) {
    for (const auto& set : *cpu_sets_) {
      taken = try_take_set(set, package_alone, lease);
      if (taken) break;
    }
    if (taken) break;
  }
  ::close(baseline);
  return taken;
}

bool DeviceLeases::try_take(const std::string& device, DeviceLease& lease) {
  if (device == kCpuLease && options_.cpus_per_trial > 0) return try_take_cpu_set(lease);
  const auto fds = try_lock_all(physical_ids(device), LOCK_EX);
  lease.fds_.insert(lease.fds_.end(), fds.begin(), fds.end());
  return !fds.empty();
}

DeviceLease DeviceLeases::acquire(const std::atomic<bool>& stop) {
  // The devices a trial runs on; the CPU's RAPL is a side measurement of
  // every trial, unless the CPU is the only device.
  std::vector<std::string> primary;
  for (const auto& device : devices_) {
    if (device != kCpuLease) primary.push_back(device);
  }
  if (primary.empty()) primary.push_back(kCpuLease);
  pause_after_own_release();
  DeviceLease lease;
  lease.released_at_ns_ = released_at_ns_;
  last_wait_report_.clear();
  for (int polls = 0; lease.exclusive_.empty() && !stop; ++polls) {
    for (const auto& device : primary) {
      if (!try_take(device, lease)) continue;
      lease.exclusive_.push_back(device);
      break;
    }
    if (!lease.exclusive_.empty()) break;
    if (allow_shared_) {
      lease.shared_.push_back(primary.front());
      break;
    }
    if (polls % kPollsBetweenWaitReports == 0) {
      std::vector<std::string> waited_for;
      for (const auto& device : primary)
        for (const auto& id : physical_ids(device)) waited_for.push_back(id);
      report_wait(waited_for);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (stop && lease.exclusive_.empty() && lease.shared_.empty()) return lease;
  if (primary.front() != kCpuLease) {
    (try_take(kCpuLease, lease) ? lease.exclusive_ : lease.shared_).push_back(kCpuLease);
  }
  for (const auto* group : {&lease.exclusive_, &lease.shared_}) {
    for (const auto& device : *group) {
      const bool cpu_set = device == kCpuLease && group == &lease.exclusive_ && !lease.cpus().empty();
      const auto ids = cpu_set ? set_lock_ids(lease.cpu_set_) : physical_ids(device);
      lease.physical_.insert(lease.physical_.end(), ids.begin(), ids.end());
    }
  }
  return lease;
}

DeviceLease DeviceLeases::acquire_machine(const std::atomic<bool>& stop) {
  std::vector<std::string> ids;
  const bool measures_gpus = std::any_of(devices_.begin(), devices_.end(),
                                         [](const std::string& d) { return d != kCpuLease; });
  try {
    ids = gpu_uuids(options_.nvml_library, DeviceScope::kMachine);
  } catch (const UnavailableError&) {
    if (measures_gpus) throw;  // no NVML here: no GPU to lease either
  }
  for (const int package : cpu_packages(options_.cpu_root, DeviceScope::kMachine))
    ids.push_back(cpu_lock_id(package));
  // One order for every worker, so two machine-wide waits never deadlock;
  // the idle-baseline mark first, so that no CPU set starts meanwhile.
  std::sort(ids.begin(), ids.end());
  ids.insert(ids.begin(), idle_baseline_id());
  pause_after_own_release();
  DeviceLease lease;
  lease.released_at_ns_ = released_at_ns_;
  last_wait_report_.clear();
  for (const auto& id : ids) {
    int fd = -1;
    for (int polls = 0; fd < 0 && !stop; ++polls) {
      fd = try_lock(id, LOCK_EX);
      if (fd >= 0) break;
      if (polls % kPollsBetweenWaitReports == 0) report_wait({id});
      std::this_thread::sleep_for(kPollInterval);
    }
    if (fd < 0) return {};  // stopped; the locks taken so far are released
    lease.fds_.push_back(fd);
    if (id != idle_baseline_id()) lease.physical_.push_back(id);
  }
  lease.exclusive_ = devices_;
  if (std::find(devices_.begin(), devices_.end(), kCpuLease) == devices_.end())
    lease.exclusive_.push_back(kCpuLease);
  return lease;
}

}  // namespace ecopt
