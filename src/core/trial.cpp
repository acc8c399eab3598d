#include "ecopt/core/trial.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {

std::string_view to_string(TrialState state) {
  switch (state) {
    case TrialState::Running: return "RUNNING";
    case TrialState::Complete: return "COMPLETE";
    case TrialState::Failed: return "FAIL";
    case TrialState::Pruned: return "PRUNED";
  }
  return "UNKNOWN";
}

TrialState parse_trial_state(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "running") return TrialState::Running;
  if (lower == "complete") return TrialState::Complete;
  if (lower == "fail" || lower == "failed") return TrialState::Failed;
  if (lower == "pruned") return TrialState::Pruned;
  throw InputError(
      fmt::format("unknown trial state '{}'; use complete, fail or pruned", text));
}

bool is_finished(TrialState state) { return state != TrialState::Running; }

std::optional<double> Trial::metric(std::string_view key) const {
  const auto it = user_attrs.find(std::string(key));
  if (it == user_attrs.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string format_time(TimePoint time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     ms.count() % 1000);
}

TimePoint parse_time(std::string_view text) {
  std::tm utc{};
  int millis = 0;
  const std::string copy(text);
  const int fields = std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year,
                                 &utc.tm_mon, &utc.tm_mday, &utc.tm_hour, &utc.tm_min,
                                 &utc.tm_sec, &millis);
  if (fields < 6) {
    throw InputError(fmt::format("malformed time '{}'; expected YYYY-MM-DDTHH:MM:SS.mmmZ", text));
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return Clock::from_time_t(timegm(&utc)) + std::chrono::milliseconds(millis);
}

namespace {

nlohmann::json optional_time(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_time(*time)) : nlohmann::json(nullptr);
}

std::optional<TimePoint> read_optional_time(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || json[key].is_null()) return std::nullopt;
  return parse_time(json[key].get<std::string>());
}

}  // namespace

nlohmann::json to_json(const Trial& trial) {
  return {{"id", trial.id},
          {"number", trial.number},
          {"state", to_string(trial.state)},
          {"params", to_json(trial.params)},
          {"values", trial.values},
          {"user_attrs", trial.user_attrs},
          {"system_attrs", trial.system_attrs},
          {"fail_reason", trial.fail_reason ? nlohmann::json(*trial.fail_reason) : nullptr},
          {"datetime_start", format_time(trial.started_at)},
          {"datetime_complete", optional_time(trial.finished_at)},
          {"heartbeat", optional_time(trial.heartbeat_at)},
          {"intermediate", intermediate_to_json(trial.intermediate)}};
}

nlohmann::json intermediate_to_json(const std::map<std::int64_t, nlohmann::json>& curve) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [step, values] : curve) json[std::to_string(step)] = values;
  return json;
}

std::map<std::int64_t, nlohmann::json> intermediate_from_json(const nlohmann::json& json) {
  std::map<std::int64_t, nlohmann::json> curve;
  if (json.is_null()) return curve;
  for (const auto& [step, values] : json.items()) {
    std::int64_t number = -1;
    const auto [end, error] = std::from_chars(step.data(), step.data() + step.size(), number);
    if (error != std::errc() || end != step.data() + step.size() || number < 0 ||
        !values.is_object()) {
      throw InputError(fmt::format("malformed intermediate values at step '{}'", step));
    }
    curve.emplace(number, values);
  }
  return curve;
}

Trial trial_from_json(const nlohmann::json& json) {
  try {
    Trial trial;
    trial.id = json.value("id", std::int64_t{-1});
    trial.number = json.at("number").get<std::int64_t>();
    trial.state = parse_trial_state(json.at("state").get<std::string>());
    trial.params = param_map_from_json(json.value("params", nlohmann::json::object()));
    trial.values = json.value("values", std::vector<double>{});
    trial.user_attrs = json.value("user_attrs", nlohmann::json::object());
    trial.system_attrs = json.value("system_attrs", nlohmann::json::object());
    if (json.contains("fail_reason") && !json["fail_reason"].is_null()) {
      trial.fail_reason = json["fail_reason"].get<std::string>();
    }
    trial.started_at = parse_time(json.at("datetime_start").get<std::string>());
    trial.finished_at = read_optional_time(json, "datetime_complete");
    trial.heartbeat_at = read_optional_time(json, "heartbeat");
    trial.intermediate = intermediate_from_json(json.value("intermediate", nlohmann::json()));
    return trial;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("malformed trial record: {}", e.what()));
  }
}

}  // namespace ecopt
