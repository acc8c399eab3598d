#pragma once
// Choosing the model to deploy from a front: limits on objectives or
// metrics ("accuracy>=0.9", "inference_j<0.002"), then one rule that picks
// among the front of the trials that satisfy them — the least or most of
// one figure, the knee, or a weighted sum — and names itself. `ecopt
// best-trials --where --pick`, Python's Study.select and the report's
// choice read this one function, so they give the same answer.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

struct Limit {
  enum class Op { AtLeast, Above, AtMost, Below };
  std::string metric;  // an objective's name, else a numeric user attribute
  Op op = Op::AtLeast;
  double value = 0.0;
};

struct PickRule {
  enum class Kind { Min, Max, Knee, Weighted };
  Kind kind = Kind::Knee;
  std::string metric;           // Min and Max
  std::vector<double> weights;  // Weighted: one per objective, summing to more than 0
};

// "accuracy>=0.9,inference_j<0.002" (>=, >, <=, <), "" for none;
// InputError naming the part that is not a limit.
std::vector<Limit> parse_limits(std::string_view text);
// "min:METRIC", "max:METRIC", "knee" or "weighted:W1,W2,..."; InputError.
PickRule parse_pick(std::string_view text);

// What `pick` picks by, in words: "least inference_j", "knee: nearest the
// ideal point, ...". Selection::rule and the report's selection panel.
std::string describe_pick(const PickRule& pick, const StudySpec& spec);

struct Selection {
  // The Pareto front of the feasible COMPLETE trials that satisfy every
  // limit (a trial lacking a limit's metric does not), in trial order.
  std::vector<Trial> candidates;
  std::optional<Trial> picked;  // none when no candidate is left
  std::string rule;             // what picked it, in words
};

// InputError when a limit or the rule names a figure no objective or
// trial metric has, or the weights do not match the objectives.
Selection select_trials(const std::vector<Trial>& trials, const StudySpec& spec,
                        const std::vector<Limit>& limits, const PickRule& pick);

}  // namespace ecopt
