#include "ecopt/study/cpu_plan.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "ecopt/energy/device_identity.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/reading.hpp"

namespace ecopt {

namespace {

constexpr double kPlanProbeS = 0.2;

struct CpuMeters {
  std::string sources;       // "estimate-cpu-time", "rapl-powercap", ...
  std::string machine_wide;  // the machine-wide ones; empty: none
  std::set<std::string> machine_wide_devices;  // "cpu:0", "platform"
};

CpuMeters cpu_meters(const StudyFile& file) {
  std::set<std::string> sources;
  std::set<std::string> machine_wide;
  CpuMeters found;
  // A longer look than a worker's at a RAPL counter, so that a loaded
  // machine's slow first update does not pass for a frozen one (which
  // would read as "no CPU meter" here).
  auto options = discovery_options(file);
  options.probe_s = kPlanProbeS;
  for (const auto& meter : discover_meters(options).meters) {
    if (!device_matches("cpu", meter->device())) continue;
    sources.emplace(to_string(meter->source()));
    if (!is_machine_wide(meter->source())) continue;
    machine_wide.emplace(to_string(meter->source()));
    found.machine_wide_devices.emplace(meter->device());
  }
  found.sources = fmt::format("{}", fmt::join(sources, "+"));
  found.machine_wide = fmt::format("{}", fmt::join(machine_wide, "+"));
  return found;
}

std::string plural(int count, const char* word) {
  return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}

// The CPUs this process may use, counted per package.
std::map<int, int> usable_by_package() {
  std::map<int, int> cpus_of;
  for (const auto& one : cpu_sets(default_cpu_root(), 1)) ++cpus_of[one.package];
  return cpus_of;
}

// Whether each package has a machine-wide meter of its own (RAPL's cpu:N).
bool each_package_metered(const std::map<int, int>& packages, const CpuMeters& meters) {
  return std::all_of(packages.begin(), packages.end(), [&](const auto& package) {
    return meters.machine_wide_devices.contains(fmt::format("cpu:{}", package.first));
  });
}

int fewest_cpus(const std::map<int, int>& packages) {
  int fewest = packages.begin()->second;
  for (const auto& [package, cpus] : packages) fewest = std::min(fewest, cpus);
  return fewest;
}

// Why the energy of trials at once on `sets` is exact or shared.
std::string attribution(const CpuMeters& meters, const std::vector<CpuSet>& sets, int trials) {
  if (meters.machine_wide.empty()) {
    return meters.sources.empty()
               ? std::string("no CPU meter was found here")
               : fmt::format("{} counts each trial's own processes, so its energy is exact", meters.sources);
  }
  std::set<int> packages;
  bool each_metered = true;
  for (const auto& set : sets) {
    packages.insert(set.package);
    each_metered = each_metered && meters.machine_wide_devices.contains(fmt::format("cpu:{}", set.package));
  }
  if (!each_metered) {
    return fmt::format("{} measures the whole machine, so trials that run at once are marked shared and "
                       "split by time share",
                       meters.machine_wide);
  }
  const int count = static_cast<int>(packages.size());
  return fmt::format("{} measures each package: {} on {}, {}", meters.machine_wide, plural(trials, "trial"),
                     plural(count, "package"),
                     trials <= count ? fmt::format("{}so each is charged its own package alone",
                                                   trials > 1 ? "one on each, " : "")
                                     : std::string("so trials that share one are marked shared and split by "
                                                   "time share"));
}

// One worker: its trials one after another on every CPU it may use,
// unpinned (a CPU set of them all would pin nothing and could not span
// packages), holding the whole CPU as `ecopt worker` alone does.
CpuPlan lone_worker(int usable) {
  return {0, false,
          fmt::format("one at a time: 1 worker runs each trial unpinned on all {} this process may use, "
                      "holding the whole CPU so that no other worker's trial runs beside it (--workers N "
                      "runs trials at once)",
                      plural(usable, "CPU"))};
}

}  // namespace

CpuPlan plan_cpu_sharing(const StudyFile& file, int workers, int requested) {
  const CpuMeters meters = cpu_meters(file);
  const int usable = static_cast<int>(usable_cpus().size());
  int size = requested > 0 ? requested : file.cpus_per_trial;
  const auto source = requested > 0 ? "--cpus-per-trial" : size > 0 ? "[study] cpus_per_trial" : "the meters";
  const bool chosen = size == 0;
  if (chosen && workers == 1) return lone_worker(usable);
  const auto packages = usable_by_package();
  // Where RAPL measures each package, a trial alone on its package is
  // exact: by default each trial gets a package's worth of CPUs.
  if (chosen && packages.size() > 1 && each_package_metered(packages, meters)) size = fewest_cpus(packages);
  if (size == 0 && (meters.sources.empty() || !meters.machine_wide.empty())) {
    const auto why = meters.sources.empty()
                         ? std::string("no CPU meter was found here to tell parallel trials apart")
                         : fmt::format("{} measures whole packages and cannot tell parallel trials apart",
                                       meters.machine_wide);
    return {0, false,
            fmt::format("turns: {} workers take turns on the CPU, since {} (--cpus-per-trial N runs them at "
                        "once, marked shared)",
                        workers, why)};
  }
  if (size == 0) size = std::max(1, usable / workers);
  const auto sets = cpu_sets(default_cpu_root(), size);
  const int set_count = static_cast<int>(sets.size());
  const int trials = std::min(workers, set_count);
  // More workers than CPU sets, on a meter that tells trials apart: the
  // rest run beside the pinned ones, unpinned (a shared CPU lease).
  if (chosen && workers > set_count && meters.machine_wide.empty()) {
    return {size, true,
            fmt::format("parallel: {} at once, {} each on its own {} of {} and {} unpinned beside them "
                        "(from {}); {}",
                        plural(workers, "trial"), set_count, plural(size, "CPU"), usable, workers - set_count,
                        source, attribution(meters, sets, trials))};
  }
  const auto waiting = workers > trials ? fmt::format("; the other {} wait their turn",
                                                      plural(workers - trials, "worker"))
                                        : std::string();
  if (trials == 1) {
    return {size, false,
            fmt::format("turns: {}, each trial on its own {} of {} (from {}); {}",
                        workers == 1 ? std::string("1 worker runs one trial at a time")
                                     : fmt::format("{} workers take turns", workers),
                        plural(size, "CPU"), usable, source, attribution(meters, sets, trials))};
  }
  return {size, false,
          fmt::format("parallel: {} at once, each on its own {} of {} (from {}); {}{}", plural(trials, "trial"),
                      plural(size, "CPU"), usable, source, attribution(meters, sets, trials), waiting)};
}

}  // namespace ecopt
