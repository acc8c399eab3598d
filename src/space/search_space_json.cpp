// Reading and writing search spaces as Optuna's distribution JSON (with
// ECOpt's extensions) and as the compact form of study files.
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/suggest.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/space/search_space.hpp"
#include "distribution_ops.hpp"

namespace ecopt {
namespace {

using Json = nlohmann::json;
using Entries = std::vector<std::pair<std::string, Json>>;

std::string type_name(const Json& value) {
  return value.is_number() ? "number" : value.type_name();
}

// Reads one distribution's attributes, refusing unknown names and wrong
// types with messages that name the parameter.
class AttributeReader {
 public:
  AttributeReader(std::string parameter, std::string distribution, const Json& attributes,
                  std::set<std::string> known)
      : parameter_(std::move(parameter)),
        distribution_(std::move(distribution)),
        attributes_(attributes) {
    for (const auto& [key, value] : attributes_.items()) {
      if (!known.contains(key)) {
        const std::vector<std::string> names(known.begin(), known.end());
        throw error(fmt::format("{} has no attribute '{}'{}; use {}", distribution_, key,
                                did_you_mean(key, names), fmt::join(names, ", ")));
      }
    }
  }

  double number(const std::string& key) const {
    const Json& value = required(key);
    if (!value.is_number()) throw wrong_type(key, "a number", value);
    return value.get<double>();
  }

  std::optional<double> optional_number(const std::string& key) const {
    if (absent(key)) return std::nullopt;
    return number(key);
  }

  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback = {}) const {
    if (fallback && absent(key)) return *fallback;
    const Json& value = required(key);
    if (value.is_number_integer()) return value.get<std::int64_t>();
    // Optuna writes ints as ints, but hand-written files may say 1.0.
    if (value.is_number_float()) {
      const double number = value.get<double>();
      if (std::floor(number) == number && std::fabs(number) < 9.2e18) {
        return static_cast<std::int64_t>(number);
      }
    }
    throw wrong_type(key, "a whole number", value);
  }

  bool boolean(const std::string& key, bool fallback) const {
    if (absent(key)) return fallback;
    const Json& value = attributes_.at(key);
    if (!value.is_boolean()) throw wrong_type(key, "true or false", value);
    return value.get<bool>();
  }

  // Choices, or the values of a condition; `item` names one in messages.
  std::vector<ParamValue> choices(const std::string& key, const std::string& item) const {
    const Json& value = required(key);
    if (!value.is_array()) throw wrong_type(key, "an array", value);
    std::vector<ParamValue> choices;
    for (const auto& choice : value) choices.push_back(scalar(choice, item));
    return choices;
  }

  ParamValue value(const std::string& key) const { return scalar(required(key), "'" + key + "'"); }

  InputError error(const std::string& what) const {
    return InputError(fmt::format("parameter '{}': {}", parameter_, what));
  }

 private:
  bool absent(const std::string& key) const {
    return !attributes_.contains(key) || attributes_.at(key).is_null();
  }

  const Json& required(const std::string& key) const {
    if (!attributes_.contains(key)) {
      throw error(fmt::format("{} needs the attribute '{}'", distribution_, key));
    }
    return attributes_.at(key);
  }

  InputError wrong_type(const std::string& key, const std::string& expected,
                        const Json& value) const {
    return error(fmt::format("attribute '{}' must be {}, got {} {}", key, expected,
                             type_name(value), value.dump()));
  }

  ParamValue scalar(const Json& value, const std::string& what) const {
    if (value.is_null()) {
      throw error(what + " is null; null values are not supported, use a string such as \"none\"");
    }
    if (!value.is_primitive()) {
      throw error(fmt::format("{} must be a bool, number or string, got {} {}", what,
                              type_name(value), value.dump()));
    }
    return param_value_from_json(value);
  }

