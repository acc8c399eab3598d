#include "ecopt/study/study_file.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/suggest.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/study/budget.hpp"

namespace ecopt {

namespace {

using ordered_json = nlohmann::ordered_json;

// A piece of the settings (from TOML, or JSON from Python) as the JSON that
// tasks and samplers read, nested no deeper than any other input.
nlohmann::json as_json(const ordered_json& piece, const std::string& origin) {
  return parse_json_input(piece.dump(), origin);
}

// --- TOML to JSON ---------------------------------------------------------

ordered_json node_to_json(const toml::node& node, const std::string& origin);

bool source_before(const toml::node* a, const toml::node* b) {
  const auto& pa = a->source().begin;
  const auto& pb = b->source().begin;
  return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
}

ordered_json table_to_json(const toml::table& table, const std::string& origin) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, value] : table) entries.emplace_back(std::string(key.str()), &value);
  // toml++ keeps tables sorted by key; the file's order matters for the
  // search space (it is the unit-cube order), so restore it.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return source_before(a.second, b.second); });
  ordered_json object = ordered_json::object();
  for (const auto& [key, value] : entries) object[key] = node_to_json(*value, origin);
  return object;
}

ordered_json node_to_json(const toml::node& node, const std::string& origin) {
  if (const auto* table = node.as_table()) return table_to_json(*table, origin);
  if (const auto* array = node.as_array()) {
    ordered_json list = ordered_json::array();
    for (const auto& element : *array) list.push_back(node_to_json(element, origin));
    return list;
  }
  if (const auto* text = node.as_string()) return text->get();
  if (const auto* integer = node.as_integer()) return integer->get();
  if (const auto* number = node.as_floating_point()) {
    // JSON cannot hold nan or inf (they would read back as null).
    if (!std::isfinite(number->get())) {
      throw InputError(fmt::format("{}:{}: {} is not a valid setting; use a finite number", origin,
                                   node.source().begin.line, number->get()));
    }
    return number->get();
  }
  if (const auto* boolean = node.as_boolean()) return boolean->get();
  throw InputError(fmt::format("{}:{}: dates and times are not study settings; use a string",
                               origin, node.source().begin.line));
}

// --- key checking ---------------------------------------------------------

std::string known_list(const std::vector<std::string>& known) {
  return fmt::format("{}", fmt::join(known, ", "));
}

void reject_unknown(const ordered_json& table, const std::string& where,
                    const std::vector<std::string>& known, const std::string& origin) {
  for (const auto& [key, value] : table.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw InputError(fmt::format("{}: unknown key '{}' in {}{}; known keys: {}", origin, key,
                                   where, did_you_mean(key, known), known_list(known)));
    }
  }
}

// Typed reads that name the file and key in every message.
class Reader {
 public:
  Reader(const ordered_json& table, std::string where, const std::string& origin)
      : table_(table), where_(std::move(where)), origin_(origin) {}

  bool has(const char* key) const { return table_.contains(key); }

  std::string text(const char* key, std::string fallback) const {
    if (!has(key)) return fallback;
    if (!table_[key].is_string()) fail(key, "a string");
    return table_[key].get<std::string>();
  }
  double number(const char* key, double fallback, double low, double high) const {
    if (!has(key)) return fallback;
    if (!table_[key].is_number()) fail(key, "a number");
    const double value = table_[key].get<double>();
    if (!std::isfinite(value) || value < low || value > high) {
      fail(key, fmt::format("a number in [{}, {}]", low, high));
    }
    return value;
  }
  std::optional<double> optional_number(const char* key) const {
    if (!has(key)) return std::nullopt;
    return number(key, 0.0, -HUGE_VAL, HUGE_VAL);
  }
  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t low,
                       std::int64_t high) const {
    if (!has(key)) return fallback;
    if (!table_[key].is_number_integer()) fail(key, "an integer");
    const auto value = table_[key].get<std::int64_t>();
    if (value < low || value > high) fail(key, fmt::format("an integer in [{}, {}]", low, high));
    return value;
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!table_[key].is_boolean()) fail(key, "true or false");
    return table_[key].get<bool>();
  }
  std::vector<std::string> texts(const char* key) const {
    if (!has(key)) return {};
    std::vector<std::string> result;
    if (!table_[key].is_array()) fail(key, "a list of strings");
    for (const auto& item : table_[key]) {
      if (!item.is_string()) fail(key, "a list of strings");
      result.push_back(item.get<std::string>());
    }
    return result;
  }

  [[noreturn]] void fail(const char* key, const std::string& expected) const {
    throw InputError(fmt::format("{}: {}.{} must be {}, got {}", origin_, where_, key, expected,
                                 table_[key].dump()));
  }

 private:
  const ordered_json& table_;
  std::string where_;
  const std::string& origin_;
};

