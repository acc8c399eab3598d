#include "ecopt/energy/record.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/math/stats.hpp"

namespace ecopt {
namespace {

std::int64_t fewest_counter_updates(const WindowResult& window) {
  std::int64_t fewest = std::numeric_limits<std::int64_t>::max();
  for (const auto& reading : window.readings) {
    if (!is_estimate(reading.source)) fewest = std::min<std::int64_t>(fewest, reading.counter_updates);
  }
  return fewest == std::numeric_limits<std::int64_t>::max() ? 0 : fewest;
}

std::string flag_label(std::string_view flag) {
  return flag == kNetNotPositiveFlag ? "net ≤ 0" : "within resolution";
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Field readers that say which record and field is wrong.
struct FieldReader {
  const std::string& name;
  const nlohmann::json& json;

  const nlohmann::json& at(const char* field) const {
    const auto it = json.find(field);
    if (it == json.end()) fail(field, "is missing");
    return *it;
  }
  [[noreturn]] void fail(const char* field, const char* what) const {
    throw InputError(fmt::format(
        "energy record '{}': field '{}' {}; see docs/energy.md (\"The energy record\")", name,
        field, what));
  }
  double number(const char* field) const {
    const auto& value = at(field);
    if (!value.is_number()) fail(field, "must be a number");
    return value.get<double>();
  }
  std::optional<double> optional(const char* field) const {
    const auto it = json.find(field);
    if (it == json.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) fail(field, "must be a number or null");
    return it->get<double>();
  }
  bool flag(const char* field) const {
    const auto& value = at(field);
    if (!value.is_boolean()) fail(field, "must be true or false");
    return value.get<bool>();
  }
  std::vector<std::string> strings(const char* field) const {
    const auto& value = at(field);
    if (!value.is_array() || !std::all_of(value.begin(), value.end(),
                                           [](const auto& v) { return v.is_string(); })) {
      fail(field, "must be a list of strings");
    }
    return value.get<std::vector<std::string>>();
  }
};

}  // namespace

bool EnergyRecord::is_estimate() const {
  return std::any_of(sources.begin(), sources.end(),
                     [](EnergySource source) { return ecopt::is_estimate(source); });
}

bool EnergyRecord::resolved() const { return duration_s >= kResolvedSteps * resolution_s; }

std::vector<std::string> EnergyRecord::flags() const {
  std::vector<std::string> flags;
  if (idle_subtracted && net_j && *net_j <= 0.0) flags.emplace_back(kNetNotPositiveFlag);
  if (energy_j() <= resolution_j) flags.emplace_back(kWithinResolutionFlag);
  return flags;
}

bool EnergyRecord::flagged(std::string_view flag) const {
  const auto all = flags();
  return std::find(all.begin(), all.end(), flag) != all.end();
}

std::string EnergyRecord::flag_note() const {
  std::vector<std::string> parts;
  if (flagged(kNetNotPositiveFlag)) {
    const double idle_w = duration_s > 0 ? (gross_j - *net_j) / duration_s : 0.0;
    parts.push_back(fmt::format(
        "net of idle {} from {} gross over {} s with {} W idle subtracted: at or below zero, so the "
        "idle baseline drew at least as much power as the work (retake it with the machine idle, "
        "or lengthen the work)",
        format_joules(*net_j), format_joules(gross_j), format_number(duration_s), format_number(idle_w)));
  }
  if (flagged(kWithinResolutionFlag)) {
    parts.push_back(fmt::format("{} is within the meters' resolution ({} per window)",
                                format_joules(energy_j()), format_joules(resolution_j)));
  }
  if (parts.empty()) return "";
  return fmt::format("energy record '{}': {}", name, fmt::join(parts, "; "));
}

double EnergyRecord::energy_j() const { return idle_subtracted && net_j ? *net_j : gross_j; }

double EnergyRecord::attributed_j(bool net) const {
  return attributed_fraction * (net && net_j ? *net_j : gross_j);
}

std::string EnergyRecord::source_text() const { return describe_sources(sources); }

std::string EnergyRecord::device_text() const { return fmt::format("{}", fmt::join(devices, ", ")); }

std::string EnergyRecord::labelled_source() const {
  std::string text = source_text();
  if (is_estimate()) text += " (estimate)";
  if (shared) text += " (shared)";
  for (const auto& flag : flags()) text += " (" + flag_label(flag) + ")";
  return text;
}

EnergyRecord energy_record(std::string name, const WindowResult& window) {
  EnergyRecord record;
  record.name = std::move(name);
  record.sources = window.sources();
  record.devices = window.devices();
  for (const auto& reading : window.readings) {
    const auto& basis = reading.estimate_basis;
    if (!basis.empty() && std::find(record.estimate_basis.begin(), record.estimate_basis.end(), basis) ==
                              record.estimate_basis.end())
      record.estimate_basis.push_back(basis);
  }
  record.net_j = window.net_j();
  record.idle_subtracted = record.net_j.has_value();
  record.duration_s = window.duration_s;
  record.gross_j = window.gross_j();
  record.counter_updates = fewest_counter_updates(window);
  record.resolution_s = window.resolution_s();
  record.resolution_j = window.resolution_j();
  record.shared = window.shared;
  return record;
}

EnergyRecord energy_record(std::string name, std::string unit, const PerSampleEnergy& energy) {
  if (energy.windows.empty()) {
    throw InputError(fmt::format("energy record '{}' has no measured window", name));
  }
  // The window whose per-unit energy is the median stands for all of them.
  std::vector<double> per_window;
  for (const auto& window : energy.windows) per_window.push_back(window.gross_j());
  const double middle_j = median(per_window);
  const auto middle = std::min_element(per_window.begin(), per_window.end(), [&](double a, double b) {
    return std::abs(a - middle_j) < std::abs(b - middle_j);
  });
  EnergyRecord record =
      energy_record(std::move(name), energy.windows[static_cast<std::size_t>(middle - per_window.begin())]);
  record.windows = static_cast<int>(energy.windows.size());
  record.unit = std::move(unit);
  record.units_per_window = energy.samples_per_window;
  record.j_per_unit = energy.median_j;
  record.idle_subtracted = energy.idle_subtracted;
  if (record.windows > 1) record.spread = EnergySpread{energy.min_j, energy.max_j, energy.mad_j};
  for (const auto& window : energy.windows) {
    record.counter_updates = std::min(record.counter_updates, fewest_counter_updates(window));
    record.shared = record.shared || window.shared;
  }
  return record;
}

namespace {

template <typename T>
void add_distinct(std::vector<T>& into, const std::vector<T>& from) {
  for (const T& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

}  // namespace

EnergyRecord record_of_windows(std::string name, std::span<const EnergyRecord> windows) {
  if (windows.empty()) throw InputError(fmt::format("energy record '{}' has no measured window", name));
  EnergyRecord sum;
  sum.name = std::move(name);
  sum.idle_subtracted = true;
  sum.net_j = 0.0;
  double attributed_j = 0.0;
  for (const EnergyRecord& window : windows) {
    if (!window.unit.empty() || window.windows != 1) {
      throw InputError(fmt::format("energy record '{}' repeats counted work ({} windows of {}s): its "
                                   "windows are not summed into '{}'",
                                   window.name, window.windows, window.unit, sum.name));
    }
    add_distinct(sum.sources, window.sources);
    add_distinct(sum.devices, window.devices);
    add_distinct(sum.estimate_basis, window.estimate_basis);
    sum.shared = sum.shared || window.shared;
    sum.duration_s += window.duration_s;
    sum.gross_j += window.gross_j;
    attributed_j += window.attributed_j(false);
    if (window.idle_subtracted && window.net_j && sum.net_j) {
      *sum.net_j += *window.net_j;
    } else {
      sum.net_j.reset();
      sum.idle_subtracted = false;
    }
    sum.counter_updates += window.counter_updates;
    sum.resolution_s = std::max(sum.resolution_s, window.resolution_s);
    sum.resolution_j += window.resolution_j;
  }
  sum.attributed_fraction = sum.gross_j > 0.0 ? attributed_j / sum.gross_j : 1.0;
  return sum;
}

nlohmann::json to_json(const EnergyRecord& record) {
  std::vector<std::string> sources;
  for (const auto source : record.sources) sources.emplace_back(to_string(source));
  nlohmann::json json = {{"sources", sources},
                         {"devices", record.devices},
                         {"estimate", record.is_estimate()},
                         {"idle_subtracted", record.idle_subtracted},
                         {"shared", record.shared},
                         {"attributed_fraction", record.attributed_fraction},
                         {"windows", record.windows},
                         {"duration_s", record.duration_s},
                         {"gross_j", record.gross_j},
                         {"net_j", optional_number(record.net_j)},
                         {"counter_updates", record.counter_updates},
                         {"resolution_s", record.resolution_s},
                         {"resolution_j", record.resolution_j},
                         {"resolved", record.resolved()},
                         {"flags", record.flags()}};
  if (!record.unit.empty()) {
    json["unit"] = record.unit;
    json["units_per_window"] = record.units_per_window;
    json["j_per_unit"] = optional_number(record.j_per_unit);
  }
  if (!record.estimate_basis.empty()) json["estimate_basis"] = record.estimate_basis;
  if (record.spread) {
    json["spread"] = {{"min_j", record.spread->min_j},
                      {"max_j", record.spread->max_j},
                      {"mad_j", record.spread->mad_j}};
  }
  return json;
}

EnergyRecord energy_record_from_json(std::string name, const nlohmann::json& json) {
  const FieldReader field{name, json};
  if (!json.is_object()) {
    throw InputError(fmt::format("energy record '{}' must be a JSON object, got {}", name,
                                 json.dump().substr(0, 80)));
  }
  EnergyRecord record;
  for (const auto& source : field.strings("sources")) record.sources.push_back(parse_energy_source(source));
  record.devices = field.strings("devices");
  if (json.contains("estimate_basis")) record.estimate_basis = field.strings("estimate_basis");
  record.idle_subtracted = field.flag("idle_subtracted");
  record.shared = field.flag("shared");
  record.attributed_fraction = field.optional("attributed_fraction").value_or(1.0);
  if (!(record.attributed_fraction > 0.0 && record.attributed_fraction <= 1.0)) {
    field.fail("attributed_fraction", "must be in (0, 1]");
  }
  record.windows = static_cast<int>(field.number("windows"));
  if (record.windows < 1) field.fail("windows", "must be at least 1");
  record.duration_s = field.number("duration_s");
  record.gross_j = field.number("gross_j");
  record.net_j = field.optional("net_j");
  record.counter_updates = static_cast<std::int64_t>(field.number("counter_updates"));
  record.resolution_s = field.number("resolution_s");
  record.resolution_j = field.number("resolution_j");
  if (const auto unit = json.find("unit"); unit != json.end()) {
    if (!unit->is_string()) field.fail("unit", "must be a string such as \"sample\"");
    record.unit = unit->get<std::string>();
    record.units_per_window = static_cast<std::size_t>(field.number("units_per_window"));
    record.j_per_unit = field.optional("j_per_unit");
  }
  if (const auto spread = json.find("spread"); spread != json.end() && !spread->is_null()) {
    const FieldReader spread_field{name, *spread};
    record.spread = EnergySpread{spread_field.number("min_j"), spread_field.number("max_j"),
                                 spread_field.number("mad_j")};
  }
  record.name = std::move(name);
  return record;
}

std::vector<std::string> flag_labels(const std::vector<EnergyRecord>& records) {
  std::vector<std::string> labels;
  for (const auto& record : records) {
    if (record.name == kTrialRecord || record.name == kTunerRecord) continue;
    for (const auto& flag : record.flags()) labels.push_back(record.name + ": " + flag_label(flag));
  }
  return labels;
}

void write_energy_records(nlohmann::json& user_attrs, const std::vector<EnergyRecord>& records) {
  auto& table = user_attrs[kEnergyRecordsAttr];
  if (!table.is_object()) table = nlohmann::json::object();
  for (const auto& record : records) table[record.name] = to_json(record);
}

namespace {

// user_attrs["energy"]; null when absent.
const nlohmann::json* records_table(const nlohmann::json& user_attrs) {
  const auto table = user_attrs.find(kEnergyRecordsAttr);
  if (table == user_attrs.end()) return nullptr;
  if (!table->is_object()) {
    throw InputError(fmt::format("user attribute '{}' must be an object of energy records by name",
                                 kEnergyRecordsAttr));
  }
  return &*table;
}

}  // namespace

std::vector<EnergyRecord> energy_records(const nlohmann::json& user_attrs) {
  const nlohmann::json* table = records_table(user_attrs);
  if (!table) return {};
  std::vector<EnergyRecord> records;
  for (const auto& [name, json] : table->items()) records.push_back(energy_record_from_json(name, json));
  return records;
}

nlohmann::json with_normalised_energy(const nlohmann::json& user_attrs) {
  if (!records_table(user_attrs)) return user_attrs;
  nlohmann::json normalised = user_attrs;
  normalised.erase(kEnergyRecordsAttr);
  write_energy_records(normalised, energy_records(user_attrs));
  return normalised;
}

std::optional<EnergyRecord> find_energy_record(const nlohmann::json& user_attrs,
                                               std::string_view name) {
  const nlohmann::json* table = records_table(user_attrs);
  if (!table) return std::nullopt;
  const auto record = table->find(name);  // only this one is read
  if (record == table->end()) return std::nullopt;
  return energy_record_from_json(std::string(name), *record);
}

}  // namespace ecopt
