#include "ecopt/report/export.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::report {
namespace {

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string number_text(double value) {
  return std::isfinite(value) ? fmt::format("{}", value) : "";
}

std::set<std::string> attr_keys(const std::vector<Trial>& trials) {
  std::set<std::string> keys;
  for (const auto& trial : trials) {
    for (const auto& [key, value] : trial.user_attrs.items()) keys.insert(key);
  }
  return keys;
}

// Columns a terminal shows: code points, not bytes.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// What a table shows of a text: control characters escaped (a trial's
// stderr must not drive the terminal), cut to `width` columns.
std::string truncate(const std::string& raw, std::size_t width) {
  const std::string text = printable(raw);
  if (display_width(text) <= width || width < 2) return text;
  std::string out;
  std::size_t columns = 0;
  for (const char c : text) {
    const bool starts_code_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_code_point && ++columns > width - 1) break;
    out += c;
  }
  return out + "…";
}

struct Cell {
  std::string text;
  bool numeric = false;
};

Cell number_cell(double value) { return {format_number(value), true}; }

Cell param_cell(const ParamMap& params, const std::string& name) {
  const auto it = params.find(name);
  if (it == params.end()) return {"-", true};
  if (std::holds_alternative<double>(it->second)) return number_cell(std::get<double>(it->second));
  return {to_string(it->second), !std::holds_alternative<std::string>(it->second)};
}

Cell energy_source_cell(const Trial& trial, std::size_t max_width) {
  const TrialEnergy energy = trial_energy(trial);
  const EnergyRecord* record = energy.headline();
  if (!record) return {"-", true};
  // The marks survive truncation: the source is cut to leave room for them.
  std::string marks;
  if (energy.estimate) marks += " (estimate)";
  if (energy.shared) marks += " (shared)";
  for (const auto& flag : energy.flags) marks += " (" + flag + ")";
  const std::size_t room = max_width > marks.size() ? max_width - marks.size() : 0;
  return {truncate(record->source_text(), room) + marks, false};
}

std::vector<Cell> table_row(const StudySpec& spec, const std::vector<std::string>& params,
                            const Trial& trial, bool with_energy, const TableOptions& options) {
  std::vector<Cell> row = {{std::to_string(trial.number), true},
                           {std::string(to_string(trial.state)), false}};
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    row.push_back(i < trial.values.size() ? number_cell(trial.values[i]) : Cell{"-", true});
  }
  for (const auto& name : params) row.push_back(param_cell(trial.params, name));
  if (!with_energy) {
    for (auto& cell : row) cell.text = truncate(cell.text, options.max_cell_width);
    row.push_back({truncate(first_line(trial.fail_reason.value_or("-")), options.max_cell_width), !trial.fail_reason});
    return row;
  }
  const auto inference = inference_energy(trial);
  row.push_back(inference ? number_cell(inference->j_per_unit) : Cell{"-", true});
  const auto tuning_j = trial_tuning_energy_j(trial);
  row.push_back(tuning_j ? number_cell(*tuning_j) : Cell{"-", true});
  for (auto& cell : row) cell.text = truncate(cell.text, options.max_cell_width);
  row.push_back(energy_source_cell(trial, options.max_cell_width));
  row.push_back(
      {truncate(first_line(trial.fail_reason.value_or("-")), options.max_cell_width), !trial.fail_reason});
  return row;
}

// Columns padded to their widest cell; a column is right-aligned when every
// cell it has is a number.
std::string aligned_table(const std::vector<std::string>& header,
                          const std::vector<std::vector<Cell>>& rows) {
  std::vector<std::size_t> widths;
  std::vector<bool> numeric(header.size(), true);
  for (const auto& title : header) widths.push_back(display_width(title));
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c].text));
      if (row[c].text != "-" && !row[c].numeric) numeric[c] = false;
    }
  }
  const auto emit = [&](std::string& out, const std::vector<Cell>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string fill(widths[c] - display_width(row[c].text), ' ');
      line += row[c].numeric && numeric[c] ? fill + row[c].text : row[c].text + fill;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  std::string out;
  std::vector<Cell> header_cells;
  std::vector<Cell> rule_cells;
  for (std::size_t c = 0; c < header.size(); ++c) {
    header_cells.push_back({header[c], true});  // aligned like the column
    rule_cells.push_back({std::string(widths[c], '-'), false});
  }
  emit(out, header_cells);
  emit(out, rule_cells);
  for (const auto& row : rows) emit(out, row);
  return out;
}

}  // namespace

