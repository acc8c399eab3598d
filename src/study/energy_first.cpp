#include "ecopt/study/energy_first.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ecopt/math/pareto.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt {

namespace {

std::optional<double> number_at(const nlohmann::json& metrics, const std::string& key) {
  if (!metrics.is_object() || !metrics.contains(key) || !metrics[key].is_number()) {
    return std::nullopt;
  }
  const double value = metrics[key].get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

bool worse_than(double value, double threshold, Direction direction) {
  return direction == Direction::Maximize ? value < threshold : value > threshold;
}

std::optional<std::string> threshold_reason(const StudySpec& spec, const nlohmann::json& metrics) {
  for (const auto& objective : spec.objectives) {
    const auto value = number_at(metrics, objective.name);
    if (value && objective.threshold && worse_than(*value, *objective.threshold, objective.direction)) {
      return fmt::format("energy-first: {} = {:.4g} is worse than its threshold {:.4g}",
                         objective.name, *value, *objective.threshold);
    }
  }
  return std::nullopt;
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

std::string point_text(const StudySpec& spec, const std::vector<double>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    text += fmt::format("{}{} {:.4g}", text.empty() ? "" : ", ", spec.objectives[i].name, values[i]);
  }
  return text;
}

std::optional<std::string> dominance_reason(const StudySpec& spec, const SkipPolicy& policy,
                                            const std::vector<Trial>& trials,
                                            const nlohmann::json& metrics) {
  const auto front = front_of(trials, spec).members();
  if (front.empty()) return std::nullopt;
  std::vector<double> optimistic;
  std::vector<std::string> assumed;
  bool any_measured = false;
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    const auto& name = spec.objectives[i].name;
    if (const auto measured = number_at(metrics, name)) {
      optimistic.push_back(*measured);
      any_measured = true;
      continue;
    }
    const auto best = i < policy.best_plausible.size() ? policy.best_plausible[i] : std::nullopt;
    if (!best) return std::nullopt;  // no bound: any value might enter the front
    optimistic.push_back(*best);
    assumed.push_back(fmt::format("{} = {:.4g}", name, *best));
  }
  if (!any_measured) return std::nullopt;
  const auto directions = spec.directions();
  const Point candidate = to_minimization(optimistic, directions);
  for (const auto& trial : front) {
    if (dominates(to_minimization(trial.values, directions), candidate)) {
      const std::string assumption =
          assumed.empty() ? "" : fmt::format(" even assuming {},", fmt::join(assumed, ", "));
      return fmt::format("energy-first: cannot enter the Pareto front:{} it is dominated by trial {} ({})",
                         assumption, trial.number, point_text(spec, trial.values));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> training_skip_reason(const StudySpec& spec, const SkipPolicy& policy,
                                                const std::vector<Trial>& trials,
                                                const nlohmann::json& metrics_so_far) {
  if (!policy.enabled) return std::nullopt;
  if (auto reason = threshold_reason(spec, metrics_so_far)) return reason;
  if (auto reason = constraint_reason(spec, metrics_so_far)) return reason;
  return dominance_reason(spec, policy, trials, metrics_so_far);
}

}  // namespace ecopt
