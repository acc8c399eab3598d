#pragma once
// Energy-first evaluation: inference energy depends on the architecture and
// the inference knobs, not on the trained weights, so a task measures it
// before training and asks whether training can still pay off.
//
// A candidate is not trained (its trial ends PRUNED with the reason) when
//  1. a measured objective is already worse than its threshold, or
//  2. a measured metric breaks an outcome constraint, or
//  3. it cannot enter the current Pareto front: every objective not yet
//     measured is set to its best plausible value (`best_plausible` in the
//     study file, e.g. 0.95 for accuracy on a task whose best known models
//     reach that), and some feasible COMPLETE trial still dominates the
//     resulting point. The skip is exact under the stated bounds.
// Rule 3 needs a bound for every unmeasured objective. A bound derived from
// the trials seen so far cannot work: a value better than every seen value
// (best seen plus any margin) is never dominated, and the best seen itself
// would skip any candidate that would have raised it. So without bounds
// only rules 1 and 2 apply. Nothing is skipped by rule 3 while no
// objective has been measured or no trial is COMPLETE.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

struct SkipPolicy {
  bool enabled = true;
  std::vector<std::optional<double>> best_plausible;  // per objective; may be shorter
};

std::optional<std::string> training_skip_reason(const StudySpec& spec, const SkipPolicy& policy,
                                                const std::vector<Trial>& trials,
                                                const nlohmann::json& metrics_so_far);

}  // namespace ecopt
