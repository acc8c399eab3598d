#include "ecopt/report/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/pareto.hpp"
#include "ecopt/study/device_lease.hpp"  // kEnergySharedAttr

namespace ecopt::report {
namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::optional<double> positive_finite(const Trial& trial, const std::string& key) {
  const auto value = trial.metric(key);
  if (!value || !std::isfinite(*value) || *value <= 0.0) return std::nullopt;
  return value;
}

std::string unit_of(const std::string& key) {
  return key.find("token") != std::string::npos ? "token" : "sample";
}

// A training phase's per-sample energy (training_j_per_sample of a command
// trial) is not what one inference costs.
bool is_training_key(const std::string& key) { return key.rfind("train", 0) == 0; }

// Keys in the order the lookup rule tries them: the tasks' own names first
// (image classification's per sample, text generation's per generated
// token, prefill included), then any per-unit energy, then any per-joule
// efficiency.
std::optional<InferenceEnergy> direct_energy(const Trial& trial) {
  for (const char* key : {"inference_j_per_sample", "generation_j_per_token"}) {
    if (auto j = positive_finite(trial, key)) return InferenceEnergy{*j, unit_of(key), key};
  }
  for (const auto& [key, value] : trial.user_attrs.items()) {
    if (!ends_with(key, "_j_per_sample") && !ends_with(key, "_j_per_token")) continue;
    if (is_training_key(key)) continue;
    if (auto j = positive_finite(trial, key)) return InferenceEnergy{*j, unit_of(key), key};
  }
  return std::nullopt;
}

std::optional<InferenceEnergy> inverse_efficiency(const Trial& trial) {
  if (auto per_j = positive_finite(trial, "inference_samples_per_j")) {
    return InferenceEnergy{1.0 / *per_j, "sample", "inference_samples_per_j"};
  }
  for (const auto& [key, value] : trial.user_attrs.items()) {
    if (!ends_with(key, "_per_j") || is_training_key(key)) continue;
    if (auto per_j = positive_finite(trial, key)) {
      return InferenceEnergy{1.0 / *per_j, unit_of(key), key};
    }
  }
  return std::nullopt;
}

bool better(double a, double b, Direction direction) {
  return direction == Direction::Maximize ? a > b : a < b;
}

}  // namespace

std::optional<InferenceEnergy> inference_energy(const Trial& trial) {
  if (auto energy = direct_energy(trial)) return energy;
  return inverse_efficiency(trial);
}

TuningEnergy tuning_energy(const Trial& trial) {
  // The runner's window spans the whole trial: everything it drew, once.
  if (auto total = trial.metric(kTrialEnergyAttr); total && std::isfinite(*total)) {
    return {*total, {kTrialEnergyAttr}};
  }
  // Trials told from outside the runner carry only their own phase figures.
  TuningEnergy energy;
  for (const auto& [key, value] : trial.user_attrs.items()) {
    // "_per_j" keys are efficiencies (samples per joule), not energies.
    if (!ends_with(key, "_j") || ends_with(key, "_per_j") || !value.is_number()) continue;
    const double j = value.get<double>();
    if (!std::isfinite(j)) continue;
    energy.j += j;
    energy.keys.push_back(key);
  }
  return energy;
}

std::optional<double> accuracy(const StudySpec& spec, const Trial& trial) {
  if (auto value = trial.metric("accuracy")) return value;
  for (std::size_t i = 0; i < spec.objectives.size() && i < trial.values.size(); ++i) {
    if (spec.objectives[i].name == "accuracy") return trial.values[i];
  }
  return std::nullopt;
}

std::vector<const Trial*> complete_trials(const StudySpec& spec, const std::vector<Trial>& trials) {
  std::vector<const Trial*> complete;
  for (const auto& trial : trials) {
    if (trial.state != TrialState::Complete) continue;
    if (trial.values.size() != spec.objectives.size()) continue;
    if (!std::all_of(trial.values.begin(), trial.values.end(),
                     [](double v) { return std::isfinite(v); })) {
      continue;
    }
    complete.push_back(&trial);
  }
  std::sort(complete.begin(), complete.end(),
            [](const Trial* a, const Trial* b) { return a->number < b->number; });
  return complete;
}

