#pragma once
// The search space: typed parameters, conditions, and the unit-cube
// encoding every sampler works in.
//
// Unit-cube encoding (one coordinate per non-fixed parameter, in order):
// - float, linear: u -> low + u (high - low); log: the same in log space.
//   encode() is the exact inverse (up to rounding).
// - float with step, and int (linear): the n = (high - low) / step + 1 grid
//   values each own an equal cell of [0,1]: u -> low + min(floor(u n), n-1) step.
// - int, log: the cells are equal in log space of [low - 0.5, high + 0.5],
//   so integer k owns log((k + 0.5) / (k - 0.5)) of the log range: small
//   values get more of the cube than large ones, as a log scale should.
// - categorical and ordinal: k choices, k equal cells, in the listed order.
// encode() gives the centre of a discrete value's cell, so
// decode(encode(p)) == p for every valid p. Inactive conditional
// parameters are left out of decode()'s output and encode as 0.5.
//
// Like Optuna, a step that does not divide (high - low) moves high down to
// the last grid value; the space keeps a warning saying so (warnings()).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"
#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  std::optional<double> step;  // grid low, low+step, ...; not with log

  friend bool operator==(const FloatDistribution&, const FloatDistribution&) = default;
};

struct IntDistribution {
  std::int64_t low = 0;
  std::int64_t high = 1;
  bool log = false;
  std::int64_t step = 1;  // must be 1 with log (as in Optuna)

  friend bool operator==(const IntDistribution&, const IntDistribution&) = default;
};

// Unordered choices: samplers must not assume neighbours are similar.
struct CategoricalDistribution {
  std::vector<ParamValue> choices;

  friend bool operator==(const CategoricalDistribution&, const CategoricalDistribution&) = default;
};

// Ordered choices (kernel size 1, 3, 5, ...): encoded by rank, so
// neighbouring choices are close in the unit cube.
struct OrdinalDistribution {
  std::vector<ParamValue> choices;

  friend bool operator==(const OrdinalDistribution&, const OrdinalDistribution&) = default;
};

struct FixedDistribution {
  ParamValue value;

  friend bool operator==(const FixedDistribution&, const FixedDistribution&) = default;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution,
                                  OrdinalDistribution, FixedDistribution>;

// The parameter is active only when `parent` took one of `values`.
struct Condition {
  std::string parent;
  std::vector<ParamValue> values;

  friend bool operator==(const Condition&, const Condition&) = default;
};

struct Parameter {
  std::string name;
  Distribution distribution;
  std::optional<Condition> condition;

  friend bool operator==(const Parameter&, const Parameter&) = default;
};

// Whether `value` is one of the distribution's values (on its grid, among
// its choices). Numbers compare by value across int and float (1 == 1.0);
// bools and strings only match themselves.
bool contains(const Distribution& distribution, const ParamValue& value);
// Number of unit-cube cells: the grid size for discrete distributions,
// 0 for continuous floats, 1 for fixed values.
std::size_t cardinality(const Distribution& distribution);

class SearchSpace {
 public:
  SearchSpace() = default;
  // Validates every distribution and condition (parents must come first);
  // throws InputError naming the parameter and the fix. A step that does
  // not divide (high - low) lowers high, with a warning in warnings().
  explicit SearchSpace(std::vector<Parameter> parameters);

  const std::vector<Parameter>& parameters() const { return parameters_; }
  const Parameter* find(const std::string& name) const;

  // Parameters that are not fixed: one unit-cube coordinate each, in order.
  std::size_t dimensions() const { return tunable_.size(); }
  const Parameter& dimension(std::size_t index) const;

