// Energy readings, windows and their JSON form.
#include "ecopt/energy/reading.hpp"

#include <algorithm>

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

bool is_estimate(EnergySource source) { return source == EnergySource::EstimateCpuTime; }

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

std::string WindowResult::source_summary() const {
  std::vector<std::string> sources;
  for (const auto& reading : readings) sources.emplace_back(to_string(reading.source));
  const auto unique = distinct(std::move(sources));
  if (unique.empty()) return "none";
  if (unique.size() == 1) return unique.front();
  return "mixed: " + join(unique, "+");
}

std::string WindowResult::device_summary() const {
  std::vector<std::string> devices;
  for (const auto& reading : readings) devices.push_back(reading.device);
  return join(distinct(std::move(devices)), ", ");
}

nlohmann::json to_json(const EnergyReading& reading) {
  nlohmann::json json = {{"device", reading.device},
                         {"domain", reading.domain},
                         {"source", to_string(reading.source)},
                         {"estimate", is_estimate(reading.source)},
                         {"gross_j", reading.gross_j},
                         {"counter_updates", reading.counter_updates}};
  json["idle_w"] = reading.idle_w ? nlohmann::json(*reading.idle_w) : nlohmann::json(nullptr);
  json["net_j"] = reading.net_j ? nlohmann::json(*reading.net_j) : nlohmann::json(nullptr);
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
