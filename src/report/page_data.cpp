#include "page_data.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ecopt/core/format.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/report/report.hpp"

namespace ecopt::report {
namespace {

constexpr int kDigits = 4;  // what format_number shows

// The nearest number of kDigits significant digits, whose shortest JSON
// form is at most that long.
double rounded(double value) {
  if (!std::isfinite(value) || value == 0.0) return value;
  const int shift = kDigits - 1 - static_cast<int>(std::floor(std::log10(std::abs(value))));
  if (std::abs(shift) > 22) return value;  // beyond the exact powers of ten
  const double scale = std::pow(10.0, std::abs(shift));
  return shift >= 0 ? std::round(value * scale) / scale : std::round(value / scale) * scale;
}

nlohmann::json number_cell(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return rounded(*value);
}

nlohmann::json param_cell(const ParamMap& params, const std::string& name) {
  const auto it = params.find(name);
  if (it == params.end()) return nullptr;
  if (const auto* number = std::get_if<double>(&it->second)) return number_cell(*number);
  return to_json(it->second);
}

bool is_sequence(const std::vector<nlohmann::json>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i].is_number_integer() ||
        cells[i].get<std::int64_t>() != cells[0].get<std::int64_t>() + static_cast<std::int64_t>(i)) {
      return false;
    }
  }
  return true;
}

// One field of every trial in the smallest of the forms that cell() reads:
// {"fill": v} when every trial holds v; {"first": a} for a, a+1, ...; a
// plain array of numbers; else {"dict": distinct values, "index": [...]}.
nlohmann::json encode(std::vector<nlohmann::json> cells) {
  if (cells.empty()) return nlohmann::json::array();
  if (std::all_of(cells.begin(), cells.end(), [&](const auto& c) { return c == cells.front(); })) {
    return {{"fill", cells.front()}};
  }
  if (is_sequence(cells)) return {{"first", cells.front()}};
  if (std::all_of(cells.begin(), cells.end(), [](const auto& c) { return c.is_number() || c.is_null(); })) {
    return nlohmann::json(std::move(cells));
  }
  std::map<nlohmann::json, std::size_t> positions;
  nlohmann::json dict = nlohmann::json::array();
  nlohmann::json index = nlohmann::json::array();
  for (auto& cell : cells) {
    if (cell.is_null()) {
      index.push_back(nullptr);
      continue;
    }
    const auto [it, added] = positions.emplace(cell, dict.size());
    if (added) dict.push_back(std::move(cell));
    index.push_back(it->second);
  }
  return {{"dict", std::move(dict)}, {"index", std::move(index)}};
}

nlohmann::json encode_parts(std::vector<std::vector<nlohmann::json>> parts) {
  nlohmann::json encoded = nlohmann::json::array();
  for (auto& part : parts) encoded.push_back(encode(std::move(part)));
  return {{"parts", std::move(encoded)}};
}

nlohmann::json energy_cell(const TrialEnergy& energy) {
  const EnergyRecord* headline = energy.headline();
  if (!headline) return nullptr;
  return {{"source", headline->source_text()},
          {"estimate", energy.estimate},
          {"shared", energy.shared},
          {"flags", energy.flags}};
}

nlohmann::json cell(const nlohmann::json& column, std::size_t i) {
  if (column.is_array()) return column.at(i);
  if (column.contains("fill")) return column["fill"];
  if (column.contains("first")) return column["first"].get<std::int64_t>() + static_cast<std::int64_t>(i);
  if (column.contains("parts")) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& part : column["parts"]) parts.push_back(cell(part, i));
    return parts;
  }
  const auto& index = column.at("index").at(i);
  return index.is_null() ? nlohmann::json(nullptr) : column.at("dict").at(index.get<std::size_t>());
}

}  // namespace

nlohmann::json page_data(const PageDataInput& input) {
  std::vector<const Trial*> trials;
  for (const auto& trial : input.trials) trials.push_back(&trial);
  std::sort(trials.begin(), trials.end(), [](const Trial* a, const Trial* b) { return a->number < b->number; });
  const std::vector<std::string> params = parameter_names(input.spec, input.trials);
  const std::size_t objectives = input.spec.objectives.size();

  std::vector<nlohmann::json> numbers, states, inference_j, inference_unit, tuning_j, energy, fail_reason;
  std::vector<std::vector<nlohmann::json>> values(objectives), param_values(params.size());
  nlohmann::json details = nlohmann::json::object();
  for (const Trial* trial : trials) {
    numbers.emplace_back(trial->number);
    states.emplace_back(std::string(to_string(trial->state)));
    for (std::size_t i = 0; i < objectives; ++i) {
      values[i].push_back(number_cell(i < trial->values.size() ? std::optional(trial->values[i]) : std::nullopt));
    }
    for (std::size_t p = 0; p < params.size(); ++p) param_values[p].push_back(param_cell(trial->params, params[p]));
    const TrialEnergy trial_energy = report::trial_energy(*trial);
    const auto& inference = trial_energy.inference;
    inference_j.push_back(number_cell(inference ? std::optional(inference->j_per_unit) : std::nullopt));
    inference_unit.push_back(inference ? nlohmann::json(inference->unit) : nlohmann::json(nullptr));
    tuning_j.push_back(number_cell(trial_tuning_energy_j(trial_energy.trial_record)));
    energy.push_back(energy_cell(trial_energy));
    fail_reason.push_back(trial->fail_reason ? nlohmann::json(*trial->fail_reason) : nlohmann::json(nullptr));
    if (input.detailed(trial->number)) {
      details[std::to_string(trial->number)] = with_normalised_energy(trial->user_attrs);
    }
  }

  nlohmann::json objective_list = nlohmann::json::array();
  for (std::size_t i = 0; i < objectives; ++i) {
    const Objective& objective = input.spec.objectives[i];
    objective_list.push_back({{"name", objective.name},
                              {"direction", to_string(objective.direction)},
                              {"unit", input.objective_units.at(i)}});
  }
  nlohmann::json columns = {{"number", encode(std::move(numbers))},
                            {"state", encode(std::move(states))},
                            {"values", encode_parts(std::move(values))},
                            {"params", encode_parts(std::move(param_values))},
                            {"inference_j", encode(std::move(inference_j))},
                            {"inference_unit", encode(std::move(inference_unit))},
                            {"tuning_j", encode(std::move(tuning_j))},
                            {"energy", encode(std::move(energy))},
                            {"fail_reason", encode(std::move(fail_reason))}};
  return {{"study", input.spec.name},
          {"objectives", std::move(objective_list)},
          {"params", params},
          {"digits", kDigits},
          {"trials", {{"count", trials.size()}, {"columns", std::move(columns)}}},
          {"details", std::move(details)}};
}

std::map<std::int64_t, nlohmann::json> trial_rows(const nlohmann::json& data) {
  std::map<std::int64_t, nlohmann::json> rows;
  const auto& trials = data.at("trials");
  const auto& details = data.at("details");
  for (std::size_t i = 0; i < trials.at("count").get<std::size_t>(); ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (const auto& [key, column] : trials.at("columns").items()) row[key] = cell(column, i);
    const auto number = row.at("number").get<std::int64_t>();
    if (const auto attrs = details.find(std::to_string(number)); attrs != details.end()) {
      row["user_attrs"] = *attrs;
    }
    rows.emplace(number, std::move(row));
  }
  return rows;
}

}  // namespace ecopt::report
