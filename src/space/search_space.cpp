#include "ecopt/space/search_space.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "distribution_ops.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/suggest.hpp"

namespace ecopt {
namespace {

using space_detail::describe;
using space_detail::same_value;

bool is_fixed(const Parameter& parameter) {
  return std::holds_alternative<FixedDistribution>(parameter.distribution);
}

std::string values_text(const std::vector<ParamValue>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : ", ") + to_string(value);
  return text;
}

void check_unique_name(const std::vector<Parameter>& declared, const Parameter& parameter) {
  if (parameter.name.empty()) {
    throw InputError("a parameter has an empty name; give every parameter a name");
  }
  if (parameter.name.find('\0') != std::string::npos) {
    throw InputError(fmt::format("parameter '{}': its name holds a NUL byte; remove it",
                                 printable(parameter.name)));
  }
  const auto same_name = [&](const Parameter& p) { return p.name == parameter.name; };
  if (std::any_of(declared.begin(), declared.end(), same_name)) {
    throw InputError(fmt::format("parameter '{}' is declared twice; rename or remove one",
                                 parameter.name));
  }
}

// `declared` holds the parameters before this one; `all` every parameter,
// so that a parent declared too late gets its own message.
void check_condition(const std::vector<Parameter>& declared, const std::vector<Parameter>& all,
                     const Parameter& parameter) {
  const Condition& condition = *parameter.condition;
  if (condition.parent == parameter.name) {
    throw InputError(fmt::format(
        "parameter '{}': its condition names itself as parent; use another parameter",
        parameter.name));
  }
  const auto named = [&](const Parameter& p) { return p.name == condition.parent; };
  const auto parent = std::find_if(declared.begin(), declared.end(), named);
  if (parent == declared.end()) {
    const bool declared_later = std::any_of(all.begin(), all.end(), named);
    throw InputError(
        declared_later
            ? fmt::format("parameter '{}': its condition's parent '{}' is declared after it; "
                          "declare '{}' first",
                          parameter.name, condition.parent, condition.parent)
            : fmt::format("parameter '{}': its condition names an unknown parent '{}'; use a "
                          "parameter declared before it",
                          parameter.name, condition.parent));
  }
  if (condition.values.empty()) {
    throw InputError(fmt::format(
        "parameter '{}': its condition on '{}' lists no values; give at least one",
        parameter.name, condition.parent));
  }
  for (const auto& value : condition.values) {
    if (!contains(parent->distribution, value)) {
      throw InputError(fmt::format(
          "parameter '{}': condition value {} is not a value of '{}'; use {}", parameter.name,
          to_string(value), condition.parent, describe(parent->distribution)));
    }
  }
}

}  // namespace

SearchSpace::SearchSpace(std::vector<Parameter> parameters) {
  for (auto& parameter : parameters) {
    check_unique_name(parameters_, parameter);
    space_detail::validate(parameter.name, parameter.distribution, warnings_);
    if (parameter.condition) check_condition(parameters_, parameters, parameter);
    if (!is_fixed(parameter)) tunable_.push_back(parameters_.size());
    parameters_.push_back(std::move(parameter));
  }
}

const Parameter* SearchSpace::find(const std::string& name) const {
  const auto found = std::find_if(parameters_.begin(), parameters_.end(),
                                  [&](const Parameter& p) { return p.name == name; });
  return found == parameters_.end() ? nullptr : &*found;
}

const Parameter& SearchSpace::dimension(std::size_t index) const {
  if (index >= tunable_.size()) {
    throw InputError(fmt::format("dimension {} is out of range; the search space has {}", index,
                                 tunable_.size()));
  }
  return parameters_[tunable_[index]];
}

bool SearchSpace::is_active(const Parameter& parameter, const ParamMap& params) const {
  if (!parameter.condition) return true;
  const Parameter* parent = find(parameter.condition->parent);
  if (parent == nullptr || !is_active(*parent, params)) return false;
  const auto value = params.find(parent->name);
  if (value == params.end()) return false;
  const auto& allowed = parameter.condition->values;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const ParamValue& v) { return same_value(v, value->second); });
}

ParamMap SearchSpace::decode(const std::vector<double>& unit) const {
  if (unit.size() != tunable_.size()) {
    throw InputError(fmt::format("a unit point has {} coordinates but the search space has {} "
                                 "dimensions; give one per non-fixed parameter",
                                 unit.size(), tunable_.size()));
  }
  ParamMap params;
  std::size_t coordinate = 0;
  for (const auto& parameter : parameters_) {
    // Every tunable parameter owns its coordinate, active or not, so that
    // a point means the same thing whatever the conditions select.
    const double u = is_fixed(parameter) ? 0.5 : unit[coordinate++];
    if (!(u >= 0.0 && u <= 1.0)) {
      throw InputError(fmt::format(
          "unit coordinate {} for parameter '{}' is {}, outside [0, 1]; fix the sampler",
          coordinate - 1, parameter.name, u));
    }
    if (is_active(parameter, params)) {
      params.emplace(parameter.name, space_detail::decode_coordinate(parameter.distribution, u));
    }
  }
  return params;
}

