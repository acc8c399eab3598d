#include "ecopt/study/cpu_plan.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ecopt/energy/device_identity.hpp"
#include "ecopt/energy/meter.hpp"

namespace ecopt {

namespace {

constexpr double kPlanProbeS = 0.2;

struct CpuMeters {
  std::string sources;       // "estimate-cpu-time", "rapl-powercap", ...
  std::string machine_wide;  // the machine-wide ones; empty: none
};

CpuMeters cpu_meters(const StudyFile& file) {
  std::set<std::string> sources;
  std::set<std::string> machine_wide;
  // A longer look than a worker's at a RAPL counter, so that a loaded
  // machine's slow first update does not pass for a frozen one (which
  // would read as "no CPU meter" here).
  auto options = discovery_options(file);
  options.probe_s = kPlanProbeS;
  for (const auto& meter : discover_meters(options).meters) {
    if (!device_matches("cpu", meter->device())) continue;
    sources.emplace(to_string(meter->source()));
    if (is_machine_wide(meter->source())) machine_wide.emplace(to_string(meter->source()));
  }
  return {fmt::format("{}", fmt::join(sources, "+")), fmt::format("{}", fmt::join(machine_wide, "+"))};
}

std::string plural(int count, const char* word) {
  return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}

}  // namespace

CpuPlan plan_cpu_sharing(const StudyFile& file, int workers, int requested) {
  const CpuMeters meters = cpu_meters(file);
  const int usable = static_cast<int>(usable_cpus().size());
  int size = requested > 0 ? requested : file.cpus_per_trial;
  if (size == 0 && (meters.sources.empty() || !meters.machine_wide.empty())) {
    const auto why = meters.sources.empty()
                         ? std::string("no CPU meter was found here to tell parallel trials apart")
                         : fmt::format("{} measures whole packages and cannot tell parallel trials apart",
                                       meters.machine_wide);
    return {0, false, fmt::format("turns: {} on the CPU, since {} (--cpus-per-trial N runs them at once, marked "
                           "shared)",
                           workers == 1 ? std::string("1 worker runs one trial at a time")
                                        : fmt::format("{} workers take turns", workers),
                           why)};
  }
  const bool chosen = size == 0;
  if (chosen) size = std::max(1, usable / workers);
  const auto sets = static_cast<int>(cpu_sets(default_cpu_root(), size).size());
  const auto why =
      !meters.machine_wide.empty()
          ? fmt::format("{} measures whole packages, so trials that share one are marked shared and "
                        "split by time share",
                        meters.machine_wide)
      : !meters.sources.empty()
          ? fmt::format("{} counts each trial's own processes, so its energy is exact", meters.sources)
          : std::string("no CPU meter was found here");
  const auto source = requested > 0 ? "--cpus-per-trial" : !chosen ? "[study] cpus_per_trial" : "the meters";
  // More workers than CPU sets, on a meter that tells trials apart: the
  // rest run beside the pinned ones, unpinned (a shared CPU lease).
  if (chosen && workers > sets) {
    return {size, true,
            fmt::format("parallel: {} at once, {} each on its own {} of {} and {} unpinned beside them "
                        "(from {}); {}",
                        plural(workers, "trial"), sets, plural(size, "CPU"), usable, workers - sets, source,
                        why)};
  }
  return {size, false,
          fmt::format("parallel: {} at once, each on its own {} of {} (from {}); {}",
                      plural(std::min(workers, sets), "trial"), plural(size, "CPU"), usable, source, why)};
}

}  // namespace ecopt
