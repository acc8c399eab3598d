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
bool is_estimate(EnergySource source);

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
};

struct WindowResult {
  std::string name;
  double duration_s = 0.0;
  std::vector<EnergyReading> readings;

  double gross_j() const;  // sum over non-overlapping domains
  std::optional<double> net_j() const;
  bool is_estimate() const;  // any reading is an estimate
  // "rapl-powercap", or "estimate-cpu-time", or "mixed: a+b".
  std::string source_summary() const;
  std::string device_summary() const;
};

nlohmann::json to_json(const EnergyReading& reading);
nlohmann::json to_json(const WindowResult& window);

}  // namespace ecopt
