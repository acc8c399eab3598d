#pragma once
// An energy meter is one device with one or more domains and a cumulative
// energy counter per domain. Backends: NVML, RAPL powercap, RAPL perf, and
// the CPU-time estimate. discover_meters() probes them all and says why
// each missing one is unavailable.
#include <memory>
#include <string>
#include <vector>

#include "ecopt/energy/reading.hpp"

namespace ecopt {

class Meter {
 public:
  virtual ~Meter() = default;
  virtual std::string device() const = 0;
  virtual EnergySource source() const = 0;
  // Domains whose energies add up without double counting.
  virtual std::vector<std::string> domains() const = 0;
  // Cumulative joules per domain since the meter was created (wraparound
  // already unwrapped).
  virtual std::vector<double> read_j() = 0;
  // How often the underlying counter moves (0 for estimates).
  virtual double update_period_s() const = 0;
};

struct DiscoveryOptions {
  std::string powercap_root = "/sys/class/powercap";
  std::string perf_root = "/sys/bus/event_source/devices/power";
  std::string nvml_library = "libnvidia-ml.so.1";
  std::vector<std::string> devices;  // empty: all; else "cpu", "cuda:0", ...
  double cpu_watts_per_core = 0.0;   // 0: documented default
  bool allow_estimate = true;
};

struct Discovery {
  std::vector<std::unique_ptr<Meter>> meters;
  // One line per backend that found nothing: "rapl-powercap: ... (how to fix)".
  std::vector<std::string> unavailable;
};

Discovery discover_meters(const DiscoveryOptions& options);

}  // namespace ecopt