std::optional<std::int64_t> most_accurate_trial(const StudySpec& spec,
                                                const std::vector<Trial>& trials) {
  const Trial* best = nullptr;
  std::optional<double> best_score;
  const bool by_accuracy = std::any_of(trials.begin(), trials.end(), [&](const Trial& t) {
    return t.state == TrialState::Complete && accuracy(spec, t).has_value();
  });
  for (const Trial* trial : complete_trials(spec, trials)) {
    const std::optional<double> score = by_accuracy ? accuracy(spec, *trial) : trial->values[0];
    if (!score) continue;
    const Direction direction = by_accuracy ? Direction::Maximize : spec.objectives[0].direction;
    if (!best_score || better(*score, *best_score, direction)) {
      best = trial;
      best_score = score;
    }
  }
  if (!best) return std::nullopt;
  return best->number;
}

std::optional<std::int64_t> knee_trial(const StudySpec& spec, const std::vector<Trial>& trials) {
  const auto complete = complete_trials(spec, trials);
  if (complete.empty()) return std::nullopt;
  std::vector<Point> points;
  for (const Trial* trial : complete) {
    points.push_back(to_minimization(trial->values, spec.directions()));
  }
  const std::size_t dims = spec.objectives.size();
  std::vector<double> low(dims, std::numeric_limits<double>::infinity());
  std::vector<double> high(dims, -std::numeric_limits<double>::infinity());
  for (const auto& point : points) {
    for (std::size_t d = 0; d < dims; ++d) {
      low[d] = std::min(low[d], point[d]);
      high[d] = std::max(high[d], point[d]);
    }
  }
  // Distance to the ideal point (all zeros once each objective is scaled).
  std::optional<std::size_t> knee;
  double knee_distance = std::numeric_limits<double>::infinity();
  for (const std::size_t index : pareto_front(points)) {
    double squared = 0.0;
    for (std::size_t d = 0; d < dims; ++d) {
      const double range = high[d] - low[d];
      const double scaled = range > 0.0 ? (points[index][d] - low[d]) / range : 0.0;
      squared += scaled * scaled;
    }
    if (squared < knee_distance) {
      knee_distance = squared;
      knee = index;
    }
  }
  return complete[*knee]->number;
}

std::optional<TrialChoice> default_chosen_trial(const StudySpec& spec,
                                                const std::vector<Trial>& trials,
                                                double accuracy_tolerance) {
  const auto complete = complete_trials(spec, trials);
  std::optional<double> best_accuracy;
  for (const Trial* trial : complete) {
    const auto acc = accuracy(spec, *trial);
    if (acc && inference_energy(*trial) && (!best_accuracy || *acc > *best_accuracy)) {
      best_accuracy = acc;
    }
  }
  if (best_accuracy) {
    const Trial* chosen = nullptr;
    double chosen_j = 0.0;
    for (const Trial* trial : complete) {
      const auto acc = accuracy(spec, *trial);
      const auto energy = inference_energy(*trial);
      if (!acc || !energy || *acc < *best_accuracy - accuracy_tolerance) continue;
      if (!chosen || energy->j_per_unit < chosen_j) {
        chosen = trial;
        chosen_j = energy->j_per_unit;
      }
    }
    return TrialChoice{chosen->number,
                       fmt::format("the least inference energy among trials within {:g} of the "
                                   "best accuracy ({:.4g})",
                                   accuracy_tolerance, *best_accuracy)};
  }
  if (auto knee = knee_trial(spec, trials)) {
    return TrialChoice{*knee,
                       "the knee of the Pareto front (nearest the ideal point with each "
                       "objective scaled to [0, 1]); no trial records both accuracy and "
                       "inference energy"};
  }
  return std::nullopt;
}

const Trial& trial_by_number(const std::vector<Trial>& trials, std::int64_t number) {
  for (const auto& trial : trials) {
    if (trial.number == number) return trial;
  }
  throw NotFoundError(fmt::format(
      "trial {} is not in this study; list trials with `ecopt trials` and pick an existing number",
      number));
}

std::optional<std::string> text_attr(const Trial& trial, const std::string& key) {
  const auto it = trial.user_attrs.find(key);
  if (it == trial.user_attrs.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<std::string> trial_energy_source(const Trial& trial) {
  auto source = text_attr(trial, "energy_source");
  if (!source) source = text_attr(trial, kTrialEnergySourceAttr);
  constexpr std::string_view kSharedMark = " (shared)";
  if (source && ends_with(*source, kSharedMark)) source->resize(source->size() - kSharedMark.size());
  return source;
}

bool energy_is_shared(const Trial& trial) {
  const auto it = trial.user_attrs.find(kEnergySharedAttr);
  return it != trial.user_attrs.end() && it->is_boolean() && it->get<bool>();
}

bool energy_is_estimate(const Trial& trial) {
  const auto source = text_attr(trial, "energy_source");
  return source && source->find("estimate") != std::string::npos;
}

}  // namespace ecopt::report
