#pragma once
// How the workers of one node share its CPUs (docs/scaling.md): at once,
// each trial pinned to its own CPU set, where the CPU's meter tells trials
// apart (the CPU-time estimate counts each trial's own processes) or the
// user asked for sets; in turns where a machine-wide meter (RAPL) would mix
// their energy and nobody asked.
#include <string>

#include "ecopt/study/study_file.hpp"

namespace ecopt {

struct CpuPlan {
  int cpus_per_trial = 0;  // 0: turns (the cpu lease holds whole packages)
  // Workers beyond the CPU sets run unpinned beside them (--allow-shared);
  // only where the CPU's meter counts each trial's own processes.
  bool unpinned_beside = false;
  std::string line;  // which and why, in one line, for `tune` to print
};

// `requested`: --cpus-per-trial (0: not given, then the file's
// [study] cpus_per_trial, then the meters decide). Discovers the file's
// meters; throws InputError when no package has `requested` usable CPUs.
CpuPlan plan_cpu_sharing(const StudyFile& file, int workers, int requested);

}  // namespace ecopt
