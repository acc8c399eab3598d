#include "json_config.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/suggest.hpp"

namespace ecopt::detail {
namespace {

const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

}  // namespace

JsonConfig::JsonConfig(const nlohmann::json& json, std::string where)
    : json_(json.is_null() ? empty_object() : json), where_(std::move(where)) {
  if (!json_.is_object()) {
    throw InputError(fmt::format("{} must be a table of settings, got {}", where_, json_.dump()));
  }
}

void JsonConfig::reject_unknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : json_.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::vector<std::string> names(known.begin(), known.end());
    throw InputError(fmt::format("unknown setting {}{}; known settings: {}", where(key),
                                 did_you_mean(key, names), fmt::join(names, ", ")));
  }
}

bool JsonConfig::has(const std::string& key) const {
  return json_.contains(key) && !json_.at(key).is_null();
}

const nlohmann::json& JsonConfig::raw(const std::string& key) const {
  return has(key) ? json_.at(key) : empty_object();
}

std::string JsonConfig::where(const std::string& key) const { return where_ + "." + key; }

std::int64_t JsonConfig::integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
  if (!has(key)) return fallback;
  const auto& value = json_.at(key);
  if (!value.is_number_integer() || value.get<std::int64_t>() < min ||
      value.get<std::int64_t>() > max) {
    throw InputError(fmt::format("{} must be an integer in [{}, {}], got {}", where(key), min,
                                 max, value.dump()));
  }
  return value.get<std::int64_t>();
}

double JsonConfig::number(const std::string& key, double fallback, double min,
                          double max) const {
  if (!has(key)) return fallback;
  const auto& value = json_.at(key);
  if (!value.is_number() || !(value.get<double>() >= min && value.get<double>() <= max)) {
    throw InputError(fmt::format("{} must be a number in [{}, {}], got {}", where(key), min, max,
                                 value.dump()));
  }
  return value.get<double>();
}

bool JsonConfig::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& value = json_.at(key);
  if (!value.is_boolean()) {
    throw InputError(fmt::format("{} must be true or false, got {}", where(key), value.dump()));
  }
  return value.get<bool>();
}

std::string JsonConfig::text(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& value = json_.at(key);
  if (!value.is_string()) {
    throw InputError(fmt::format("{} must be a string, got {}", where(key), value.dump()));
  }
  return value.get<std::string>();
}

JsonConfig JsonConfig::table(const std::string& key) const { return {raw(key), where(key)}; }

}  // namespace ecopt::detail