std::string trials_to_csv(const StudySpec& spec, const std::vector<Trial>& trials) {
  const auto params = parameter_names(spec, trials);
  const auto keys = attr_keys(trials);
  std::vector<std::string> header = {"number", "state"};
  for (const auto& objective : spec.objectives) header.push_back("values_" + objective.name);
  for (const auto& name : params) header.push_back("params_" + name);
  for (const auto& key : keys) header.push_back("user_attrs_" + key);
  for (const char* column : {"fail_reason", "datetime_start", "datetime_complete", "tuning_energy_j", "pareto_front"})
    header.push_back(column);
  const StudyFront front = front_of(trials, spec);
  std::string csv;
  csv += csv_row(header);
  for (const auto& trial : trials) {
    std::vector<std::string> row = {std::to_string(trial.number), std::string(to_string(trial.state))};
    for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
      row.push_back(i < trial.values.size() ? number_text(trial.values[i]) : "");
    }
    for (const auto& name : params) {
      const auto it = trial.params.find(name);
      row.push_back(it == trial.params.end() ? "" : to_string(it->second));
    }
    for (const auto& key : keys) {
      const auto it = trial.user_attrs.find(key);
      row.push_back(it == trial.user_attrs.end() ? "" : scalar_text(*it));
    }
    row.push_back(trial.fail_reason.value_or(""));
    row.push_back(format_time(trial.started_at));
    row.push_back(trial.finished_at ? format_time(*trial.finished_at) : "");
    const auto tuning_j = trial_tuning_energy_j(trial);
    row.push_back(tuning_j ? number_text(*tuning_j) : "");
    row.push_back(front.contains(trial.number) ? "true" : "false");
    csv += csv_row(row);
  }
  return csv;
}

namespace {

// A trial as stored, with its tuning energy and front membership as every
// other output states them.
nlohmann::json exported(const Trial& trial, const StudyFront& front) {
  nlohmann::json json = to_json(trial);
  const auto tuning_j = trial_tuning_energy_j(trial);
  json["tuning_energy_j"] = tuning_j ? nlohmann::json(*tuning_j) : nlohmann::json(nullptr);
  json["pareto_front"] = front.contains(trial.number);
  return json;
}

// The study's one front (math/front.hpp), as tune and best-trials state it.
nlohmann::json front_json(const StudyFront& front) {
  const ReferencePoint reference = front.reference();
  return {{"trials", front.member_numbers()},
          {"hypervolume", front.hypervolume()},
          {"reference", reference.values(front.spec())},
          {"reference_rule", reference.describe(front.spec())}};
}

}  // namespace

std::string trials_to_json(const StudySpec& spec, const std::vector<Trial>& trials) {
  std::string out;
  // Appends a value as dump(2) writes it at `indent` inside the whole: JSON
  // text holds a newline only between tokens, never inside a string.
  const auto nested = [&](const nlohmann::json& value, std::string_view indent) {
    const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      out.append(text, start, end + 1 - start).append(indent);
    }
    out.append(text, start);
  };
  const StudyFront front = front_of(trials, spec);
  // Keys in the order nlohmann::json keeps them, as one tree would dump.
  out = "{\n  \"front\": ";
  nested(front_json(front), "  ");
  out += ",\n  \"study\": ";
  nested(to_json(spec), "  ");
  out += ",\n  \"trials\": [";
  for (std::size_t i = 0; i < trials.size(); ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    nested(exported(trials[i], front), "    ");
  }
  return out + (trials.empty() ? "]\n}" : "\n  ]\n}");
}

std::string format_trials_table(const StudySpec& spec, const std::vector<Trial>& trials,
                                const TableOptions& options) {
  const auto params = parameter_names(spec, trials);
  std::vector<std::string> header = {"#", "state"};
  for (const auto& objective : spec.objectives) header.push_back(objective.name);
  header.insert(header.end(), params.begin(), params.end());
  // An ask/tell study measures nothing: no columns of "-" then.
  const bool with_energy = std::any_of(trials.begin(), trials.end(),
                                       [](const Trial& trial) { return !energy_records(trial.user_attrs).empty(); });
  if (with_energy) header.insert(header.end(), {"J/inference", "tuning J", "energy source"});
  header.emplace_back("reason");
  for (auto& title : header) title = truncate(title, options.max_cell_width);
  std::vector<std::vector<Cell>> rows;
  for (const auto& trial : trials) rows.push_back(table_row(spec, params, trial, with_energy, options));
  return aligned_table(header, rows);
}

}  // namespace ecopt::report
