#include "ecopt/core/study_spec.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <type_traits>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"

namespace ecopt {

std::string_view to_string(Direction direction) {
  return direction == Direction::Minimize ? "minimize" : "maximize";
}

Direction parse_direction(std::string_view text) {
  if (text == "minimize" || text == "min") return Direction::Minimize;
  if (text == "maximize" || text == "max") return Direction::Maximize;
  throw InputError(
      fmt::format("unknown direction '{}'; use minimize or maximize", text));
}

std::string_view to_string(ObjectiveRole role) {
  switch (role) {
    case ObjectiveRole::Quality: return "quality";
    case ObjectiveRole::Energy: return "energy";
    case ObjectiveRole::Cost: return "cost";
    case ObjectiveRole::Other: break;
  }
  return "other";
}

ObjectiveRole parse_objective_role(std::string_view text) {
  for (const auto role : {ObjectiveRole::Quality, ObjectiveRole::Energy, ObjectiveRole::Cost,
                          ObjectiveRole::Other}) {
    if (text == to_string(role)) return role;
  }
  throw InputError(fmt::format("unknown objective role '{}'; use quality, energy, cost or other", text));
}

std::vector<std::string_view> name_tokens(std::string_view name) {
  std::vector<std::string_view> tokens;
  for (std::size_t start = 0; start <= name.size();) {
    const std::size_t end = std::min(name.find('_', start), name.size());
    tokens.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

namespace {

bool any_token_in(const std::vector<std::string_view>& tokens, std::initializer_list<std::string_view> words) {
  return std::any_of(tokens.begin(), tokens.end(), [&](std::string_view token) {
    return std::find(words.begin(), words.end(), token) != words.end();
  });
}

ObjectiveRole role_from_name(std::string_view name) {
  const auto tokens = name_tokens(name);
  if (any_token_in(tokens, {"j", "mj", "uj", "kj", "wh", "mwh", "kwh", "joules", "energy"})) {
    return ObjectiveRole::Energy;
  }
  if (any_token_in(tokens, {"s", "ms", "us", "w", "mw", "mb", "gb", "latency", "seconds"})) {
    return ObjectiveRole::Cost;
  }
  return ObjectiveRole::Quality;
}

std::optional<std::size_t> first_with_role(const StudySpec& spec, ObjectiveRole role) {
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    if (spec.objectives[i].role == role) return i;
  }
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    if (!spec.objectives[i].role && objective_role(spec.objectives[i]).role == role) return i;
  }
  return std::nullopt;
}

}  // namespace

ResolvedRole objective_role(const Objective& objective) {
  if (objective.role) return {*objective.role, false};
  return {role_from_name(objective.name), true};
}

double OutcomeConstraint::violation(double metric_value) const {
  return comparison == Comparison::LessEqual ? metric_value - bound : bound - metric_value;
}

StudyBudget overlay(StudyBudget base, const StudyBudget& over) {
  const auto take = [](auto& field, const auto& given) {
    if (given) field = given;
  };
  take(base.energy_kwh, over.energy_kwh);
  take(base.carbon_kg, over.carbon_kg);
  take(base.wall_time_s, over.wall_time_s);
  take(base.min_hypervolume_per_kwh, over.min_hypervolume_per_kwh);
  take(base.hypervolume_window, over.hypervolume_window);
  return base;
}

bool StudyBudget::any() const {
  return energy_kwh || carbon_kg || wall_time_s || min_hypervolume_per_kwh || hypervolume_window;
}

std::vector<Direction> StudySpec::directions() const {
  std::vector<Direction> result;
  for (const auto& objective : objectives) result.push_back(objective.direction);
  return result;
}

std::optional<std::size_t> StudySpec::quality_objective() const {
  return first_with_role(*this, ObjectiveRole::Quality);
}

std::optional<std::size_t> StudySpec::energy_objective() const {
  return first_with_role(*this, ObjectiveRole::Energy);
}

std::optional<bool> StudySpec::noisy() const {
  if (std::any_of(objectives.begin(), objectives.end(), [](const Objective& o) { return o.noisy == true; })) {
    return true;
  }
  if (!objectives.empty() &&
      std::all_of(objectives.begin(), objectives.end(), [](const Objective& o) { return o.noisy == false; })) {
    return false;
  }
  return std::nullopt;
}

void StudySpec::validate() const {
  if (name.empty()) throw InputError("the study name is empty; give one with --study-name");
  require_storable_name(name, "study name");
  if (objectives.empty()) {
    throw InputError(fmt::format("study '{}' has no objectives; give at least one direction", name));
  }
  std::set<std::string> seen;
  for (const auto& objective : objectives) {
    if (objective.name.empty()) throw InputError("an objective has an empty name; name every objective");
    require_storable_name(objective.name, "objective name");
    if (!seen.insert(objective.name).second) {
      throw InputError(fmt::format("objective '{}' is listed twice; give each objective once",
                                   objective.name));
    }
    if (objective.threshold && !std::isfinite(*objective.threshold)) {
      throw InputError(fmt::format("objective '{}' has a non-finite threshold; use a finite number",
                                   objective.name));
    }
    if (objective.unit && objective.unit->size() > 32) {
      throw InputError(fmt::format("objective '{}' has a unit of {} characters; give a short unit such as "
                                   "\"J/sample\"",
                                   objective.name, objective.unit->size()));
    }
    if (objective.unit) require_storable_name(*objective.unit, "objective unit");
  }
  for (const auto& constraint : constraints) {
    if (constraint.metric.empty()) throw InputError("an outcome constraint has no metric; name one");
    require_storable_name(constraint.metric, "constraint metric");
    if (!std::isfinite(constraint.bound)) {
      throw InputError(fmt::format("constraint on '{}' has a non-finite bound; use a finite number",
                                   constraint.metric));
    }
  }
}

namespace {

std::string_view to_string(Comparison comparison) {
  return comparison == Comparison::LessEqual ? "<=" : ">=";
}

std::string describe(const Objective& objective) {
  return fmt::format("{} ({}{})", objective.name, to_string(objective.direction),
                     objective.threshold ? fmt::format(", threshold {}", *objective.threshold) : "");
}

template <typename T, typename Describe>
std::string listed(const std::vector<T>& items, Describe describe_one) {
  if (items.empty()) return "none";
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + describe_one(item);
  return text;
}

nlohmann::json baseline_json(const StatedBaseline& baseline) {
  switch (baseline.kind) {
    case StatedBaseline::Kind::FirstTrial: return {{"first_trial", true}};
    case StatedBaseline::Kind::Trial: return {{"trial", baseline.trial}};
    case StatedBaseline::Kind::Params: break;
  }
  return {{"params", to_json(baseline.params)}};
}

nlohmann::json budget_json(const StudyBudget& budget) {
  nlohmann::json json = nlohmann::json::object();
  if (budget.energy_kwh) json["energy_kwh"] = *budget.energy_kwh;
  if (budget.carbon_kg) json["carbon_kg"] = *budget.carbon_kg;
  if (budget.wall_time_s) json["wall_time_s"] = *budget.wall_time_s;
  if (budget.min_hypervolume_per_kwh) json["min_hypervolume_per_kwh"] = *budget.min_hypervolume_per_kwh;
  if (budget.hypervolume_window) json["hypervolume_window"] = *budget.hypervolume_window;
  return json;
}

StudyBudget budget_from_json(const nlohmann::json& json) {
  StudyBudget budget;
  const auto read = [&](const char* key, auto& field) {
    if (json.contains(key)) field = json[key].get<typename std::decay_t<decltype(field)>::value_type>();
  };
  read("energy_kwh", budget.energy_kwh);
  read("carbon_kg", budget.carbon_kg);
  read("wall_time_s", budget.wall_time_s);
  read("min_hypervolume_per_kwh", budget.min_hypervolume_per_kwh);
  read("hypervolume_window", budget.hypervolume_window);
  return budget;
}

StatedBaseline baseline_from_json(const nlohmann::json& json) {
  StatedBaseline baseline;
  if (json.contains("trial")) {
    baseline.kind = StatedBaseline::Kind::Trial;
    baseline.trial = json["trial"].get<std::int64_t>();
  } else if (json.contains("params")) {
    baseline.kind = StatedBaseline::Kind::Params;
    baseline.params = param_map_from_json(json["params"]);
  }
  return baseline;
}

bool same_question(const Objective& a, const Objective& b) {
  return a.name == b.name && a.direction == b.direction && a.threshold == b.threshold;
}

Comparison parse_comparison(std::string_view text) {
  if (text == "<=") return Comparison::LessEqual;
  if (text == ">=") return Comparison::GreaterEqual;
  throw InputError(fmt::format("unknown constraint operator '{}'; use <= or >=", text));
}

}  // namespace

nlohmann::json to_json(const StudySpec& spec) {
  auto objectives = nlohmann::json::array();
  for (const auto& objective : spec.objectives) {
    nlohmann::json entry = {{"name", objective.name}, {"direction", to_string(objective.direction)}};
    if (objective.threshold) entry["threshold"] = *objective.threshold;
    if (objective.role) entry["role"] = to_string(*objective.role);
    if (objective.unit) entry["unit"] = *objective.unit;
    if (objective.noisy) entry["noisy"] = *objective.noisy;
    objectives.push_back(entry);
  }
  auto constraints = nlohmann::json::array();
  for (const auto& constraint : spec.constraints) {
    constraints.push_back({{"metric", constraint.metric},
                           {"op", to_string(constraint.comparison)},
                           {"bound", constraint.bound}});
  }
  nlohmann::json json = {{"version", kStudyDefinitionVersion},
                         {"name", spec.name},
                         {"objectives", objectives},
                         {"constraints", constraints}};
  // Kept as text so that the declared order survives a json (sorted) value.
  if (!spec.search_space.is_null()) json["search_space"] = spec.search_space.dump();
  if (spec.baseline) json["baseline"] = baseline_json(*spec.baseline);
  if (spec.budget.any()) json["budget"] = budget_json(spec.budget);
  for (const auto& params : spec.enqueued) json["enqueued"].push_back(to_json(params));
  return json;
}

StudySpec study_spec_from_json(const nlohmann::json& json) {
  try {
    StudySpec spec;
    spec.name = json.at("name").get<std::string>();
    for (const auto& entry : json.at("objectives")) {
      Objective objective;
      objective.name = entry.at("name").get<std::string>();
      objective.direction = parse_direction(entry.at("direction").get<std::string>());
      if (entry.contains("threshold") && !entry["threshold"].is_null()) {
        objective.threshold = entry["threshold"].get<double>();
      }
      if (entry.contains("role")) objective.role = parse_objective_role(entry["role"].get<std::string>());
      if (entry.contains("unit")) objective.unit = entry["unit"].get<std::string>();
      if (entry.contains("noisy")) objective.noisy = entry["noisy"].get<bool>();
      spec.objectives.push_back(objective);
    }
    for (const auto& entry : json.value("constraints", nlohmann::json::array())) {
      spec.constraints.push_back({entry.at("metric").get<std::string>(),
                                  parse_comparison(entry.at("op").get<std::string>()),
                                  entry.at("bound").get<double>()});
    }
    if (json.contains("search_space")) {
      spec.search_space = nlohmann::ordered_json::parse(json["search_space"].get<std::string>());
    }
    if (json.contains("baseline")) spec.baseline = baseline_from_json(json["baseline"]);
    if (json.contains("budget")) spec.budget = budget_from_json(json["budget"]);
    for (const auto& params : json.value("enqueued", nlohmann::json::array()))
      spec.enqueued.push_back(param_map_from_json(params));
    return spec;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("malformed study description: {}", e.what()));
  }
}