const ordered_json& table_or_empty(const ordered_json& document, const char* key,
                                   const std::string& origin) {
  static const ordered_json empty = ordered_json::object();
  if (!document.contains(key)) return empty;
  if (!document[key].is_object()) {
    throw InputError(fmt::format("{}: [{}] must be a table", origin, key));
  }
  return document[key];
}

const ordered_json& array_of_tables(const ordered_json& document, const char* key,
                                    const std::string& origin) {
  static const ordered_json empty = ordered_json::array();
  if (!document.contains(key)) return empty;
  const auto& list = document[key];
  if (!list.is_array() || !std::all_of(list.begin(), list.end(),
                                       [](const auto& item) { return item.is_object(); })) {
    throw InputError(fmt::format("{}: {} must be written as [[{}]] tables", origin, key, key));
  }
  return list;
}

// --- tables ---------------------------------------------------------------

// [study] baseline = "first" | a trial number | { param = value, ... }
StatedBaseline stated_baseline(const ordered_json& value, const std::string& origin) {
  StatedBaseline baseline;
  if (value == "first") return baseline;
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    baseline.kind = StatedBaseline::Kind::Trial;
    baseline.trial = value.get<std::int64_t>();
    return baseline;
  }
  if (value.is_object() && !value.empty()) {
    baseline.kind = StatedBaseline::Kind::Params;
    baseline.params = param_map_from_json(nlohmann::json::parse(value.dump()));
    return baseline;
  }
  throw InputError(fmt::format("{}: [study] baseline must be \"first\", a trial number or a table of parameters "
                               "such as {{ lr = 0.01, width = 8 }}, got {}",
                               origin, value.dump()));
}

void read_study_table(const ordered_json& document, StudyFile& file) {
  const auto& table = table_or_empty(document, "study", file.origin);
  reject_unknown(table, "[study]",
                 {"name", "storage", "sampler", "seed", "n_trials", "initial_trials",
                  "energy_first", "space_mode", "heartbeat_interval_s",
                  "stale_after_s", "storage_retry_s", "retry_failed", "sampler_options", "stop_after_same_failures",
                  "max_failed_trials", "baseline", "cpus_per_trial", "warm_start_from"},
                 file.origin);
  const Reader study(table, "study", file.origin);
  file.spec.name = study.text("name", "");
  if (file.spec.name.empty()) {
    throw InputError(fmt::format("{}: [study] needs a name, e.g. name = \"fashion-demo\"",
                                 file.origin));
  }
  file.storage_url = study.text("storage", file.storage_url);
  file.sampler = study.text("sampler", file.sampler);
  file.warm_start_from = study.text("warm_start_from", "");
  if (table.contains("sampler_options")) {
    if (!table.at("sampler_options").is_object()) {
      throw InputError(fmt::format("{}: [study] sampler_options must be a table, e.g. sampler_options = "
                                   "{{ reference_rule = \"front_nadir\" }}",
                                   file.origin));
    }
    file.sampler_options = as_json(table.at("sampler_options"), file.origin);
  }
  file.seed = static_cast<std::uint64_t>(study.integer("seed", 0, 0, INT64_MAX));
  file.n_trials = study.integer("n_trials", file.n_trials, 1, 10'000'000);
  file.initial_trials = study.integer("initial_trials", file.initial_trials, -1, 10'000'000);
  file.pruning.energy_first = study.boolean("energy_first", file.pruning.energy_first);
  file.heartbeat_interval_s =
      study.number("heartbeat_interval_s", file.heartbeat_interval_s, 0.01, 86400.0);
  file.stale_after_s = study.number("stale_after_s", file.stale_after_s, 0.01, 1e7);
  if (study.has("storage_retry_s")) file.storage_retry_s = study.number("storage_retry_s", 0.0, 0.01, 1e7);
  file.retry_failed = static_cast<int>(study.integer("retry_failed", 0, 0, 100));
  file.cpus_per_trial = static_cast<int>(study.integer("cpus_per_trial", 0, 1, kMaxCpusPerTrial));
  if (table.contains("baseline")) file.spec.baseline = stated_baseline(table.at("baseline"), file.origin);
  file.stop_after_same_failures = static_cast<int>(
      study.integer("stop_after_same_failures", file.stop_after_same_failures, 1, 1'000'000));
  if (study.has("max_failed_trials")) file.max_failed_trials = study.integer("max_failed_trials", 0, 1, 10'000'000);
  if (file.stale_after_s <= file.heartbeat_interval_s) {
    throw InputError(fmt::format(
        "{}: [study] stale_after_s ({}) must exceed heartbeat_interval_s ({}), or live trials "
        "would be failed as stale",
        file.origin, file.stale_after_s, file.heartbeat_interval_s));
  }
  const auto mode = study.text("space_mode", "override");
  if (mode != "override" && mode != "replace") {
    throw InputError(fmt::format(
        "{}: [study] space_mode = \"{}\"; use \"override\" or \"replace\"", file.origin, mode));
  }
  file.space_mode = mode == "replace" ? SpaceMode::Replace : SpaceMode::Override;
}

