#include "ecopt/report/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/math/pareto.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::report {
namespace {

bool better(double a, double b, Direction direction) {
  return direction == Direction::Maximize ? a > b : a < b;
}

bool is_energy_token(std::string_view token) {
  return token == "j" || token == "wh" || token == "kwh";
}

// The printed unit of a unit token; empty for any other token.
std::string unit_symbol(std::string_view token) {
  static const std::map<std::string_view, std::string_view> kSymbols = {
      {"j", "J"}, {"wh", "Wh"}, {"kwh", "kWh"}, {"s", "s"}, {"ms", "ms"}, {"w", "W"}, {"mw", "mW"}};
  const auto it = kSymbols.find(token);
  return it == kSymbols.end() ? "" : std::string(it->second);
}

// "samples" -> "sample": the name an energy record gives its counted unit.
std::string singular(std::string_view word) {
  if (word.size() > 1 && word.back() == 's') word.remove_suffix(1);
  return std::string(word);
}

std::string joined(const std::vector<std::string_view>& tokens, std::size_t from, std::size_t to) {
  std::string text;
  for (std::size_t i = from; i < to; ++i) {
    if (!text.empty()) text += ' ';
    text += tokens[i];
  }
  return text;
}

// "inference" + "efficiency" -> "inference efficiency"; "" + "energy" -> "energy".
std::string described(std::string subject, std::string_view what) {
  return subject.empty() ? std::string(what) : subject + " " + std::string(what);
}

std::string_view kind_of(std::string_view unit_token) {
  if (is_energy_token(unit_token)) return "energy";
  if (unit_token == "s" || unit_token == "ms") return "time";
  return "power";
}

// A rate "<subject> <numerator> per <denominator>" where either side is a
// unit token; nullopt for any other name.
std::optional<MetricUnit> rate_unit(const std::vector<std::string_view>& tokens) {
  const auto per = std::find(tokens.begin(), tokens.end(), "per");
  if (per == tokens.begin() || per + 1 == tokens.end() || per + 2 != tokens.end()) return std::nullopt;
  const std::size_t at = static_cast<std::size_t>(per - tokens.begin());
  const std::string_view numerator = tokens[at - 1];
  const std::string_view denominator = tokens[at + 1];
  const std::string top = unit_symbol(numerator);
  const std::string bottom = unit_symbol(denominator);
  if (top.empty() == bottom.empty()) return std::nullopt;  // no unit, or J/s: not a rate we name
  const std::string subject = joined(tokens, 0, at - 1);
  MetricUnit result;
  result.unit = (top.empty() ? std::string(numerator) : top) + "/" +
                (bottom.empty() ? std::string(denominator) : bottom);
  if (!top.empty()) {  // J per sample, s per token
    result.label = described(subject, kind_of(numerator));
    result.energy_power = is_energy_token(numerator) ? 1 : 0;
    result.counted = singular(denominator);
  } else {  // samples per J, tokens per s
    result.label = described(subject, is_energy_token(denominator) ? "efficiency" : "throughput");
    result.energy_power = is_energy_token(denominator) ? -1 : 0;
    result.counted = singular(numerator);
  }
  if (result.energy_power == 0) result.counted.clear();
  return result;
}

}  // namespace

MetricUnit metric_unit(std::string_view name) {
  // Quality metrics of the built-in tasks (docs/tasks.md, docs/text-generation.md).
  static const std::map<std::string_view, std::pair<std::string_view, std::string_view>> kKnown = {
      {"accuracy", {"accuracy", "fraction"}},
      {"val_loss", {"validation loss", "nats"}},
      {"heldout_loss", {"held-out loss", "nats/byte"}},
      {"heldout_bits_per_byte", {"held-out bits per byte", "bits/byte"}}};
  if (const auto known = kKnown.find(name); known != kKnown.end()) {
    return {std::string(known->second.first), std::string(known->second.second), 0, ""};
  }
  const auto tokens = name_tokens(name);
  if (auto rate = rate_unit(tokens)) return *rate;
  const std::string symbol = unit_symbol(tokens.back());
  if (tokens.size() < 2 || symbol.empty()) return {std::string(name), "", 0, ""};
  return {described(joined(tokens, 0, tokens.size() - 1), kind_of(tokens.back())), symbol,
          is_energy_token(tokens.back()) ? 1 : 0, ""};
}

MetricUnit metric_unit(const Objective& objective) {
  MetricUnit unit = metric_unit(objective.name);
  if (objective.unit) unit.unit = *objective.unit;
  return unit;
}

double InferenceEnergy::j_per_unit_on(bool net) const {
  if (net == record.idle_subtracted || record.units_per_window == 0) return j_per_unit;
  const double window_j = net ? record.net_j.value_or(record.gross_j) : record.gross_j;
  return window_j / static_cast<double>(record.units_per_window);
}

const EnergyRecord* TrialEnergy::headline() const {
  if (inference) return &inference->record;
  return trial_record ? &*trial_record : nullptr;
}

// A record that can give the energy of one inference.
bool per_unit(const EnergyRecord& record) {
  return record.j_per_unit && std::isfinite(*record.j_per_unit) && *record.j_per_unit > 0.0;
}