std::string describe(const StatedBaseline& baseline) {
  switch (baseline.kind) {
    case StatedBaseline::Kind::FirstTrial: return "the study's first complete trial";
    case StatedBaseline::Kind::Trial: return fmt::format("trial {}", baseline.trial);
    case StatedBaseline::Kind::Params: break;
  }
  std::string params;
  for (const auto& [name, value] : baseline.params) {
    params += fmt::format("{}{} = {}", params.empty() ? "" : ", ", name, format_param(value));
  }
  return "the trial with " + params;
}

std::string describe_objectives(const StudySpec& spec) {
  return listed(spec.objectives, [](const Objective& o) { return describe(o); });
}

std::string describe(const OutcomeConstraint& constraint) {
  return fmt::format("{} {} {}", constraint.metric, to_string(constraint.comparison), constraint.bound);
}

std::string definition_change(const StudySpec& stored, const StudySpec& given) {
  const bool same_objectives =
      stored.objectives.size() == given.objectives.size() &&
      std::equal(stored.objectives.begin(), stored.objectives.end(), given.objectives.begin(), same_question);
  if (!same_objectives) {
    return fmt::format("objectives {} were stored, not {}", describe_objectives(stored),
                       describe_objectives(given));
  }
  if (stored.constraints != given.constraints) {
    const auto text = [](const OutcomeConstraint& c) { return describe(c); };
    return fmt::format("constraints {} were stored, not {}", listed(stored.constraints, text),
                       listed(given.constraints, text));
  }
  return "";
}

StudySpec with_declarations(StudySpec stored, const StudySpec& given) {
  for (std::size_t i = 0; i < stored.objectives.size() && i < given.objectives.size(); ++i) {
    const Objective& declared = given.objectives[i];
    Objective& objective = stored.objectives[i];
    if (declared.role) objective.role = declared.role;
    if (declared.unit) objective.unit = declared.unit;
    if (declared.noisy) objective.noisy = declared.noisy;
  }
  if (given.baseline) stored.baseline = given.baseline;
  stored.budget = overlay(std::move(stored.budget), given.budget);
  if (stored.search_space.is_null()) stored.search_space = given.search_space;
  return stored;
}

std::vector<Objective> objectives_from_directions(std::string_view comma_list) {
  std::vector<Objective> objectives;
  std::size_t start = 0;
  while (start <= comma_list.size()) {
    const auto end = std::min(comma_list.find(',', start), comma_list.size());
    auto token = comma_list.substr(start, end - start);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    Objective objective;
    objective.name = fmt::format("objective_{}", objectives.size());
    objective.direction = parse_direction(token);
    objectives.push_back(objective);
    start = end + 1;
  }
  return objectives;
}

}  // namespace ecopt