void read_objectives(const ordered_json& document, StudyFile& file) {
  const auto& list = array_of_tables(document, "objectives", file.origin);
  if (list.empty()) {
    throw InputError(fmt::format(
        "{}: no [[objectives]]; add one per objective, e.g. name = \"accuracy\", direction = "
        "\"maximize\"",
        file.origin));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("objectives[{}]", i);
    reject_unknown(list[i], "[[objectives]]",
                   {"name", "direction", "threshold", "best_plausible", "role", "unit", "noisy"}, file.origin);
    const Reader reader(list[i], where, file.origin);
    Objective objective;
    objective.name = reader.text("name", "");
    if (objective.name.empty()) {
      throw InputError(fmt::format("{}: {} needs a name (the metric it optimises)", file.origin,
                                   where));
    }
    objective.direction = parse_direction(reader.text("direction", "maximize"));
    objective.threshold = reader.optional_number("threshold");
    if (list[i].contains("role")) {
      try {
        objective.role = parse_objective_role(reader.text("role", ""));
      } catch (const InputError& error) {
        throw InputError(fmt::format("{}: {}.role: {}", file.origin, where, error.what()));
      }
    }
    if (list[i].contains("unit")) objective.unit = reader.text("unit", "");
    if (list[i].contains("noisy")) objective.noisy = reader.boolean("noisy", false);
    file.spec.objectives.push_back(objective);
    file.pruning.best_plausible.push_back(reader.optional_number("best_plausible"));
  }
}

// [study] sampler_options noisy = true|false states every objective's noise
// in the definition unless the objective states its own.
void declare_sampler_noise(StudyFile& file) {
  const auto noisy = file.sampler_options.find("noisy");
  if (noisy == file.sampler_options.end() || !noisy->is_boolean()) return;
  for (auto& objective : file.spec.objectives) {
    if (!objective.noisy) objective.noisy = noisy->get<bool>();
  }
}

void read_constraints(const ordered_json& document, StudyFile& file) {
  const auto& list = array_of_tables(document, "constraints", file.origin);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("constraints[{}]", i);
    reject_unknown(list[i], "[[constraints]]", {"metric", "op", "bound"}, file.origin);
    const Reader reader(list[i], where, file.origin);
    OutcomeConstraint constraint;
    constraint.metric = reader.text("metric", "");
    const auto op = reader.text("op", "");
    if (op != "<=" && op != ">=") {
      throw InputError(fmt::format("{}: {}.op = \"{}\"; use \"<=\" or \">=\"", file.origin,
                                   where, op));
    }
    constraint.comparison = op == "<=" ? Comparison::LessEqual : Comparison::GreaterEqual;
    if (!reader.has("bound")) {
      throw InputError(fmt::format("{}: {} needs a bound", file.origin, where));
    }
    constraint.bound = reader.number("bound", 0.0, -HUGE_VAL, HUGE_VAL);
    file.spec.constraints.push_back(constraint);
  }
}