  std::string parameter_;
  std::string distribution_;
  const Json& attributes_;
};

using Builder = std::function<Distribution(const AttributeReader&)>;

struct DistributionKind {
  std::set<std::string> attributes;
  Builder build;
};

Distribution read_float(const AttributeReader& in, bool log, std::optional<double> step) {
  return FloatDistribution{in.number("low"), in.number("high"), log, step};
}

Distribution read_int(const AttributeReader& in, bool log) {
  return IntDistribution{in.integer("low"), in.integer("high"), log, in.integer("step", 1)};
}

const DistributionKind kFloat{{"low", "high", "log", "step"}, [](const AttributeReader& in) {
                                return read_float(in, in.boolean("log", false),
                                                  in.optional_number("step"));
                              }};
const DistributionKind kInt{{"low", "high", "log", "step"}, [](const AttributeReader& in) {
                              return read_int(in, in.boolean("log", false));
                            }};
const DistributionKind kCategorical{{"choices"}, [](const AttributeReader& in) -> Distribution {
                                      return CategoricalDistribution{in.choices("choices", "a choice")};
                                    }};
const DistributionKind kOrdinal{{"choices"}, [](const AttributeReader& in) -> Distribution {
                                  return OrdinalDistribution{in.choices("choices", "a choice")};
                                }};
const DistributionKind kFixed{{"value"}, [](const AttributeReader& in) -> Distribution {
                                return FixedDistribution{in.value("value")};
                              }};

// Optuna's class names, the names it used before 3.0 included.
const std::vector<std::pair<std::string, DistributionKind>>& optuna_kinds() {
  static const std::vector<std::pair<std::string, DistributionKind>> kinds{
      {"FloatDistribution", kFloat},
      {"IntDistribution", kInt},
      {"CategoricalDistribution", kCategorical},
      {"OrdinalDistribution", kOrdinal},
      {"FixedDistribution", kFixed},
      {"UniformDistribution",
       {{"low", "high"}, [](const AttributeReader& in) { return read_float(in, false, {}); }}},
      {"LogUniformDistribution",
       {{"low", "high"}, [](const AttributeReader& in) { return read_float(in, true, {}); }}},
      {"DiscreteUniformDistribution",
       {{"low", "high", "q"},
        [](const AttributeReader& in) { return read_float(in, false, in.number("q")); }}},
      {"IntUniformDistribution",
       {{"low", "high", "step"}, [](const AttributeReader& in) { return read_int(in, false); }}},
      {"IntLogUniformDistribution",
       {{"low", "high", "step"}, [](const AttributeReader& in) { return read_int(in, true); }}},
  };
  return kinds;
}

const std::vector<std::pair<std::string, DistributionKind>>& compact_kinds() {
  static const std::vector<std::pair<std::string, DistributionKind>> kinds{
      {"float", kFloat}, {"int", kInt}, {"categorical", kCategorical},
      {"ordinal", kOrdinal}, {"fixed", kFixed}};
  return kinds;
}

const DistributionKind& find_kind(
    const std::string& parameter, const Json& name,
    const std::vector<std::pair<std::string, DistributionKind>>& kinds, const char* what) {
  const auto found = std::find_if(kinds.begin(), kinds.end(),
                                  [&](const auto& kind) { return name == kind.first; });
  if (found != kinds.end()) return found->second;
  std::vector<std::string> names;
  for (const auto& kind : kinds) names.push_back(kind.first);
  throw InputError(fmt::format("parameter '{}': unknown {} {}{}; use one of {}", parameter, what, name.dump(),
                               name.is_string() ? did_you_mean(name.get<std::string>(), names) : "",
                               fmt::join(names, ", ")));
}

std::optional<Condition> read_condition(const std::string& parameter, const Json& spec) {
  if (!spec.contains("condition")) return std::nullopt;
  const Json& condition = spec.at("condition");
  const bool well_formed = condition.is_object() && condition.size() == 2 &&
                           condition.contains("parent") && condition.at("parent").is_string() &&
                           condition.contains("values") && condition.at("values").is_array();
  if (!well_formed) {
    throw InputError(fmt::format(
        "parameter '{}': condition must look like {{\"parent\": \"name\", \"values\": [...]}}, "
        "got {}",
        parameter, condition.dump()));
  }
  AttributeReader values(parameter, "condition", condition, {"parent", "values"});
  return Condition{condition.at("parent").get<std::string>(), values.choices("values", "a condition value")};
}

// {"name": "FloatDistribution", "attributes": {...}, "condition": {...}}
Distribution read_optuna_form(const std::string& parameter, const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "name" && key != "attributes" && key != "condition") {
      throw InputError(fmt::format(
          "parameter '{}': unexpected key '{}'; use name, attributes and condition", parameter,
          key));
    }
  }
  const DistributionKind& kind =
      find_kind(parameter, spec.at("name"), optuna_kinds(), "distribution");
  const Json attributes = spec.value("attributes", Json::object());
  if (!attributes.is_object()) {
    throw InputError(fmt::format("parameter '{}': attributes must be an object, got {}",
                                 parameter, attributes.dump()));
  }
  return kind.build(AttributeReader(parameter, spec.at("name").get<std::string>(), attributes,
                                    kind.attributes));
}

