#pragma once
// The standard errors a user states for a trial's objective values
// (user attribute kStatedStderrAttr, "ecopt_stderr": {objective name:
// value in the objective's units}). mobo takes each as that value's known
// noise; a value without one keeps the noise the models fit.
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"

namespace ecopt {

// One entry per objective of spec, nullopt where none is stated. InputError
// when the attribute is not an object of finite, non-negative numbers keyed
// by the spec's objective names (Study::tell checks before storing).
std::vector<std::optional<double>> stated_standard_errors(const StudySpec& spec, const nlohmann::json& user_attrs);

}  // namespace ecopt
