#pragma once
// An energy meter is one device with one or more domains and a cumulative
// energy counter per domain. Backends: NVML, RAPL powercap, RAPL perf, and
// the CPU-time estimate. discover_meters() probes them all and says why
// each missing one is unavailable.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecopt/energy/process.hpp"
#include "ecopt/energy/reading.hpp"
#include "ecopt/energy/seams.hpp"

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
  // The time granularity of what the meter reports: energy drawn within
  // one step may not show yet (the counter's update period; the CPU-time
  // accounting tick for the estimate).
  virtual double resolution_s() const { return update_period_s(); }
  // The energy that can hide within one step of domain `domain` in a
  // window of mean power `mean_w`: the step × that power for a counter,
  // which holds whatever was drawn; a fixed quantum for a meter that counts
  // in steps of energy (the estimate: one tick of CPU time × the watts per
  // hardware thread, whatever the window's mean power).
  virtual double step_energy_j(std::size_t domain, double mean_w) const {
    (void)domain;
    return resolution_s() * mean_w;
  }
  // Changes of the raw counter observed so far (reads and background polls);
  // power-integrating meters count their power samples. 0 for estimates.
  virtual std::int64_t counter_updates() const { return 0; }
  // CPU time spent by this meter's own background thread, for overhead
  // reports.
  virtual double background_cpu_s() const { return 0.0; }
  // One line for `ecopt devices`: model, bus id, counter, scope.
  virtual std::string description() const = 0;
  // What an estimate charges and on what basis ("4.38 W per hardware
  // thread (...); watts per core: the EPYC 7763's TDP, ..."), kept in every
  // energy record it contributes to; empty for sensors.
  virtual std::string estimate_basis() const { return {}; }
  // Whether the counter also holds work that no lease keeps apart from
  // this process's (an NVIDIA GPU in MIG mode: the counter is the whole
  // GPU's, every instance's work included): every window over it is shared.
  virtual bool shared() const { return false; }
  // The device's UUID where the backend knows it (NVML: "GPU-..."), else
  // empty: what CUDA_VISIBLE_DEVICES names a GPU by whatever its index.
  virtual std::string uuid() const { return {}; }
};

// Whether a meter's device is meant by a requested name: "cpu" covers every
// CPU-side meter (sockets, the platform, the estimate), "cuda" every GPU,
// anything else only itself.
bool device_matches(const std::string& wanted, const std::string& meter_device);

// Documented defaults of the CPU-time estimate (see docs/energy.md), for a
// CPU whose model the TDP table (cpu_tdp) does not know. Intel Xeon
// Platinum 8380: 270 W TDP over 40 cores (80 hardware threads).
inline constexpr double kDefaultCpuWattsPerCore = 270.0 / 40.0;

// A CPU model's thermal design power as its vendor publishes it.
struct CpuTdp {
  const char* model;   // as /proc/cpuinfo's "model name" spells it: "EPYC 7763"
  double tdp_w;        // Intel: processor base power
  int cores;           // physical cores
  const char* source;  // where the figures are published
};
// The table's entry for a "model name" ("AMD EPYC 7763 64-Core
// Processor"), if it lists that model.
std::optional<CpuTdp> cpu_tdp(std::string_view model_name);

// Where discovery looks. Empty: the environment variable named beside it
// when set (how tests, and every ecopt process they start, point discovery
// at fakes or at nothing whatever the host has), else the machine's own.
struct DiscoveryOptions {
  std::string powercap_root;  // $ECOPT_POWERCAP_ROOT, else /sys/class/powercap
  std::string perf_root;      // $ECOPT_PERF_ROOT, else /sys/bus/event_source/devices/power
  std::string nvml_library;   // $ECOPT_NVML_LIBRARY, else libnvidia-ml.so.1
  std::string cpu_root;       // $ECOPT_CPU_ROOT, else /sys/devices/system/cpu (SMT topology)
  std::string cpuinfo_path;   // $ECOPT_CPUINFO, else /proc/cpuinfo (model name, the hypervisor flag)
  std::vector<std::string> devices;  // empty: all; else "cpu", "cuda", "cuda:0", ...
  double cpu_watts_per_core = 0.0;   // per physical core; 0: the CPU model's TDP / cores, else the default
  double memory_watts_per_gib = 0.0;  // 0: no memory term in the estimate
  bool allow_estimate = true;
  // What the estimate measures; empty: this process and its reaped children.
  // `ecopt measure` passes the spawned command's process tree.
  std::function<ProcessTreeUsage()> estimate_usage;
  // How long a counter is watched for movement before it is declared
  // frozen; 0: twice the counter's update period, at least 20 ms.
  double probe_s = 0.0;
  // Background pollers (wraparound, update counting, power integration).
  // Tests that drive reads by hand switch them off.
  bool background_polling = true;
  // Seams; null: the real thing.
  std::shared_ptr<const MonotonicClock> clock;
  std::shared_ptr<const FileReader> file_reader;
  std::shared_ptr<PerfEventApi> perf_events;
};

struct Discovery {
  std::vector<std::unique_ptr<Meter>> meters;
  // One line per backend that found nothing: "rapl-powercap: ... (how to fix)".
  std::vector<std::string> unavailable;
  // Things that work but deserve attention (device order, estimates).
  std::vector<std::string> warnings;
};

Discovery discover_meters(const DiscoveryOptions& options);

// What the CPU-time estimate charges per second of CPU time. CPU time
// counts hardware threads, so a core's watts are shared by its threads:
// watts per core / hardware threads per core (from the SMT topology under
// cpu_root). Where the topology cannot be read, each thread is charged as a
// whole core, and the text says so.
struct CpuTimeCharge {
  double watts_per_core = kDefaultCpuWattsPerCore;
  double threads_per_core = 0.0;  // 0: unknown
  std::string unknown_reason;      // why threads_per_core is unknown
  // The CPU flags name a hypervisor: a virtual machine, whose vCPUs may be
  // hardware threads of the host's SMT cores although it shows one thread
  // per core.
  bool virtual_machine = false;
  // Where watts_per_core comes from: "given", the CPU model's TDP with its
  // source, or the default and why.
  std::string basis;
  double watts_per_thread() const;
  // "3.38 W per hardware thread (6.75 W per core / 2 threads per core);
  // watts per core: <basis>".
  std::string text() const;
};
CpuTimeCharge cpu_time_charge(const DiscoveryOptions& options);

}  // namespace ecopt