// {"type": "int", "low": 1, "high": 128, "log": true, "condition": {...}}
Distribution read_compact_form(const std::string& parameter, const Json& spec) {
  const DistributionKind& kind = find_kind(parameter, spec.at("type"), compact_kinds(), "type");
  Json attributes = spec;
  attributes.erase("type");
  attributes.erase("condition");
  return kind.build(AttributeReader(parameter, "type " + spec.at("type").dump(), attributes,
                                    kind.attributes));
}

Parameter read_parameter(const std::string& name, const Json& spec) {
  if (!spec.is_object() || !(spec.contains("name") || spec.contains("type"))) {
    throw InputError(fmt::format(
        "parameter '{}': expected an object with \"name\" (Optuna's form) or \"type\" (compact "
        "form), got {}",
        name, spec.dump()));
  }
  Distribution distribution =
      spec.contains("name") ? read_optuna_form(name, spec) : read_compact_form(name, spec);
  return Parameter{name, std::move(distribution), read_condition(name, spec)};
}

SearchSpace build(const Entries& entries) {
  std::vector<Parameter> parameters;
  parameters.reserve(entries.size());
  for (const auto& [name, spec] : entries) parameters.push_back(read_parameter(name, spec));
  return SearchSpace(std::move(parameters));
}

void require_object(bool is_object) {
  if (!is_object) {
    throw InputError(
        "a search space must be a JSON object mapping parameter names to distributions");
  }
}

std::string parent_of(const Json& spec) {
  if (!spec.is_object() || !spec.contains("condition")) return {};
  const Json& condition = spec.at("condition");
  if (!condition.is_object() || !condition.contains("parent")) return {};
  return condition.at("parent").is_string() ? condition.at("parent").get<std::string>() : "";
}

// Keeps the given order but moves each conditional parameter after its
// parent; what cannot be placed (unknown parents, cycles) stays at the end
// for SearchSpace to report.
Entries parents_first(Entries entries) {
  Entries ordered;
  std::set<std::string> placed;
  const auto placeable = [&](const auto& entry) {
    const std::string parent = parent_of(entry.second);
    return parent.empty() || placed.contains(parent);
  };
  bool progress = true;
  while (progress && !entries.empty()) {
    progress = false;
    for (auto it = entries.begin(); it != entries.end();) {
      if (!placeable(*it)) {
        ++it;
        continue;
      }
      placed.insert(it->first);
      ordered.push_back(std::move(*it));
      it = entries.erase(it);
      progress = true;
    }
  }
  for (auto& entry : entries) ordered.push_back(std::move(entry));
  return ordered;
}

Json attributes_of(const Distribution& distribution) {
  return std::visit(
      [](const auto& d) -> Json {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, FloatDistribution>) {
          return {{"low", d.low}, {"high", d.high}, {"log", d.log},
                  {"step", d.step ? Json(*d.step) : Json(nullptr)}};
        } else if constexpr (std::is_same_v<D, IntDistribution>) {
          return {{"low", d.low}, {"high", d.high}, {"log", d.log}, {"step", d.step}};
        } else if constexpr (std::is_same_v<D, FixedDistribution>) {
          return {{"value", to_json(d.value)}};
        } else {
          Json choices = Json::array();
          for (const auto& choice : d.choices) choices.push_back(to_json(choice));
          return {{"choices", choices}};
        }
      },
      distribution);
}

// Indexed like the Distribution variant.
constexpr const char* kOptunaNames[] = {"FloatDistribution", "IntDistribution",
                                        "CategoricalDistribution", "OrdinalDistribution",
                                        "FixedDistribution"};

