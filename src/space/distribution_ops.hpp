#pragma once
// Per-distribution rules shared by SearchSpace and its JSON reader:
// validation, membership, and the mapping to and from one unit coordinate.
#include <string>
#include <vector>

#include "ecopt/space/search_space.hpp"

namespace ecopt::space_detail {

// Throws InputError naming `name` when the distribution is unusable; lowers
// a high that the step does not reach and records a warning, as Optuna does.
void validate(const std::string& name, Distribution& distribution,
              std::vector<std::string>& warnings);

// Equality of parameter values, numbers compared across int and float.
bool same_value(const ParamValue& a, const ParamValue& b);

// "a float in [0, 1]", "one of adam, sgd", ...: the fix in error messages.
std::string describe(const Distribution& distribution);

// u in [0,1] -> value, and back (the cell centre for discrete values).
// Fixed distributions have no coordinate and must not be passed.
ParamValue decode_coordinate(const Distribution& distribution, double u);
double encode_coordinate(const Distribution& distribution, const ParamValue& value);

}  // namespace ecopt::space_detail