  // Maps u in [0,1]^d to values; inactive conditional parameters are left
  // out, fixed ones are included. Throws InputError on a wrong size.
  ParamMap decode(const std::vector<double>& unit) const;
  // Maps values back into [0,1]^d (the centre of a value's cell for
  // discrete parameters); inactive parameters encode as 0.5. Throws
  // InputError as check() does.
  std::vector<double> encode(const ParamMap& params) const;
  // Whether a parameter's condition holds for these values (its parent,
  // and the parent's own parents, are active and took a listed value).
  bool is_active(const Parameter& parameter, const ParamMap& params) const;
  // Throws InputError when params miss an active parameter, hold an
  // unknown or inactive one, or hold a value outside its distribution.
  void check(const ParamMap& params) const;
  // The configuration `given` names, as a trial of this space holds it:
  // fixed parameters it leaves out filled in, each number as its
  // distribution holds it (a float parameter's 1 as 1.0) and each choice as
  // listed. InputError as check() says otherwise.
  ParamMap configuration(const ParamMap& given) const;

  // One line per adjustment made while validating (a lowered high).
  const std::vector<std::string>& warnings() const { return warnings_; }

  friend bool operator==(const SearchSpace& a, const SearchSpace& b) {
    return a.parameters_ == b.parameters_;
  }

 private:
  std::vector<Parameter> parameters_;
  std::vector<std::size_t> tunable_;
  std::vector<std::string> warnings_;
};

// Optuna's distribution JSON ({"x": {"name": "FloatDistribution",
// "attributes": {...}}, ...}, legacy names such as UniformDistribution
// included), extended with OrdinalDistribution {choices},
// FixedDistribution {value} and an optional sibling "condition":
// {"parent": "p", "values": [...]}. Also reads the compact form of study
// files: {"width": {"type": "int", "low": 1, "high": 128, "log": true}},
// with types float, int, categorical, ordinal and fixed.
//
// Parameter order is the unit-cube order, so it matters:
// - the ordered_json overload (and search_space_from_json_text) keeps the
//   order of the input text;
// - the nlohmann::json overload gets keys sorted by name, so it uses that
//   order, moving each conditional parameter after its parent.
SearchSpace search_space_from_json(const nlohmann::ordered_json& json);
SearchSpace search_space_from_json(const nlohmann::json& json);
// Parses JSON text keeping its key order; malformed JSON is an InputError.
SearchSpace search_space_from_json_text(std::string_view text);

// Optuna's form with the extensions above. to_ordered_json keeps parameter
// order, so it round-trips exactly; to_json's keys come out sorted.
nlohmann::ordered_json to_ordered_json(const SearchSpace& space);
nlohmann::json to_json(const SearchSpace& space);

// The study definition's declared space, in declared order: the one reader
// of StudySpec::search_space (written as to_ordered_json gives it);
// nullopt until one is declared.
std::optional<SearchSpace> declared_search_space(const StudySpec& spec);
// The parameters the trials hold, in the order the study's definition
// declares them (as ask prints them), then any it does not declare (told
// from outside, or asked in another space) by name: the order of every
// table, chart and export.
std::vector<std::string> parameter_names(const StudySpec& spec, const std::vector<Trial>& trials);

// "a float in [0.001, 0.1] on a log scale when optimizer is one of sgd":
// a parameter's distribution and condition in words.
std::string describe(const Parameter& parameter);

// One line naming the first parameter added, removed, moved or changed
// between two spaces ("parameter 'lr' was a float in [0.001, 0.1] on a log
// scale, now a float in [0.001, 0.5] on a log scale"); empty when equal.
std::string space_change(const SearchSpace& stored, const SearchSpace& given);

// What Optuna 3.1 itself can hold of one parameter (`ecopt export`): its
// distribution JSON, ordinal choices as categorical ones and a fixed value
// as a single choice (Optuna has neither, nor conditions); and a value's
// internal representation there: the number, or the index of the choice.
// InputError when the value is not one of the distribution's.
nlohmann::json optuna_distribution_json(const Distribution& distribution);
double optuna_internal_value(const Distribution& distribution, const ParamValue& value);

}  // namespace ecopt
