// Probes every backend, keeps what works, and says why the rest does not.
// One CPU source at most (powercap, else perf, else the estimate) so that
// CPU energy is never counted twice.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/energy/device_identity.hpp"
#include "ecopt/energy/meter.hpp"

namespace ecopt {
namespace {

bool is_cpu_name(const std::string& name) {
  return name == "cpu" || name.rfind("cpu:", 0) == 0 || name == "platform";
}
bool is_gpu_name(const std::string& name) {
  return name == "cuda" || name == "gpu" || name.rfind("cuda:", 0) == 0;
}

void check_device_names(const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (!is_cpu_name(name) && !is_gpu_name(name))
      throw InputError(fmt::format(
          "unknown device '{}': use cpu, cpu:N, platform, cuda or cuda:N", name));
}

bool wants(const std::vector<std::string>& names, bool (*kind)(const std::string&)) {
  return names.empty() || std::any_of(names.begin(), names.end(), kind);
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

void keep_requested(const std::vector<std::string>& wanted, Discovery& found) {
  if (wanted.empty()) return;
  std::vector<std::string> names;
  for (const auto& meter : found.meters) names.push_back(meter->device());
  for (const auto& name : wanted)
    if (std::none_of(names.begin(), names.end(), [&](const auto& d) { return device_matches(name, d); }))
      found.unavailable.push_back(fmt::format("{}: no such device here (found: {})", name,
                                              names.empty() ? "none" : joined(names)));
  std::erase_if(found.meters, [&](const std::unique_ptr<Meter>& meter) {
    return std::none_of(wanted.begin(), wanted.end(),
                        [&](const auto& name) { return device_matches(name, meter->device()); });
  });
}

void add_cpu_meters(const DiscoveryOptions& options, Discovery& found) {
  const auto count = found.meters.size();
  detail::discover_powercap(options, found);
  if (found.meters.size() == count) detail::discover_perf(options, found);
  if (found.meters.size() > count) return;
  if (!options.allow_estimate) {
    found.unavailable.push_back(
        "estimate-cpu-time: not used (estimates are switched off): no CPU energy will be reported");
    return;
  }
  found.meters.push_back(detail::make_estimate_meter(options));
  found.warnings.push_back(fmt::format(
      "cpu: no readable RAPL sensor (reasons above), so CPU energy is an {}",
      found.meters.back()->description()));
}

// An option left empty: the environment's value, else the machine's.
void default_to(std::string& option, const char* variable, const char* machine_default) {
  if (!option.empty()) return;
  const char* value = std::getenv(variable);
  option = value && *value ? value : machine_default;
}

}  // namespace

bool device_matches(const std::string& wanted, const std::string& meter_device) {
  if (wanted == meter_device) return true;
  if (wanted == "cpu") return meter_device.rfind("cpu", 0) == 0 || meter_device == "platform";
  if (wanted == "cuda" || wanted == "gpu") return meter_device.rfind("cuda:", 0) == 0;
  return false;
}

namespace detail {

DiscoveryOptions with_defaults(const DiscoveryOptions& given) {
  DiscoveryOptions options = given;
  default_to(options.powercap_root, "ECOPT_POWERCAP_ROOT", "/sys/class/powercap");
  default_to(options.perf_root, "ECOPT_PERF_ROOT", "/sys/bus/event_source/devices/power");
  if (options.nvml_library.empty()) options.nvml_library = default_nvml_library();
  if (options.cpu_root.empty()) options.cpu_root = default_cpu_root();
  default_to(options.cpuinfo_path, "ECOPT_CPUINFO", "/proc/cpuinfo");
  if (!options.clock) options.clock = steady_clock();
  if (!options.file_reader) options.file_reader = real_file_reader();
  if (!options.perf_events) options.perf_events = real_perf_event_api();
  return options;
}

}  // namespace detail

Discovery discover_meters(const DiscoveryOptions& given) {
  const DiscoveryOptions options = detail::with_defaults(given);
  if (options.cpu_watts_per_core < 0)
    throw InputError(fmt::format("watts per core {} is negative: give a value > 0 (or 0 for the "
                                 "default {:.2f} W)",
                                 options.cpu_watts_per_core, kDefaultCpuWattsPerCore));
  if (options.memory_watts_per_gib < 0)
    throw InputError(fmt::format("memory watts per GiB {} is negative: give a value >= 0",
                                 options.memory_watts_per_gib));
  check_device_names(options.devices);

  Discovery found;
  if (wants(options.devices, is_gpu_name)) detail::discover_nvml(options, found);
  if (wants(options.devices, is_cpu_name)) add_cpu_meters(options, found);
  keep_requested(options.devices, found);
  return found;
}

}  // namespace ecopt
