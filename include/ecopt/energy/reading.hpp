#pragma once
// Energy figures and where they came from. Every figure ECOpt prints or
// stores carries its source, device, domain and idle handling.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

enum class EnergySource {
  NvmlEnergyCounter,     // nvmlDeviceGetTotalEnergyConsumption (mJ)
  NvmlPowerIntegration,  // nvmlDeviceGetPowerUsage (mW) sampled and integrated
  RaplPowercap,          // /sys/class/powercap/intel-rapl:*/energy_uj
  RaplPerf,              // perf_event "power" PMU
  EstimateCpuTime,       // CPU time × per-core watts: an estimate, not a sensor
};

std::string_view to_string(EnergySource source);  // "nvml-energy-counter", ...
// The inverse of to_string; InputError naming the known sources otherwise.
EnergySource parse_energy_source(std::string_view text);
bool is_estimate(EnergySource source);
// Whether the source counts the whole machine's CPU package (RAPL), so a
// window also holds the work of every other process running meanwhile.
// NVML counts one GPU (leases keep it to one trial); the estimate counts
// only the measured process tree.
bool is_machine_wide(EnergySource source);
// "rapl-powercap", or "mixed: a+b" for several, or "none".
std::string describe_sources(const std::vector<EnergySource>& sources);

// One device and domain over one window.
struct EnergyReading {
  std::string device;  // "cpu:0", "cuda:0", "process-tree"
  std::string domain;  // "package", "dram", "psys", "gpu", "cpu-time"
  EnergySource source = EnergySource::EstimateCpuTime;
  double gross_j = 0.0;
  // Net of the idle baseline; nullopt when no baseline was taken.
  std::optional<double> idle_w;
  std::optional<double> net_j;
  // Counter updates seen inside the window (0 for estimates).
  int counter_updates = 0;
  // The meter's step in time (Meter::resolution_s): energy drawn within
  // one step may not show yet.
  double resolution_s = 0.0;
  // The energy that can hide within one step (Meter::step_energy_j at the
  // window's mean power).
  double resolution_j = 0.0;
  // An estimate's basis (Meter::estimate_basis); empty for sensors.
  std::string estimate_basis;
};

struct WindowResult {
  std::string name;
  double duration_s = 0.0;
  std::vector<EnergyReading> readings;
  // The figure holds work that is not this window's own: another window of
  // the same monitor overlapped it (docs/energy.md, "Windows, idle, and
  // short work"), or a meter counts a device shared by construction (MIG).
  bool shared = false;

  double gross_j() const;  // sum over non-overlapping domains
  std::optional<double> net_j() const;
  bool is_estimate() const;  // any reading is an estimate
  std::vector<EnergySource> sources() const;  // distinct, in reading order
  std::vector<std::string> devices() const;   // distinct, in reading order
  double resolution_s() const;  // the coarsest reading's step
  // Energy that can hide within one step of each meter: the sum of the
  // readings' resolution_j.
  double resolution_j() const;
  // "rapl-powercap", or "estimate-cpu-time", or "mixed: a+b".
  std::string source_summary() const;
  std::string device_summary() const;
};

nlohmann::json to_json(const EnergyReading& reading);
nlohmann::json to_json(const WindowResult& window);

}  // namespace ecopt
