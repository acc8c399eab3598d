#include "observations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ecopt/core/error.hpp"
#include "ecopt/core/stated_noise.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/math/pareto.hpp"

namespace ecopt::optim_detail {
namespace {

std::vector<double> encode_or_empty(const SearchSpace& space, const ParamMap& params) {
  try {
    space.check(params);
    return space.encode(params);
  } catch (const Error&) {
    return {};  // recorded under another search space
  }
}

double total_violation(const StudySpec& spec, const Trial& trial, Eigen::MatrixXd& metrics, Eigen::Index row) {
  double total = 0.0;
  for (std::size_t c = 0; c < spec.constraints.size(); ++c) {
    const OutcomeConstraint& constraint = spec.constraints[c];
    const std::optional<double> value = trial.metric(constraint.metric);
    if (!value || !std::isfinite(*value)) {
      metrics(row, static_cast<Eigen::Index>(c)) = std::numeric_limits<double>::quiet_NaN();
      total = std::numeric_limits<double>::infinity();
      continue;
    }
    metrics(row, static_cast<Eigen::Index>(c)) = *value;
    total += std::max(0.0, constraint.violation(*value));
  }
  return total;
}

bool finite_values(const std::vector<double>& values, std::size_t count) {
  if (values.size() != count) return false;
  for (double v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace

Observations collect_observations(const SamplingContext& context) {
  const auto d = static_cast<Eigen::Index>(context.space.dimensions());
  const std::vector<Direction> directions = context.spec.directions();
  const auto m = static_cast<Eigen::Index>(directions.size());
  const auto c = static_cast<Eigen::Index>(context.spec.constraints.size());
  Observations obs;
  obs.x.resize(static_cast<Eigen::Index>(context.history.size()), d);
  obs.objectives.resize(obs.x.rows(), m);
  obs.noise.resize(obs.x.rows(), m);
  obs.constraint_metrics.resize(obs.x.rows(), c);
  obs.pending.resize(obs.x.rows(), d);
  obs.stopped_x.resize(obs.x.rows(), d);
  obs.stopped_objectives.resize(obs.x.rows(), m);
  Eigen::Index rows = 0;
  Eigen::Index pending = 0;
  Eigen::Index stopped_rows = 0;
  for (const Trial& trial : context.history) {
    if (trial.number == context.trial_number) continue;
    const bool valued = finite_values(trial.values, static_cast<std::size_t>(m));
    const bool complete = trial.state == TrialState::Complete && valued;
    // A PRUNED trial stopped before its end point (docs/pruning.md): with
    // its last values it is a stopped observation; without, its point was
    // still tried, and like a RUNNING one must not be proposed again.
    const bool stopped = trial.state == TrialState::Pruned && valued;
    const bool running = (trial.state == TrialState::Running || trial.state == TrialState::Pruned) &&
                         !stopped && !trial.params.empty();
    if (!complete && !stopped && !running) continue;
    const std::vector<double> unit = encode_or_empty(context.space, trial.params);
    if (static_cast<Eigen::Index>(unit.size()) != d) continue;
    const Eigen::Map<const Eigen::RowVectorXd> point(unit.data(), d);
    if (running) {
      obs.pending.row(pending++) = point;
      continue;
    }
    const Point minimised = to_minimization(trial.values, directions);
    if (stopped) {
      obs.stopped_x.row(stopped_rows) = point;
      obs.stopped_objectives.row(stopped_rows++) = Eigen::Map<const Eigen::RowVectorXd>(minimised.data(), m);
      continue;
    }
    obs.x.row(rows) = point;
    obs.objectives.row(rows) = Eigen::Map<const Eigen::RowVectorXd>(minimised.data(), m);
    const std::vector<double> noise = known_noise_variances(context.spec, trial);
    obs.noise.row(rows) = Eigen::Map<const Eigen::RowVectorXd>(noise.data(), m);
    obs.violations.push_back(total_violation(context.spec, trial, obs.constraint_metrics, rows));
    obs.numbers.push_back(trial.number);
    ++rows;
  }
  obs.x.conservativeResize(rows, d);
  obs.objectives.conservativeResize(rows, m);
  obs.noise.conservativeResize(rows, m);
  obs.constraint_metrics.conservativeResize(rows, c);
  obs.pending.conservativeResize(pending, d);
  obs.stopped_x.conservativeResize(stopped_rows, d);
  obs.stopped_objectives.conservativeResize(stopped_rows, m);
  return obs;
}

std::vector<double> known_noise_variances(const StudySpec& spec, const Trial& trial) {
  std::vector<double> variances(spec.objectives.size(), 0.0);
  const std::vector<std::optional<double>> stated = stated_standard_errors(spec, trial.user_attrs);
  for (std::size_t j = 0; j < stated.size(); ++j) {
    if (stated[j]) variances[j] = *stated[j] * *stated[j];
  }
  const std::optional<std::size_t> energy = spec.energy_objective();
  if (energy && !stated[*energy] && *energy < trial.values.size()) {
    if (const auto relative = measured_relative_error(trial.user_attrs)) {
      variances[*energy] = std::pow(*relative * trial.values[*energy], 2);
    }
  }
  return variances;
}

std::optional<double> measured_relative_error(const nlohmann::json& user_attrs) {
  const std::vector<EnergyRecord> records = energy_records(user_attrs);
  const auto named = [&](const char* name) {
    return std::find_if(records.begin(), records.end(), [&](const EnergyRecord& r) { return r.name == name; });
  };
  auto record = records.end();
  for (const char* name : {kInferenceRecord, kGenerationRecord}) {
    const auto found = named(name);
    if (record == records.end() && found != records.end() && found->j_per_unit && found->units_per_window > 0) {
      record = found;
    }
  }
  if (record == records.end()) record = named(kTrialRecord);
  if (record == records.end()) return std::nullopt;
  const bool per_unit = record->j_per_unit.has_value() && record->units_per_window > 0;
  const double figure = per_unit ? *record->j_per_unit : record->energy_j();
  const double step = per_unit ? record->resolution_j / static_cast<double>(record->units_per_window)
                               : record->resolution_j;
  const double spread = record->spread && record->windows > 1
                            ? 1.4826 * record->spread->mad_j / std::sqrt(static_cast<double>(record->windows))
                            : 0.0;
  const double error = std::hypot(spread, step / std::sqrt(12.0));
  if (!(figure > 0.0) || !std::isfinite(figure) || !(error > 0.0) || !std::isfinite(error)) return std::nullopt;
  return error / figure;
}

std::vector<double> row_vector(const Eigen::MatrixXd& matrix, Eigen::Index row) {
  std::vector<double> values(static_cast<std::size_t>(matrix.cols()));
  for (Eigen::Index c = 0; c < matrix.cols(); ++c) values[static_cast<std::size_t>(c)] = matrix(row, c);
  return values;
}

std::vector<InputKind> input_kinds(const SearchSpace& space) {
  std::vector<InputKind> kinds;
  for (std::size_t i = 0; i < space.dimensions(); ++i) {
    const bool categorical =
        std::holds_alternative<CategoricalDistribution>(space.dimension(i).distribution);
    kinds.push_back(categorical ? InputKind::Categorical : InputKind::Continuous);
  }
  return kinds;
}

bool needs_projection(const SearchSpace& space) {
  for (std::size_t i = 0; i < space.dimensions(); ++i) {
    const Parameter& parameter = space.dimension(i);
    if (parameter.condition) return true;
    const auto* real = std::get_if<FloatDistribution>(&parameter.distribution);
    if (!real || real->step) return true;
  }
  return false;
}

std::vector<double> project(const SearchSpace& space, const std::vector<double>& unit) {
  return space.encode(space.decode(unit));
}

}  // namespace ecopt::optim_detail
