#include "ecopt/core/stated_noise.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/error.hpp"

namespace ecopt {

std::vector<std::optional<double>> stated_standard_errors(const StudySpec& spec, const nlohmann::json& user_attrs) {
  std::vector<std::optional<double>> errors(spec.objectives.size());
  if (!user_attrs.is_object() || !user_attrs.contains(kStatedStderrAttr)) return errors;
  const nlohmann::json& stated = user_attrs.at(kStatedStderrAttr);
  if (!stated.is_object()) {
    throw InputError(fmt::format("user attribute '{}' must be an object of standard errors by objective name, "
                                 "e.g. {{\"{}\": 0.01}}, got {}",
                                 kStatedStderrAttr, spec.objectives.front().name, stated.dump()));
  }
  for (const auto& [name, value] : stated.items()) {
    const auto objective = std::find_if(spec.objectives.begin(), spec.objectives.end(),
                                        [&](const Objective& o) { return o.name == name; });
    if (objective == spec.objectives.end()) {
      throw InputError(fmt::format("user attribute '{}' names '{}', which is not an objective of study '{}' ({})",
                                   kStatedStderrAttr, name, spec.name, describe_objectives(spec)));
    }
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0.0) {
      throw InputError(fmt::format("user attribute '{}' for '{}' must be a finite standard error >= 0, got {}",
                                   kStatedStderrAttr, name, value.dump()));
    }
    errors[static_cast<std::size_t>(objective - spec.objectives.begin())] = value.get<double>();
  }
  return errors;
}

}  // namespace ecopt
