// CPU packages behind the CPUs a process may run on (the GPU half is in
// nvml_meter.cpp, beside the NVML library it needs).
#include "ecopt/energy/device_identity.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/energy/seams.hpp"

namespace ecopt {

namespace {

// cpuN folders under cpu_root, as numbers.
std::vector<int> listed_cpus(const std::filesystem::path& cpu_root) {
  std::vector<int> cpus;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(cpu_root, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 3 && name.starts_with("cpu") &&
        name.find_first_not_of("0123456789", 3) == std::string::npos)
      cpus.push_back(std::stoi(name.substr(3)));
  }
  if (error)
    throw UnavailableError(
        fmt::format("cannot list the CPUs in {} ({})", cpu_root.string(), error.message()));
  return cpus;
}

bool may_run_on(const cpu_set_t& allowed, int cpu) {
  return cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed);
}

cpu_set_t process_affinity() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    throw UnavailableError("cannot read this process's CPU affinity (sched_getaffinity failed)");
  return allowed;
}

// The package of `cpu`; nullopt for an offline CPU (it has no topology).
std::optional<int> package_of(const std::string& cpu_root, int cpu) {
  const auto path = fmt::format("{}/cpu{}/topology/physical_package_id", cpu_root, cpu);
  const FileText file = real_file_reader()->read(path);
  if (file.error == ENOENT) return std::nullopt;
  const auto id = detail::parse_counter(file.text);
  if (file.error != 0 || !id)
    throw UnavailableError(fmt::format("cannot read the CPU package of cpu{} from {}", cpu, path));
  return static_cast<int>(*id);
}

// Sets the CPUs of every thread of this process (sched_setaffinity acts on
// one thread; the threads of a process are listed in /proc/self/task).
void set_process_affinity(const std::vector<int>& cpus) {
  cpu_set_t wanted;
  CPU_ZERO(&wanted);
  for (const int cpu : cpus) CPU_SET(cpu, &wanted);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", error)) {
    const pid_t thread = std::stoi(entry.path().filename().string());
    // A thread that ended since the listing is gone (ESRCH): nothing to pin.
    if (::sched_setaffinity(thread, sizeof wanted, &wanted) != 0 && errno != ESRCH)
      throw UnavailableError(fmt::format("cannot run this process on CPUs {} (sched_setaffinity: {})",
                                         cpu_list_text(cpus), std::strerror(errno)));
  }
  if (error)
    throw UnavailableError(fmt::format("cannot list this process's threads ({})", error.message()));
}

// CPU -> package, for the CPUs in scope. A root that does not exist (no
// sysfs in a container, the tests' host-free environment) shows no
// topology: the CPUs this process may use are then taken as one package,
// the safe side for leases (a whole-package lease holds every one).
std::map<int, int> packages_by_cpu(const std::string& cpu_root, DeviceScope scope) {
  std::map<int, int> packages;
  if (!std::filesystem::exists(cpu_root)) {
    for (const int cpu : usable_cpus()) packages[cpu] = 0;
    return packages;
  }
  const cpu_set_t allowed = scope == DeviceScope::kVisible ? process_affinity() : cpu_set_t{};
  for (const int cpu : listed_cpus(cpu_root)) {
    if (scope == DeviceScope::kVisible && !may_run_on(allowed, cpu)) continue;
    if (const auto package = package_of(cpu_root, cpu)) packages[cpu] = *package;
  }
  return packages;
}

}  // namespace

std::vector<int> cpu_packages(const std::string& cpu_root, DeviceScope scope) {
  std::set<int> packages;
  for (const auto& [cpu, package] : packages_by_cpu(cpu_root, scope)) packages.insert(package);
  if (packages.empty())
    throw UnavailableError(
        fmt::format("no CPU package found under {} for the CPUs this process may use", cpu_root));
  return {packages.begin(), packages.end()};
}

namespace {

std::string from_environment(const char* name, const char* otherwise) {
  const char* value = std::getenv(name);
  return value && *value ? value : otherwise;
}

}  // namespace

std::string default_cpu_root() { return from_environment("ECOPT_CPU_ROOT", "/sys/devices/system/cpu"); }

std::string default_nvml_library() { return from_environment("ECOPT_NVML_LIBRARY", "libnvidia-ml.so.1"); }

std::vector<int> usable_cpus() {
  const cpu_set_t allowed = process_affinity();
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  return cpus;
}

std::vector<CpuSet> cpu_sets(const std::string& cpu_root, int size) {
  if (size < 1) throw InputError(fmt::format("--cpus-per-trial must be at least 1, got {}", size));
  std::map<int, std::vector<int>> by_package;
  for (const auto& [cpu, package] : packages_by_cpu(cpu_root, DeviceScope::kVisible))
    by_package[package].push_back(cpu);
  std::vector<CpuSet> sets;
  std::size_t largest = 0;
  for (const auto& [package, cpus] : by_package) {
    largest = std::max(largest, cpus.size());
    for (std::size_t first = 0; first + size <= cpus.size(); first += size)
      sets.push_back({package, {cpus.begin() + first, cpus.begin() + first + size}});
  }
  if (sets.empty())
    throw InputError(fmt::format(
        "--cpus-per-trial {} is more than the CPUs this process may use in one package ({} at most, "
        "topology in {}); ask for fewer",
        size, largest, cpu_root));
  return sets;
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::vector<std::string> ranges;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t last = i;
    while (last + 1 < cpus.size() && cpus[last + 1] == cpus[last] + 1) ++last;
    ranges.push_back(last == i ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[last]));
    i = last + 1;
  }
  return fmt::format("{}", fmt::join(ranges, ","));
}

CpuPinning::CpuPinning(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  auto before = usable_cpus();
  set_process_affinity(cpus);
  before_ = std::move(before);
}

CpuPinning::~CpuPinning() {
  if (before_.empty()) return;
  try {
    set_process_affinity(before_);
  } catch (const UnavailableError&) {
    // A destructor cannot report; the next trial's pinning sets its own CPUs.
  }
}

}  // namespace ecopt
