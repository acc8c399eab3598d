#pragma once
// What a study optimises: its objectives, their directions and thresholds,
// and outcome constraints on recorded metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

enum class Direction { Minimize, Maximize };

std::string_view to_string(Direction direction);
// Accepts "minimize"/"maximize" (and "min"/"max"); throws InputError otherwise.
Direction parse_direction(std::string_view text);

struct Objective {
  std::string name;  // e.g. "accuracy", "samples_per_j"; "objective_0" by default
  Direction direction = Direction::Minimize;
  // A value the user would not accept beyond (Ax's objective threshold);
  // also the hypervolume reference coordinate when given.
  std::optional<double> threshold;
};

enum class Comparison { LessEqual, GreaterEqual };

// metric <= bound or metric >= bound, where metric is a key of the trial's
// user attributes (for example "inference_j_per_sample <= 0.01").
struct OutcomeConstraint {
  std::string metric;
  Comparison comparison = Comparison::LessEqual;
  double bound = 0.0;

  // Signed slack: <= 0 means satisfied (Optuna's convention).
  double violation(double metric_value) const;
};

struct StudySpec {
  std::string name;
  std::vector<Objective> objectives;
  std::vector<OutcomeConstraint> constraints;

  std::vector<Direction> directions() const;
  // Throws InputError when the spec is unusable (no objectives, empty name,
  // duplicate objective names, non-finite thresholds).
  void validate() const;
};

nlohmann::json to_json(const StudySpec& spec);
StudySpec study_spec_from_json(const nlohmann::json& json);

// Builds objectives objective_0..n-1 from a comma list such as
// "maximize,minimize".
std::vector<Objective> objectives_from_directions(std::string_view comma_list);

}  // namespace ecopt