TrialEnergy trial_energy(const Trial& trial) {
  const auto records = energy_records(trial.user_attrs);
  TrialEnergy energy;
  for (const char* name : {kInferenceRecord, kGenerationRecord}) {
    const auto record = std::find_if(records.begin(), records.end(),
                                     [&](const EnergyRecord& r) { return r.name == name && per_unit(r); });
    if (record == records.end()) continue;
    energy.inference = InferenceEnergy{*record->j_per_unit, record->unit, *record};
    break;
  }
  energy.flags = flag_labels(records);
  for (const auto& record : records) {
    if (record.name == kTrialRecord) energy.trial_record = record;
    energy.shared = energy.shared || record.shared;
    energy.estimate = energy.estimate || record.is_estimate();
  }
  return energy;
}

std::optional<InferenceEnergy> inference_energy(const Trial& trial) {
  for (const char* name : {kInferenceRecord, kGenerationRecord}) {
    auto record = find_energy_record(trial.user_attrs, name);
    if (record && per_unit(*record)) {
      return InferenceEnergy{*record->j_per_unit, record->unit, std::move(*record)};
    }
  }
  return std::nullopt;
}

std::optional<EnergyRecord> headline_record(const Trial& trial) {
  const TrialEnergy energy = trial_energy(trial);
  if (const EnergyRecord* record = energy.headline()) return *record;
  return std::nullopt;
}

bool energy_is_shared(const Trial& trial) { return trial_energy(trial).shared; }

bool energy_is_estimate(const Trial& trial) { return trial_energy(trial).estimate; }

namespace {

bool same_param(const ParamValue& a, const ParamValue& b) {
  const auto numeric = [](const ParamValue& v) {
    return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v);
  };
  if (numeric(a) && numeric(b)) return as_double(a) == as_double(b);
  return a == b;
}

bool ran_with(const Trial& trial, const ParamMap& params) {
  return std::all_of(params.begin(), params.end(), [&](const auto& stated) {
    const auto held = trial.params.find(stated.first);
    return held != trial.params.end() && same_param(held->second, stated.second);
  });
}

}  // namespace

std::optional<std::int64_t> stated_baseline_trial(const StatedBaseline& baseline,
                                                  const std::vector<Trial>& trials) {
  std::optional<std::int64_t> found;
  for (const auto& trial : trials) {
    if (trial.state != TrialState::Complete || (found && *found < trial.number)) continue;
    const bool named = baseline.kind == StatedBaseline::Kind::FirstTrial ||
                       (baseline.kind == StatedBaseline::Kind::Trial && trial.number == baseline.trial) ||
                       (baseline.kind == StatedBaseline::Kind::Params && ran_with(trial, baseline.params));
    if (named) found = trial.number;
  }
  return found;
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

std::optional<std::int64_t> best_quality_trial(const StudySpec& spec,
                                               const std::vector<Trial>& trials) {
  const auto quality = spec.quality_objective();
  if (!quality) return std::nullopt;
  const Direction direction = spec.objectives[*quality].direction;
  const Trial* best = nullptr;
  for (const auto& trial : trials) {
    if (!counts_for_front(trial, spec)) continue;
    if (!best || better(trial.values[*quality], best->values[*quality], direction)) best = &trial;
  }
  if (!best) return std::nullopt;
  return best->number;
}

std::optional<std::int64_t> knee_trial(const StudySpec& spec, const std::vector<Trial>& trials) {
  std::vector<const Trial*> complete;
  for (const Trial* trial : complete_trials(spec, trials)) {
    if (is_feasible(*trial, spec)) complete.push_back(trial);
  }
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
                                                double quality_tolerance) {
  const auto quality = spec.quality_objective();
  std::vector<const Trial*> measured;
  for (const auto& trial : trials) {
    if (quality && counts_for_front(trial, spec) && inference_energy(trial)) measured.push_back(&trial);
  }
  if (!measured.empty()) {
    const Objective& objective = spec.objectives[*quality];
    const double best = (*std::min_element(measured.begin(), measured.end(), [&](const Trial* a, const Trial* b) {
                          return better(a->values[*quality], b->values[*quality], objective.direction);
                        }))->values[*quality];
    const Trial* chosen = nullptr;
    double chosen_j = 0.0;
    for (const Trial* trial : measured) {
      if (std::abs(trial->values[*quality] - best) > quality_tolerance) continue;
      const double j = inference_energy(*trial)->j_per_unit;
      if (!chosen || j < chosen_j) {
        chosen = trial;
        chosen_j = j;
      }
    }
    return TrialChoice{chosen->number,
                       fmt::format("the least inference energy among feasible trials within {:g} "
                                   "of the best {} ({:.4g}, {})",
                                   quality_tolerance, objective.name, best,
                                   to_string(objective.direction))};
  }
  if (auto knee = knee_trial(spec, trials)) {
    return TrialChoice{*knee,
                       "the knee of the Pareto front (nearest the ideal point with each "
                       "objective scaled to [0, 1]); no feasible trial records both a quality "
                       "objective and inference energy"};
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

}  // namespace ecopt::report
