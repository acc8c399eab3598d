#pragma once
// Parameter values as they travel between search space, samplers, storage
// and tasks.
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace ecopt {

// bool before int64 before double: JSON true stays a bool, 3 stays an int.
using ParamValue = std::variant<bool, std::int64_t, double, std::string>;
using ParamMap = std::map<std::string, ParamValue>;

nlohmann::json to_json(const ParamValue& value);
nlohmann::json to_json(const ParamMap& params);
// Throws InputError for null, arrays and objects.
ParamValue param_value_from_json(const nlohmann::json& value);
ParamMap param_map_from_json(const nlohmann::json& object);

// Numeric view of a value (bool → 0/1); throws InputError for strings.
double as_double(const ParamValue& value);
// Exact integer view; throws InputError for non-integral values.
std::int64_t as_int(const ParamValue& value);
std::string to_string(const ParamValue& value);

// A value in a table: a double as format_number (core/format.hpp),
// anything else as to_string.
std::string format_param(const ParamValue& value);

}  // namespace ecopt
