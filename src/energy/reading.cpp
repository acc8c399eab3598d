// Energy readings, windows and their JSON form.
#include "ecopt/energy/reading.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {

std::string_view to_string(EnergySource source) {
  switch (source) {
    case EnergySource::NvmlEnergyCounter:
      return "nvml-energy-counter";
    case EnergySource::NvmlPowerIntegration:
      return "nvml-power-integration";
    case EnergySource::RaplPowercap:
      return "rapl-powercap";
    case EnergySource::RaplPerf:
      return "rapl-perf";
    case EnergySource::EstimateCpuTime:
      return "estimate-cpu-time";
  }
  return "unknown";
}

EnergySource parse_energy_source(std::string_view text) {
  for (auto source : {EnergySource::NvmlEnergyCounter, EnergySource::NvmlPowerIntegration,
                      EnergySource::RaplPowercap, EnergySource::RaplPerf,
                      EnergySource::EstimateCpuTime}) {
    if (to_string(source) == text) return source;
  }
  throw InputError(fmt::format(
      "unknown energy source '{}'; use nvml-energy-counter, nvml-power-integration, "
      "rapl-powercap, rapl-perf or estimate-cpu-time",
      text));
}

bool is_estimate(EnergySource source) { return source == EnergySource::EstimateCpuTime; }

bool is_machine_wide(EnergySource source) {
  return source == EnergySource::RaplPowercap || source == EnergySource::RaplPerf;
}

double WindowResult::gross_j() const {
  double total = 0.0;
  for (const auto& reading : readings) total += reading.gross_j;
  return total;
}

std::optional<double> WindowResult::net_j() const {
  if (readings.empty()) return std::nullopt;
  double total = 0.0;
  for (const auto& reading : readings) {
    if (!reading.net_j) return std::nullopt;
    total += *reading.net_j;
  }
  return total;
}

bool WindowResult::is_estimate() const {
  return std::any_of(readings.begin(), readings.end(),
                     [](const EnergyReading& r) { return ecopt::is_estimate(r.source); });
}

namespace {

// Distinct values in first-seen order.
std::vector<std::string> distinct(std::vector<std::string> values) {
  std::vector<std::string> seen;
  for (auto& value : values)
    if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(std::move(value));
  return seen;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += separator;
    joined += part;
  }
  return joined;
}

}  // namespace

std::string describe_sources(const std::vector<EnergySource>& sources) {
  std::vector<std::string> names;
  for (const auto source : sources) names.emplace_back(to_string(source));
  const auto unique = distinct(std::move(names));
  if (unique.empty()) return "none";
  if (unique.size() == 1) return unique.front();
  return "mixed: " + join(unique, "+");
}

std::vector<EnergySource> WindowResult::sources() const {
  std::vector<EnergySource> unique;
  for (const auto& reading : readings) {
    if (std::find(unique.begin(), unique.end(), reading.source) == unique.end())
      unique.push_back(reading.source);
  }
  return unique;
}

std::vector<std::string> WindowResult::devices() const {
  std::vector<std::string> all;
  for (const auto& reading : readings) all.push_back(reading.device);
  return distinct(std::move(all));
}

double WindowResult::resolution_s() const {
  double coarsest = 0.0;
  for (const auto& reading : readings) coarsest = std::max(coarsest, reading.resolution_s);
  return coarsest;
}

double WindowResult::resolution_j() const {
  double total = 0.0;
  for (const auto& reading : readings) total += reading.resolution_j;
  return total;
}

std::string WindowResult::source_summary() const { return describe_sources(sources()); }

std::string WindowResult::device_summary() const { return join(devices(), ", "); }

nlohmann::json to_json(const EnergyReading& reading) {
  nlohmann::json json = {{"device", reading.device},
                         {"domain", reading.domain},
                         {"source", to_string(reading.source)},
                         {"estimate", is_estimate(reading.source)},
                         {"gross_j", reading.gross_j},
                         {"counter_updates", reading.counter_updates},
                         {"resolution_s", reading.resolution_s},
                         {"resolution_j", reading.resolution_j}};
  json["idle_w"] = reading.idle_w ? nlohmann::json(*reading.idle_w) : nlohmann::json(nullptr);
  json["net_j"] = reading.net_j ? nlohmann::json(*reading.net_j) : nlohmann::json(nullptr);
  if (!reading.estimate_basis.empty()) json["estimate_basis"] = reading.estimate_basis;
  return json;
}

nlohmann::json to_json(const WindowResult& window) {
  nlohmann::json readings = nlohmann::json::array();
  for (const auto& reading : window.readings) readings.push_back(to_json(reading));
  const auto net = window.net_j();
  return {{"name", window.name},
          {"duration_s", window.duration_s},
          {"gross_j", window.gross_j()},
          {"net_j", net ? nlohmann::json(*net) : nlohmann::json(nullptr)},
          {"idle_subtracted", net.has_value()},
          {"estimate", window.is_estimate()},
          {"source", window.source_summary()},
          {"devices", window.device_summary()},
          {"readings", readings}};
}

}  // namespace ecopt
