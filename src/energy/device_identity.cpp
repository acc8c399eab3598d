// CPU packages behind the CPUs a process may run on (the GPU half is in
// nvml_meter.cpp, beside the NVML library it needs).
#include "ecopt/energy/device_identity.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
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

}  // namespace

std::vector<int> cpu_packages(const std::string& cpu_root, DeviceScope scope) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (scope == DeviceScope::kVisible && ::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    throw UnavailableError("cannot read this process's CPU affinity (sched_getaffinity failed)");
  const auto files = real_file_reader();
  std::set<int> packages;
  for (const int cpu : listed_cpus(cpu_root)) {
    if (scope == DeviceScope::kVisible && !may_run_on(allowed, cpu)) continue;
    const auto path = fmt::format("{}/cpu{}/topology/physical_package_id", cpu_root, cpu);
    const FileText file = files->read(path);
    if (file.error == ENOENT) continue;  // an offline CPU has no topology
    const auto id = detail::parse_counter(file.text);
    if (file.error != 0 || !id)
      throw UnavailableError(fmt::format("cannot read the CPU package of cpu{} from {}", cpu, path));
    packages.insert(static_cast<int>(*id));
  }
  if (packages.empty())
    throw UnavailableError(
        fmt::format("no CPU package found under {} for the CPUs this process may use", cpu_root));
  return {packages.begin(), packages.end()};
}

}  // namespace ecopt
