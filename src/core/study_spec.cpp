#include "ecopt/core/study_spec.hpp"

#include <cmath>
#include <set>

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

double OutcomeConstraint::violation(double metric_value) const {
  return comparison == Comparison::LessEqual ? metric_value - bound : bound - metric_value;
}

std::vector<Direction> StudySpec::directions() const {
  std::vector<Direction> result;
  for (const auto& objective : objectives) result.push_back(objective.direction);
  return result;
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
    objectives.push_back(entry);
  }
  auto constraints = nlohmann::json::array();
  for (const auto& constraint : spec.constraints) {
    constraints.push_back({{"metric", constraint.metric},
                           {"op", to_string(constraint.comparison)},
                           {"bound", constraint.bound}});
  }
  return {{"name", spec.name}, {"objectives", objectives}, {"constraints", constraints}};
}

StudySpec study_spec_from_json(const nlohmann::json& json) {
  try {
    StudySpec spec;
    spec.name = json.at("name").get<std::string>();
    for (const auto& entry : json.at("objectives")) {
      Objective objective{entry.at("name").get<std::string>(),
                          parse_direction(entry.at("direction").get<std::string>()), std::nullopt};
      if (entry.contains("threshold") && !entry["threshold"].is_null()) {
        objective.threshold = entry["threshold"].get<double>();
      }
      spec.objectives.push_back(objective);
    }
    for (const auto& entry : json.value("constraints", nlohmann::json::array())) {
      spec.constraints.push_back({entry.at("metric").get<std::string>(),
                                  parse_comparison(entry.at("op").get<std::string>()),
                                  entry.at("bound").get<double>()});
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("malformed study description: {}", e.what()));
  }
}

std::vector<Objective> objectives_from_directions(std::string_view comma_list) {
  std::vector<Objective> objectives;
  std::size_t start = 0;
  while (start <= comma_list.size()) {
    const auto end = std::min(comma_list.find(',', start), comma_list.size());
    auto token = comma_list.substr(start, end - start);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    objectives.push_back(
        {fmt::format("objective_{}", objectives.size()), parse_direction(token), std::nullopt});
    start = end + 1;
  }
  return objectives;
}

}  // namespace ecopt