// intensity_csv or intensity_command instead of the static figure, and the
// hold on new trials while the grid is carbon-intense.
void read_intensity_over_time(const ordered_json& table, StudyFile& file) {
  const Reader reader(table, "energy", file.origin);
  auto& carbon = file.energy.carbon;
  if (reader.has("intensity_csv")) carbon.intensity_csv = reader.text("intensity_csv", "");
  carbon.intensity_command = reader.texts("intensity_command");
  if (reader.has("intensity_command") && carbon.intensity_command.empty()) {
    throw InputError(fmt::format("{}: energy.intensity_command is empty; give the program and its arguments, e.g. "
                                 "[\"./grid-intensity.sh\", \"FR\"]",
                                 file.origin));
  }
  const int sources = int{carbon.g_per_kwh.has_value()} + int{carbon.intensity_csv.has_value()} +
                      int{!carbon.intensity_command.empty()};
  if (sources > 1) {
    throw InputError(fmt::format("{}: [energy] gives more than one of intensity_g_per_kwh, intensity_csv and "
                                 "intensity_command; keep the one to use",
                                 file.origin));
  }
  carbon.intensity_command_timeout_s =
      reader.number("intensity_command_timeout_s", carbon.intensity_command_timeout_s, 0.1, 3600.0);
  if (!reader.has("hold_above_g_per_kwh")) {
    for (const char* key : {"hold_max_wait", "hold_poll"}) {
      if (reader.has(key)) {
        throw InputError(fmt::format("{}: energy.{} is set without hold_above_g_per_kwh; add the threshold",
                                     file.origin, key));
      }
    }
    return;
  }
  const nlohmann::json settings = as_json(table, file.origin);  // the reader keeps a reference
  const OptionReader durations(settings, file.origin + ": [energy]");
  CarbonHold hold;
  hold.above_g_per_kwh = reader.number("hold_above_g_per_kwh", 0.0, 0.0, 1e5);
  hold.max_wait_s = durations.duration_s("hold_max_wait", hold.max_wait_s, 0.0, 1e7);
  hold.poll_s = durations.duration_s("hold_poll", hold.poll_s, 0.01, 86400.0);
  file.energy.hold = hold;
}

void read_energy(const ordered_json& document, StudyFile& file) {
  const auto& table = table_or_empty(document, "energy", file.origin);
  reject_unknown(table, "[energy]",
                 {"idle_baseline_s", "devices", "cpu_watts_per_core", "allow_estimate",
                  "carbon_region", "intensity_g_per_kwh", "intensity_csv", "intensity_command",
                  "intensity_command_timeout_s", "hold_above_g_per_kwh", "hold_max_wait", "hold_poll", "pue",
                  "min_window_s", "repeats"},
                 file.origin);
  const Reader reader(table, "energy", file.origin);
  auto& energy = file.energy;
  energy.idle_baseline_s = reader.number("idle_baseline_s", 0.0, 0.0, 3600.0);
  energy.devices = reader.texts("devices");
  energy.cpu_watts_per_core = reader.number("cpu_watts_per_core", 0.0, 0.0, 1000.0);
  energy.allow_estimate = reader.boolean("allow_estimate", true);
  if (reader.has("min_window_s")) energy.min_window_s = reader.number("min_window_s", 0, 0, 3600.0);
  if (reader.has("repeats")) energy.repeats = static_cast<int>(reader.integer("repeats", 1, 1, 1000));
  energy.carbon.region = reader.text("carbon_region", energy.carbon.region);
  energy.carbon.g_per_kwh = reader.optional_number("intensity_g_per_kwh");
  energy.carbon.pue = reader.number("pue", 1.0, 1.0, 10.0);
  if (!energy.carbon.g_per_kwh) grid_intensity(energy.carbon.region);  // unknown region fails now
  read_intensity_over_time(table, file);
}

void read_budget_table(const ordered_json& document, StudyFile& file) {
  const auto& table = table_or_empty(document, "budget", file.origin);
  const BudgetKeys& keys = kBudgetTableKeys;
  reject_unknown(table, "[budget]",
                 {keys.energy_kwh, keys.carbon_kg, keys.wall_time, keys.min_hypervolume_per_kwh,
                  keys.hypervolume_window},
                 file.origin);
  file.spec.budget = read_budget(as_json(table, file.origin), file.origin + ": [budget]", keys);
}

void read_task(const ordered_json& document, StudyFile& file) {
  const auto& table = table_or_empty(document, "task", file.origin);
  if (!table.contains("kind")) {
    throw InputError(fmt::format(
        "{}: [task] needs a kind (image-classification, test-problem, command, text-generation)",
        file.origin));
  }
  file.task = as_json(table, file.origin);
  // The measurement policy of [energy] reaches the task as [task.energy],
  // unless the task table sets it itself.
  auto& policy = file.task["energy"];
  if (policy.is_null()) policy = nlohmann::json::object();
  if (file.energy.min_window_s && !policy.contains("min_window_s")) {
    policy["min_window_s"] = *file.energy.min_window_s;
  }
  if (file.energy.repeats && !policy.contains("repeats")) policy["repeats"] = *file.energy.repeats;
  if (policy.empty()) file.task.erase("energy");
}

