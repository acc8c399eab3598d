#pragma once
// Energy-first evaluation: inference energy depends on the architecture and
// the inference knobs, not on the trained weights, so a task measures it
// before training and asks whether training can still pay off.
//
// A candidate is not trained (its trial ends PRUNED with the reason) when
//  1. a measured objective is already worse than its threshold, or
//  2. a measured metric breaks an outcome constraint, or
//  3. it cannot enter the current Pareto front: every objective not yet
//     measured is set to its best plausible value, and some feasible
//     COMPLETE trial still dominates the resulting point.
// The best plausible value of an unmeasured objective is `best_plausible`
// from the study file when given (accuracy: 1.0; the skip is then exact
// under that bound). Otherwise it is the best value seen so far moved by
// `margin` times the spread seen (best - worst) in the better direction: a
// heuristic that can skip a candidate which would have beaten the best seen
// by more than that margin; docs/study-file.md says so. Nothing is skipped
// by rule 3 while no objective has been measured or no trial is COMPLETE.
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
  double margin = 0.1;
};

std::optional<std::string> training_skip_reason(const StudySpec& spec, const SkipPolicy& policy,
                                                const std::vector<Trial>& trials,
                                                const nlohmann::json& metrics_so_far);

}  // namespace ecopt
