#pragma once
// The study history as the samplers see it: unit-cube points of finished
// trials with their objective values (minimisation form) and constraint
// metrics, plus the points of RUNNING trials.
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "ecopt/optim/gaussian_process.hpp"
#include "ecopt/optim/sampler.hpp"

namespace ecopt::optim_detail {

struct Observations {
  Eigen::MatrixXd x;                   // COMPLETE trials with values, n x d
  Eigen::MatrixXd objectives;          // n x M, minimisation form
  // n x M: each value's known noise variance (known_noise_variances), 0
  // where nothing is known and the models fit it.
  Eigen::MatrixXd noise;
  Eigen::MatrixXd constraint_metrics;  // n x C, NaN where a metric is missing
  std::vector<double> violations;      // total violation per row; 0 means feasible
  std::vector<std::int64_t> numbers;   // trial number per row
  Eigen::MatrixXd pending;             // RUNNING trials with params, and PRUNED ones without values
  // PRUNED trials with every objective's last value (docs/pruning.md): their
  // points and those values, minimisation form. The energy measured before
  // training is final; the quality is where the trial stood when it stopped,
  // short of what it would have reached. mobo's models fit them, a
  // low-fidelity view of a region the pruner judged unable to reach the
  // front; they never enter a front, a reference point or NSGA-II's
  // population.
  Eigen::MatrixXd stopped_x;
  Eigen::MatrixXd stopped_objectives;

  Eigen::Index size() const { return x.rows(); }
  bool feasible(Eigen::Index row) const { return violations[static_cast<std::size_t>(row)] <= 0.0; }
};

// Trials whose params do not fit the current search space are skipped; a
// missing constraint metric counts as an infinite violation.
Observations collect_observations(const SamplingContext& context);

// Each objective value's known noise variance (objective units squared;
// 0: unknown). A standard error the user states (ecopt_stderr) wins;
// else the energy objective (StudySpec::energy_objective) takes the
// relative standard error of the trial's measured energy
// (measured_relative_error) times its value: relative, so it holds in
// whatever unit or inverse (J/sample, samples/J) the objective reports.
std::vector<double> known_noise_variances(const StudySpec& spec, const Trial& trial);

// The relative standard error of a trial's energy figure, from its
// headline record (the per-unit inference or generation record, else the
// whole trial's): the spread over windows (1.4826 MAD per window, over
// sqrt(windows) for their median) and the meter's step (a uniform error:
// step / sqrt(12)) in quadrature, over the figure. nullopt without a
// record, a positive figure, or anything that scatters.
std::optional<double> measured_relative_error(const nlohmann::json& user_attrs);

// A copy of one row (Eigen matrices are column-major: rows are strided).
std::vector<double> row_vector(const Eigen::MatrixXd& matrix, Eigen::Index row);

std::vector<InputKind> input_kinds(const SearchSpace& space);

// Whether decode -> encode changes points (steps, integers, choices,
// conditions), i.e. whether candidates must be projected.
bool needs_projection(const SearchSpace& space);
std::vector<double> project(const SearchSpace& space, const std::vector<double>& unit);

}  // namespace ecopt::optim_detail
