#pragma once
// The search space: typed parameters, conditions, and the unit-cube
// encoding every sampler works in.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"

namespace ecopt {

struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  std::optional<double> step;  // grid low, low+step, ...; not with log
};

struct IntDistribution {
  std::int64_t low = 0;
  std::int64_t high = 1;
  bool log = false;
  std::int64_t step = 1;  // must be 1 with log (as in Optuna)
};

// Unordered choices: samplers must not assume neighbours are similar.
struct CategoricalDistribution {
  std::vector<ParamValue> choices;
};

// Ordered choices (kernel size 1, 3, 5, ...): encoded by rank, so
// neighbouring choices are close in the unit cube.
struct OrdinalDistribution {
  std::vector<ParamValue> choices;
};

struct FixedDistribution {
  ParamValue value;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution,
                                  OrdinalDistribution, FixedDistribution>;

// The parameter is active only when `parent` took one of `values`.
struct Condition {
  std::string parent;
  std::vector<ParamValue> values;
};

struct Parameter {
  std::string name;
  Distribution distribution;
  std::optional<Condition> condition;
};

class SearchSpace {
 public:
  SearchSpace() = default;
  // Validates every distribution and condition (parents must come first);
  // throws InputError naming the parameter and the fix.
  explicit SearchSpace(std::vector<Parameter> parameters);

  const std::vector<Parameter>& parameters() const { return parameters_; }
  const Parameter* find(const std::string& name) const;

  // Parameters that are not fixed: one unit-cube coordinate each, in order.
  std::size_t dimensions() const { return tunable_.size(); }
  const Parameter& dimension(std::size_t index) const;

  // Maps u in [0,1]^d to values; inactive conditional parameters are left
  // out, fixed ones are included.
  ParamMap decode(const std::vector<double>& unit) const;
  // Maps values back into [0,1]^d (the centre of a value's cell for
  // discrete parameters); inactive parameters encode as 0.5.
  std::vector<double> encode(const ParamMap& params) const;
  // Whether a parameter's condition holds for these values.
  bool is_active(const Parameter& parameter, const ParamMap& params) const;
  // Throws InputError when params miss an active parameter, hold an
  // unknown one, or hold a value outside its distribution.
  void check(const ParamMap& params) const;

 private:
  std::vector<Parameter> parameters_;
  std::vector<std::size_t> tunable_;
};

// Optuna's distribution JSON ({"x": {"name": "FloatDistribution",
// "attributes": {...}}, ...}), extended with OrdinalDistribution,
// FixedDistribution and an optional "condition": {"parent": "p",
// "values": [...]}. Key order is kept.
SearchSpace search_space_from_json(const nlohmann::json& json);
nlohmann::json to_json(const SearchSpace& space);

}  // namespace ecopt