std::vector<double> SearchSpace::encode(const ParamMap& params) const {
  check(params);
  std::vector<double> unit;
  unit.reserve(tunable_.size());
  for (const std::size_t index : tunable_) {
    const Parameter& parameter = parameters_[index];
    const auto value = params.find(parameter.name);
    unit.push_back(value == params.end()
                       ? 0.5
                       : space_detail::encode_coordinate(parameter.distribution, value->second));
  }
  return unit;
}

void SearchSpace::check(const ParamMap& params) const {
  for (const auto& [name, value] : params) {
    if (find(name) == nullptr) {
      std::vector<std::string> known;
      for (const auto& p : parameters_) known.push_back(p.name);
      throw InputError(fmt::format("unknown parameter '{}'{}; the search space has: {}", name,
                                   did_you_mean(name, known), fmt::join(known, ", ")));
    }
  }
  for (const auto& parameter : parameters_) {
    const auto value = params.find(parameter.name);
    const bool active = is_active(parameter, params);
    if (active && value == params.end()) {
      throw InputError(fmt::format("parameter '{}' is missing; give it {}", parameter.name,
                                   describe(parameter.distribution)));
    }
    if (!active && value != params.end()) {
      throw InputError(fmt::format(
          "parameter '{}' is inactive because '{}' is not one of {}; remove it", parameter.name,
          parameter.condition->parent, values_text(parameter.condition->values)));
    }
    if (active && !contains(parameter.distribution, value->second)) {
      throw InputError(fmt::format("parameter '{}' = {} is outside its distribution; use {}",
                                   parameter.name, to_string(value->second),
                                   describe(parameter.distribution)));
    }
  }
}

namespace {

// `value`, known to be one of the distribution's, as the distribution holds it.
ParamValue canonical_value(const Distribution& distribution, const ParamValue& value) {
  if (std::holds_alternative<FloatDistribution>(distribution)) return as_double(value);
  if (std::holds_alternative<IntDistribution>(distribution)) return as_int(value);
  const std::vector<ParamValue>* choices = nullptr;
  if (const auto* categorical = std::get_if<CategoricalDistribution>(&distribution)) choices = &categorical->choices;
  if (const auto* ordinal = std::get_if<OrdinalDistribution>(&distribution)) choices = &ordinal->choices;
  if (const auto* fixed = std::get_if<FixedDistribution>(&distribution)) return fixed->value;
  return *std::find_if(choices->begin(), choices->end(),
                       [&](const ParamValue& choice) { return same_value(choice, value); });
}

}  // namespace

ParamMap SearchSpace::configuration(const ParamMap& given) const {
  ParamMap params = given;
  for (const auto& parameter : parameters_) {  // parents first: their values decide
    const auto* fixed = std::get_if<FixedDistribution>(&parameter.distribution);
    if (fixed && is_active(parameter, params)) params.try_emplace(parameter.name, fixed->value);
  }
  check(params);
  for (auto& [name, value] : params) value = canonical_value(find(name)->distribution, value);
  return params;
}

}  // namespace ecopt

namespace ecopt {
std::string describe(const Parameter& parameter) {
  std::string text = space_detail::describe(parameter.distribution);
  if (parameter.condition) {
    std::string values;
    for (const auto& value : parameter.condition->values) values += (values.empty() ? "" : ", ") + to_string(value);
    text += fmt::format(" when {} is one of {}", parameter.condition->parent, values);
  }
  return text;
}

std::string space_change(const SearchSpace& stored, const SearchSpace& given) {
  for (const auto& parameter : stored.parameters()) {
    if (!given.find(parameter.name)) return fmt::format("parameter '{}' was removed", parameter.name);
  }
  for (std::size_t i = 0; i < given.parameters().size(); ++i) {
    const Parameter& now = given.parameters()[i];
    const Parameter* was = stored.find(now.name);
    if (!was) return fmt::format("parameter '{}' was added", now.name);
    if (!(*was == now)) {
      return fmt::format("parameter '{}' was {}, now {}", now.name, describe(*was), describe(now));
    }
    if (stored.parameters()[i].name != now.name) {
      return fmt::format("parameter '{}' moved from place {} to {}", now.name,
                         std::distance(stored.parameters().data(), was) + 1, i + 1);
    }
  }
  return "";
}

}  // namespace ecopt
