#pragma once
// Pruning: whether a trial should go on, decided each time it reports a
// point of its learning curve (Trial::intermediate), from that curve and
// the other trials. One decision serves before training and during it
// (docs/pruning.md):
//
// Step 0 is what a task measured before training (inference energy, which
// depends on the architecture and inference knobs, not on the weights).
// There energy-first evaluation applies, whatever the rule, unless
// [study] energy_first = false: the trial stops when
//  1. a measured objective is already worse than its threshold, or
//  2. a measured metric breaks an outcome constraint, or
//  3. front-reach (below) with no curve yet: every objective not measured is
//     set to its best plausible value, and a COMPLETE trial still dominates.
// At a later step the study's rule decides:
//  - front-reach: stop when even an optimistic extrapolation of the curve
//    cannot reach the current front. Per objective, the optimistic value is
//    the best value so far plus the largest per-step gain among its last
//    `window` reports times the steps left to the last step, capped at the
//    objective's best plausible value; a value reported only at step 0 is
//    taken as final; an objective with fewer than two reports after step 0
//    (or no known last step) takes its best plausible value. Without a
//    bound where one is needed, nothing is pruned. Thresholds apply to the
//    optimistic point too.
//  - pareto-halving: asynchronous successive halving. Rungs lie at steps
//    min_step * reduction_factor^k; a trial that reaches a rung is ranked by
//    non-dominated sorting of (its objectives at the rung: the quality
//    reported there and the energy measured before training) among every
//    trial that reached the rung, and goes on when fewer than
//    max(1, n / reduction_factor) of the n trials rank strictly better. A
//    rung with fewer than min_trials points promotes. Nobody waits.
//  - none: only the step-0 rules.
// A report at or past the schedule's last step stops nothing: training is
// over, and only the final evaluation (the objectives) is left.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

enum class PruningRule { None, FrontReach, ParetoHalving };

std::string_view to_string(PruningRule rule);
// "none", "front-reach", "pareto-halving"; InputError naming the choices.
PruningRule parse_pruning_rule(std::string_view text);

// The [pruning] table, [study] energy_first and the objectives' best
// plausible values. Defaults chosen from bench/pruning (docs/benchmarks/pruning.md).
struct PruningConfig {
  PruningRule rule = PruningRule::FrontReach;
  bool energy_first = true;
  std::vector<std::optional<double>> best_plausible;  // per objective; may be shorter
  // front-reach
  std::int64_t window = 3;
  // pareto-halving
  std::int64_t min_step = 1;
  double reduction_factor = 3.0;
  std::int64_t min_trials = 4;
};

// The [pruning] table as JSON (keys rule, window, min_step,
// reduction_factor, min_trials) over `defaults`; InputError for an unknown
// key or a value out of range, naming `origin`.
PruningConfig read_pruning_table(const nlohmann::json& table, PruningConfig defaults,
                                 const std::string& origin);
nlohmann::json to_json(const PruningConfig& config);

// Why trial `number` should stop after reporting `report` (already stored in
// its curve), or nullopt to go on. `trials` holds the study's trials, the
// reporting one included with its curve.
std::optional<std::string> prune_reason(const StudySpec& spec, const PruningConfig& config,
                                        const std::vector<Trial>& trials, std::int64_t number,
                                        const IntermediateReport& report);

// The trial system attribute holding the last step of its schedule, as the
// trial last reported it: the report scales a pruned trial's energy to it.
inline constexpr const char* kLastStepSystemAttr = "last_step";

class Study;
struct StudyRecord;

// The pruning settings of the study file stored with the study (by tune);
// the defaults for a study created without one (Python, create-study).
PruningConfig stored_pruning_config(const StudyRecord& record);

// Stores `report` in trial `number`'s learning curve (its last step in
// kLastStepSystemAttr) and decides whether it should stop: the one path of
// tune's tasks, `ecopt intermediate` and Python's trial.report.
// NotFoundError for an unknown trial; InputError (nothing stored) for a
// finished trial or bad values.
std::optional<std::string> report_intermediate(Study& study, const PruningConfig& config,
                                               std::int64_t number, const IntermediateReport& report);

// A stopped trial's objective values: each objective's latest value in its
// curve; empty unless every objective was reported (PRUNED trials keep them).
std::vector<double> last_objective_values(const StudySpec& spec, const Trial& trial);

}  // namespace ecopt
