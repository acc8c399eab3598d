#include "ecopt/core/param.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/format.hpp"

namespace ecopt {

nlohmann::json to_json(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

nlohmann::json to_json(const ParamMap& params) {
  auto object = nlohmann::json::object();
  for (const auto& [name, value] : params) object[name] = to_json(value);
  return object;
}

ParamValue param_value_from_json(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return value.get<std::int64_t>();
    case nlohmann::json::value_t::number_float:
      return value.get<double>();
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    default:
      throw InputError(fmt::format(
          "parameter value {} is not supported; use a number, a string or true/false",
          value.dump()));
  }
}

ParamMap param_map_from_json(const nlohmann::json& object) {
  if (!object.is_object()) {
    throw InputError(fmt::format("parameters must be a JSON object, got {}", object.dump()));
  }
  ParamMap params;
  for (const auto& [name, value] : object.items()) params[name] = param_value_from_json(value);
  return params;
}

double as_double(const ParamValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  throw InputError(fmt::format("expected a number, got \"{}\"", std::get<std::string>(value)));
}

std::int64_t as_int(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  const double d = as_double(value);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double limit = 9223372036854775808.0;
  if (std::floor(d) != d || d >= limit || d < -limit) {
    throw InputError(fmt::format("expected an integer, got {}", to_string(value)));
  }
  return static_cast<std::int64_t>(d);
}

std::string to_string(const ParamValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return to_json(value).dump();
}

std::string format_param(const ParamValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return format_number(*number);
  return to_string(value);
}

}  // namespace ecopt
