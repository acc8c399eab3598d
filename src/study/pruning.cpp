#include "ecopt/study/pruning.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/math/pareto.hpp"
#include "ecopt/core/attributes.hpp"
#include "ecopt/study/study.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

std::string_view to_string(PruningRule rule) {
  switch (rule) {
    case PruningRule::None: return "none";
    case PruningRule::FrontReach: return "front-reach";
    case PruningRule::ParetoHalving: return "pareto-halving";
  }
  return "none";
}

PruningRule parse_pruning_rule(std::string_view text) {
  for (auto rule : {PruningRule::None, PruningRule::FrontReach, PruningRule::ParetoHalving}) {
    if (text == to_string(rule)) return rule;
  }
  throw InputError(fmt::format("unknown pruning rule '{}'; use front-reach, pareto-halving or none",
                               text));
}

PruningConfig read_pruning_table(const nlohmann::json& table, PruningConfig config,
                                 const std::string& origin) {
  if (!table.is_object()) {
    throw InputError(fmt::format("{}: [pruning] must be a table, e.g. rule = \"front-reach\"", origin));
  }
  for (const auto& [key, value] : table.items()) {
    static const std::vector<std::string> kKnown{"rule", "window", "min_step", "reduction_factor",
                                                 "min_trials"};
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      throw InputError(fmt::format("{}: unknown key '{}' in [pruning]; use {}", origin, key,
                                   fmt::join(kKnown, ", ")));
    }
  }
  try {
    if (table.contains("rule")) {
      if (!table["rule"].is_string()) throw InputError("[pruning] rule must be a string");
      config.rule = parse_pruning_rule(table["rule"].get<std::string>());
    }
    const OptionReader reader(table, "[pruning] option");
    config.window = reader.integer("window", config.window, 1, 1000);
    config.min_step = reader.integer("min_step", config.min_step, 1, 1'000'000'000);
    config.reduction_factor = reader.number("reduction_factor", config.reduction_factor, 1.5, 100.0);
    config.min_trials = reader.integer("min_trials", config.min_trials, 1, 1'000'000);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", origin, error.what()));
  }
  return config;
}

nlohmann::json to_json(const PruningConfig& config) {
  nlohmann::json best = nlohmann::json::array();
  for (const auto& value : config.best_plausible) best.push_back(value ? nlohmann::json(*value) : nullptr);
  return {{"rule", to_string(config.rule)},       {"energy_first", config.energy_first},
          {"best_plausible", best},               {"window", config.window},
          {"min_step", config.min_step},          {"reduction_factor", config.reduction_factor},
          {"min_trials", config.min_trials}};
}