void read_space(const ordered_json& document, StudyFile& file) {
  const auto& table = table_or_empty(document, "space", file.origin);
  for (const auto& [name, entry] : table.items()) {
    if (!entry.is_object()) {
      throw InputError(fmt::format(
          "{}: space.{} must be a table such as [space.{}] type = \"int\", low = 1, high = 8",
          file.origin, name, name));
    }
    ordered_json normalised = entry;
    // A bare value pins the parameter: [space.batch_size] value = 64.
    if (!normalised.contains("type") && normalised.contains("value")) normalised["type"] = "fixed";
    file.space[name] = normalised;
  }
  if (file.space_mode == SpaceMode::Replace && file.space.empty()) {
    throw InputError(fmt::format(
        "{}: [study] space_mode = \"replace\" but no [space.<param>] tables are given",
        file.origin));
  }
}

// [[enqueue]]: one table of parameter = value per known configuration. The
// values are checked against the space when the run has resolved it.
void read_enqueue(const ordered_json& document, StudyFile& file) {
  const auto& list = array_of_tables(document, "enqueue", file.origin);
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      file.enqueue.push_back(param_map_from_json(as_json(list[i], file.origin)));
    } catch (const InputError& error) {
      throw InputError(fmt::format("{}: enqueue[{}]: {}; give each parameter a number, string or boolean",
                                   file.origin, i, error.what()));
    }
  }
}

std::string read_text_file(const std::string& path) {
  return read_input_file(path, fmt::format("study file '{}'", path), JsonLimits{}.max_bytes,
                         FileKind::Any);
}

}  // namespace

std::string enqueue_toml(const ParamMap& params) {
  toml::table entry;
  for (const auto& [name, value] : params) {
    std::visit([&](const auto& v) { entry.insert(name, v); }, value);
  }
  toml::array tables;
  tables.push_back(std::move(entry));
  std::ostringstream out;
  out << toml::table{{"enqueue", std::move(tables)}} << "\n";
  return out.str();
}

nlohmann::ordered_json toml_to_json(std::string_view toml_text, const std::string& origin) {
  try {
    const toml::table table = toml::parse(toml_text, origin);
    return table_to_json(table, origin);
  } catch (const toml::parse_error& error) {
    throw InputError(fmt::format("{}:{}:{}: {}", origin, error.source().begin.line,
                                 error.source().begin.column, error.description()));
  }
}

StudyFile parse_study_file(std::string_view toml_text, const std::string& origin) {
  return study_file_from_json(toml_to_json(toml_text, origin), origin);
}

StudyFile study_file_from_json(const nlohmann::ordered_json& document, const std::string& origin) {
  if (!document.is_object()) {
    throw InputError(fmt::format("{}: the settings must be a table of tables ([study], "
                                 "[[objectives]], [space], ...)",
                                 origin));
  }
  reject_unknown(document, "the study file",
                 {"study", "objectives", "constraints", "energy", "budget", "task", "space", "pruning",
                  "enqueue"},
                 origin);
  StudyFile file;
  file.origin = origin;
  file.document = as_json(document, origin);
  read_study_table(document, file);
  read_objectives(document, file);
  read_constraints(document, file);
  read_energy(document, file);
  read_budget_table(document, file);
  read_task(document, file);
  read_space(document, file);
  read_enqueue(document, file);
  if (file.document.contains("pruning")) {
    file.pruning = read_pruning_table(file.document["pruning"], file.pruning, origin);
  }
  declare_sampler_noise(file);
  try {
    file.spec.validate();
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", origin, error.what()));
  }
  return file;
}

StudyFile load_study_file(const std::string& path) {
  return parse_study_file(read_text_file(path), path);
}

DiscoveryOptions discovery_options(const StudyFile& file) {
  DiscoveryOptions options;
  options.devices = file.energy.devices;
  options.cpu_watts_per_core = file.energy.cpu_watts_per_core;
  options.allow_estimate = file.energy.allow_estimate;
  return options;
}

SearchSpace resolve_search_space(const StudyFile& file, const SearchSpace& task_default) {
  try {
    if (file.space_mode == SpaceMode::Replace) return search_space_from_json(file.space);
    // Start from the task's space in Optuna form and overlay the file's
    // entries, in the compact form the space module reads too.
    auto merged = to_ordered_json(task_default);
    for (const auto& [name, entry] : file.space.items()) merged[name] = entry;
    return search_space_from_json(merged);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: [space]: {}", file.origin, error.what()));
  }
}

}  // namespace ecopt