Json parameter_json(const Parameter& parameter) {
  Json spec{{"name", kOptunaNames[parameter.distribution.index()]},
            {"attributes", attributes_of(parameter.distribution)}};
  if (parameter.condition) {
    Json values = Json::array();
    for (const auto& value : parameter.condition->values) values.push_back(to_json(value));
    spec["condition"] = {{"parent", parameter.condition->parent}, {"values", values}};
  }
  return spec;
}

}  // namespace

SearchSpace search_space_from_json(const nlohmann::ordered_json& json) {
  require_object(json.is_object());
  Entries entries;
  for (const auto& [name, spec] : json.items()) entries.emplace_back(name, Json(spec));
  return build(entries);
}

SearchSpace search_space_from_json(const nlohmann::json& json) {
  require_object(json.is_object());
  Entries entries;
  for (const auto& [name, spec] : json.items()) entries.emplace_back(name, spec);
  return build(parents_first(std::move(entries)));
}

SearchSpace search_space_from_json_text(std::string_view text) {
  // JSON parsers keep the last of two equal keys; a parameter written twice
  // is a mistake worth reporting instead.
  std::set<std::string> names;
  const auto refuse_duplicate_names = [&](int depth, nlohmann::ordered_json::parse_event_t event,
                                          nlohmann::ordered_json& parsed) {
    if (event == nlohmann::ordered_json::parse_event_t::key && depth == 1 &&
        !names.insert(parsed.get<std::string>()).second) {
      throw InputError(fmt::format(
          "parameter '{}' is declared twice in the search space; rename or remove one",
          parsed.get<std::string>()));
    }
    return true;
  };
  return search_space_from_json(parse_json_input<nlohmann::ordered_json>(
      text, "the search space", JsonLimits{}, refuse_duplicate_names));
}

nlohmann::ordered_json to_ordered_json(const SearchSpace& space) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& parameter : space.parameters()) {
    json[parameter.name] = nlohmann::ordered_json(parameter_json(parameter));
  }
  return json;
}

nlohmann::json to_json(const SearchSpace& space) { return Json(to_ordered_json(space)); }

nlohmann::json optuna_distribution_json(const Distribution& distribution) {
  if (const auto* fixed = std::get_if<FixedDistribution>(&distribution)) {
    return optuna_distribution_json(CategoricalDistribution{{fixed->value}});
  }
  if (const auto* ordinal = std::get_if<OrdinalDistribution>(&distribution)) {
    return optuna_distribution_json(CategoricalDistribution{ordinal->choices});
  }
  return {{"name", kOptunaNames[distribution.index()]},
          {"attributes", attributes_of(distribution)}};
}

double optuna_internal_value(const Distribution& distribution, const ParamValue& value) {
  if (!contains(distribution, value)) {
    throw InputError(fmt::format("the value {} is not {}", to_string(value),
                                 space_detail::describe(distribution)));
  }
  const auto index_of = [&](const std::vector<ParamValue>& choices) {
    const auto found = std::find_if(choices.begin(), choices.end(), [&](const ParamValue& choice) {
      return space_detail::same_value(choice, value);
    });
    return static_cast<double>(found - choices.begin());
  };
  if (const auto* categorical = std::get_if<CategoricalDistribution>(&distribution)) {
    return index_of(categorical->choices);
  }
  if (const auto* ordinal = std::get_if<OrdinalDistribution>(&distribution)) {
    return index_of(ordinal->choices);
  }
  if (std::holds_alternative<FixedDistribution>(distribution)) return 0.0;
  return as_double(value);
}

}  // namespace ecopt

namespace ecopt {

std::optional<SearchSpace> declared_search_space(const StudySpec& spec) {
  if (spec.search_space.is_null()) return std::nullopt;
  return search_space_from_json(spec.search_space);
}

std::vector<std::string> parameter_names(const StudySpec& spec, const std::vector<Trial>& trials) {
  std::set<std::string> held;
  for (const auto& trial : trials) {
    for (const auto& [name, value] : trial.params) held.insert(name);
  }
  std::vector<std::string> names;
  if (const auto space = declared_search_space(spec)) {
    for (const auto& parameter : space->parameters()) {
      if (held.erase(parameter.name)) names.push_back(parameter.name);
    }
  }
  names.insert(names.end(), held.begin(), held.end());
  return names;
}

}  // namespace ecopt