namespace {

std::optional<double> number_at(const nlohmann::json& metrics, const std::string& key) {
  const auto it = metrics.is_object() ? metrics.find(key) : metrics.end();
  if (it == metrics.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  return std::isfinite(value) ? std::optional(value) : std::nullopt;
}

bool worse_than(double value, double threshold, Direction direction) {
  return direction == Direction::Maximize ? value < threshold : value > threshold;
}

std::string point_text(const StudySpec& spec, const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < values.size(); ++i) {
    parts.push_back(fmt::format("{} {:.4g}", spec.objectives[i].name, values[i]));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

const Trial* find_number(const std::vector<Trial>& trials, std::int64_t number) {
  for (const auto& trial : trials) {
    if (trial.number == number) return &trial;
  }
  return nullptr;
}

// --- before training (step 0) ---------------------------------------------

// `what` is how the value was found ("", "even optimistically ").
std::optional<std::string> threshold_reason(const StudySpec& spec, std::size_t index, double value,
                                            std::string_view prefix, std::string_view what) {
  const auto& objective = spec.objectives[index];
  if (!objective.threshold || !worse_than(value, *objective.threshold, objective.direction)) {
    return std::nullopt;
  }
  return fmt::format("{}: {}{} = {:.4g} is worse than its threshold {:.4g}", prefix, what,
                     objective.name, value, *objective.threshold);
}

std::optional<std::string> constraint_reason(const StudySpec& spec, const nlohmann::json& metrics) {
  for (const auto& constraint : spec.constraints) {
    const auto value = number_at(metrics, constraint.metric);
    if (value && constraint.violation(*value) > 0.0) {
      return fmt::format("energy-first: constraint {} {} {:.4g} broken ({:.4g})", constraint.metric,
                         constraint.comparison == Comparison::LessEqual ? "<=" : ">=",
                         constraint.bound, *value);
    }
  }
  return std::nullopt;
}

// --- front-reach ----------------------------------------------------------

// The best value an objective could still reach, with what was assumed.
struct Reach {
  double value = 0.0;
  std::optional<std::string> assumed;  // set when not measured
};

double better_of(double a, double b, Direction direction) {
  return direction == Direction::Maximize ? std::max(a, b) : std::min(a, b);
}

// Gain per step in the objective's better direction, over the last
// `window` intervals of its curve (points at steps after 0, ascending).
double largest_recent_gain(const std::vector<std::pair<std::int64_t, double>>& points,
                           Direction direction, std::int64_t window) {
  double gain = 0.0;
  const std::size_t first = points.size() > static_cast<std::size_t>(window) + 1
                                ? points.size() - static_cast<std::size_t>(window) - 1
                                : 0;
  const double sign = direction == Direction::Maximize ? 1.0 : -1.0;
  for (std::size_t i = first + 1; i < points.size(); ++i) {
    const auto steps = static_cast<double>(points[i].first - points[i - 1].first);
    gain = std::max(gain, sign * (points[i].second - points[i - 1].second) / steps);
  }
  return gain;
}

std::optional<Reach> reach_of(const Objective& objective, const std::optional<double>& best_plausible,
                              const Trial& trial, const PruningConfig& config,
                              const IntermediateReport& report) {
  std::vector<std::pair<std::int64_t, double>> points;
  std::optional<double> before_training;
  for (const auto& [step, values] : trial.intermediate) {
    const auto value = number_at(values, objective.name);
    if (!value) continue;
    if (step == 0) {
      before_training = value;
    } else {
      points.emplace_back(step, *value);
    }
  }
  if (points.empty() && before_training) return Reach{*before_training, std::nullopt};
  const auto plausible = [&]() -> std::optional<Reach> {
    if (!best_plausible) return std::nullopt;  // no bound: any value might enter the front
    return Reach{*best_plausible, fmt::format("{} = {:.4g}", objective.name, *best_plausible)};
  };
  if (points.size() < 2 || !report.last_step) return plausible();
  double best = points.front().second;
  for (const auto& point : points) best = better_of(best, point.second, objective.direction);
  const double left = static_cast<double>(std::max<std::int64_t>(0, *report.last_step - points.back().first));
  const double gain = largest_recent_gain(points, objective.direction, config.window);
  double reach = best + (objective.direction == Direction::Maximize ? 1.0 : -1.0) * gain * left;
  if (best_plausible) {
    // A bound that is itself worse than what was seen does not cap.
    const double cap = better_of(*best_plausible, best, objective.direction);
    reach = objective.direction == Direction::Maximize ? std::min(reach, cap) : std::max(reach, cap);
  }
  return Reach{reach, fmt::format("{} reaches {:.4g} by step {}", objective.name, reach,
                                  *report.last_step)};
}

std::optional<double> best_plausible_of(const PruningConfig& config, std::size_t index) {
  if (index >= config.best_plausible.size()) return std::nullopt;
  return config.best_plausible[index];
}

std::optional<std::string> front_reach_reason(const StudySpec& spec, const PruningConfig& config,
                                              const std::vector<Trial>& trials, const Trial& trial,
                                              const IntermediateReport& report) {
  const bool before_training = report.step == 0;
  const std::string prefix = before_training ? "energy-first" : "front-reach";
  std::vector<double> optimistic;
  std::vector<std::string> assumed;
  bool any_measured = false;
  bool all_bounded = true;
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    const auto reach = reach_of(spec.objectives[i], best_plausible_of(config, i), trial, config, report);
    if (!reach) {
      all_bounded = false;
      continue;
    }
    const bool measured = !reach->assumed;
    if (auto reason = threshold_reason(spec, i, reach->value, prefix,
                                       measured && before_training ? "" : "even optimistically ")) {
      return reason;
    }
    optimistic.push_back(reach->value);
    any_measured = any_measured || measured;
    if (reach->assumed) assumed.push_back(*reach->assumed);
  }
  if (!all_bounded || (before_training && !any_measured)) return std::nullopt;
  const auto directions = spec.directions();
  const Point candidate = to_minimization(optimistic, directions);
  for (const auto& member : front_of(trials, spec).members()) {
    if (!dominates(to_minimization(member.values, directions), candidate)) continue;
    const std::string assumption =
        assumed.empty() ? "" : fmt::format(" even assuming {},", fmt::join(assumed, ", "));
    return fmt::format("{}: cannot enter the Pareto front{}:{} it is dominated by trial {} ({})",
                       prefix, before_training ? "" : fmt::format(" at step {}", report.step),
                       assumption, member.number, point_text(spec, member.values));
  }
  return std::nullopt;
}

// --- pareto-halving -------------------------------------------------------

// Each objective's latest value at or before `step` (energy measured at
// step 0 carries over); nullopt when one is missing.
std::optional<Point> objectives_at(const StudySpec& spec, const Trial& trial, std::int64_t step) {
  Point point;
  for (const auto& objective : spec.objectives) {
    std::optional<double> latest;
    for (auto it = trial.intermediate.begin(); it != trial.intermediate.end() && it->first <= step; ++it) {
      if (const auto value = number_at(it->second, objective.name)) latest = value;
    }
    if (!latest) return std::nullopt;
    point.push_back(*latest);
  }
  return point;
}

// The step at which a trial first reported at or past `rung`.
std::optional<std::int64_t> step_reaching(const Trial& trial, std::int64_t rung) {
  const auto it = trial.intermediate.lower_bound(rung);
  return it == trial.intermediate.end() ? std::nullopt : std::optional(it->first);
}

// The highest rung this report crossed: past the trial's previous step.
std::optional<std::int64_t> rung_crossed(const PruningConfig& config, const Trial& trial,
                                         std::int64_t step) {
  std::int64_t previous = 0;
  for (const auto& [reported, values] : trial.intermediate) {
    if (reported < step) previous = reported;
  }
  std::optional<std::int64_t> crossed;
  for (double rung = static_cast<double>(config.min_step); rung <= static_cast<double>(step);
       rung *= config.reduction_factor) {
    const auto at = static_cast<std::int64_t>(std::llround(rung));
    if (at > previous && at <= step) crossed = at;
  }
  return crossed;
}

std::optional<std::string> halving_reason(const StudySpec& spec, const PruningConfig& config,
                                          const std::vector<Trial>& trials, const Trial& trial,
                                          const IntermediateReport& report) {
  const auto rung = rung_crossed(config, trial, report.step);
  if (!rung) return std::nullopt;
  const auto directions = spec.directions();
  std::vector<Point> points;
  std::optional<std::size_t> own;
  for (const auto& other : trials) {
    const auto reached = step_reaching(other, *rung);
    if (!reached) continue;
    const auto point = objectives_at(spec, other, *reached);
    if (!point) continue;
    if (other.number == trial.number) own = points.size();
    points.push_back(to_minimization(*point, directions));
  }
  if (!own || static_cast<std::int64_t>(points.size()) < config.min_trials) return std::nullopt;
  const auto fronts = non_dominated_sort(points);
  std::size_t better = 0;
  std::size_t layer = 0;
  for (; layer < fronts.size(); ++layer) {
    if (std::find(fronts[layer].begin(), fronts[layer].end(), *own) != fronts[layer].end()) break;
    better += fronts[layer].size();
  }
  const auto promoted = std::max<std::size_t>(
      1, static_cast<std::size_t>(static_cast<double>(points.size()) / config.reduction_factor));
  if (better < promoted) return std::nullopt;
  return fmt::format("pareto-halving: at rung step {} it is in non-dominated layer {} with {} of "
                     "{} trials ranked better; only the best {} go on",
                     *rung, layer + 1, better, points.size(), promoted);
}

}  // namespace

std::optional<std::string> prune_reason(const StudySpec& spec, const PruningConfig& config,
                                        const std::vector<Trial>& trials, std::int64_t number,
                                        const IntermediateReport& report) {
  const Trial* trial = find_number(trials, number);
  if (!trial) return std::nullopt;
  if (report.step == 0) {
    if (!config.energy_first) return std::nullopt;
    if (auto reason = constraint_reason(spec, report.values)) return reason;
    return front_reach_reason(spec, config, trials, *trial, report);
  }
  // At the schedule's last step the training is over: a stop would save
  // only the final evaluation the objectives are read from, and lose a
  // trained model.
  if (report.last_step && report.step >= *report.last_step) return std::nullopt;
  switch (config.rule) {
    case PruningRule::None: return std::nullopt;
    case PruningRule::FrontReach: return front_reach_reason(spec, config, trials, *trial, report);
    case PruningRule::ParetoHalving: return halving_reason(spec, config, trials, *trial, report);
  }
  return std::nullopt;
}

std::optional<std::string> report_intermediate(Study& study, const PruningConfig& config,
                                               std::int64_t number, const IntermediateReport& report) {
  const Trial* trial = find_number(study.trials(), number);
  if (!trial) {
    throw NotFoundError(fmt::format("trial {} not found in study '{}'; list its trials with 'ecopt "
                                    "trials'",
                                    number, study.name()));
  }
  const std::int64_t id = trial->id;
  const bool new_last_step =
      report.last_step && trial->system_attrs.value(kLastStepSystemAttr, nlohmann::json()) != *report.last_step;
  study.storage().report_intermediate(id, report.step, report.values);
  if (new_last_step) study.storage().set_trial_system_attrs(id, {{kLastStepSystemAttr, *report.last_step}});
  return prune_reason(study.spec(), config, study.trials(), number, report);
}

PruningConfig stored_pruning_config(const StudyRecord& record) {
  const auto file = record.user_attrs.find(kStudyFileAttr);
  if (file == record.user_attrs.end() || !file->is_object()) return PruningConfig{};
  return study_file_from_json(nlohmann::ordered_json(*file),
                              fmt::format("the study file stored with study '{}'", record.spec.name))
      .pruning;
}

std::vector<double> last_objective_values(const StudySpec& spec, const Trial& trial) {
  if (trial.intermediate.empty()) return {};
  return objectives_at(spec, trial, trial.intermediate.rbegin()->first).value_or(std::vector<double>{});
}

}  // namespace ecopt
