#pragma once
// Trials as CSV, JSON and an aligned terminal table.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt::report {

// One row per trial, in Optuna's trials_dataframe layout: number, state,
// values_<objective>, params_<name>, user_attrs_<key> (nested values as
// compact JSON), fail_reason, datetime_start, datetime_complete; then
// tuning_energy_j (trial_tuning_energy_j(), energy/tuning_energy.hpp) and
// pareto_front (true for members of the study's one front, math/front.hpp).
// Absent values are empty; values keep full precision.
std::string trials_to_csv(const StudySpec& spec, const std::vector<Trial>& trials);

// {"front": {"trials", "hypervolume", "reference", "reference_rule"},
// "study": <spec>, "trials": [<trial>...]} as text indented by 2, each
// trial as stored plus "tuning_energy_j" (null when unmeasured) and
// "pareto_front", built
// trial by trial rather than as one tree of every trial (a study of 100,000
// trials would hold its attributes twice).
std::string trials_to_json(const StudySpec& spec, const std::vector<Trial>& trials);

struct TableOptions {
  std::size_t max_cell_width = 24;  // longer cells are cut with "…"
};

// Aligned plain-text table for the terminal (`ecopt trials --format table`,
// `ecopt best-trials --format table`): number, state, objectives, one column
// per parameter, J per inference (inference_energy()), the trial's tuning
// energy (tuning_energy()), energy source (headline_record()'s sources,
// with "(estimate)" and "(shared)" marks; these three only where a trial
// has an energy record) and the fail or prune reason's first line.
// Numbers are right-aligned with 4 significant digits; absent cells show "-".
std::string format_trials_table(const StudySpec& spec, const std::vector<Trial>& trials,
                                const TableOptions& options = {});

}  // namespace ecopt::report
