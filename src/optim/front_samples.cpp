#include "front_samples.hpp"

#include <algorithm>

#include "observations.hpp"
#include "random_stream.hpp"

namespace ecopt::optim_detail {
namespace {

std::vector<Point> rows_of(const Eigen::MatrixXd& matrix) {
  std::vector<Point> rows;
  for (Eigen::Index r = 0; r < matrix.rows(); ++r) rows.push_back(row_vector(matrix, r));
  return rows;
}

}  // namespace

FrontSamples::FrontSamples(const Eigen::MatrixXd& means, const Point& reference)
    : fronts_{HypervolumeBoxes(rows_of(means), reference)} {}

FrontSamples::FrontSamples(const Eigen::MatrixXd& means, const Point& reference, const Point& inner,
                           double outer_weight)
    : fronts_{HypervolumeBoxes(rows_of(means), reference, inner, outer_weight)} {}

FrontSamples::FrontSamples(const std::vector<GaussianProcess>& models, Eigen::MatrixXd baseline_x,
                           const Eigen::MatrixXd& baseline_means, const Point& reference, int samples,
                           std::uint64_t seed)
    : baseline_x_(std::move(baseline_x)) {
  const Eigen::Index size = baseline_x_.rows();
  RandomStream random(seed);
  std::vector<Eigen::MatrixXd> draws;  // per objective, baseline x samples
  for (std::size_t j = 0; j < models.size(); ++j) {
    Eigen::MatrixXd covariance = models[j].posterior_covariance(baseline_x_);
    covariance.diagonal().array() += 1e-9 * std::max(covariance.diagonal().maxCoeff(), 1e-12);
    ObjectiveDraws objective{Eigen::LLT<Eigen::MatrixXd>(covariance).matrixL(), models[j].solve_at(baseline_x_),
                             Eigen::MatrixXd(size, samples)};
    for (Eigen::Index s = 0; s < samples; ++s) {
      for (Eigen::Index b = 0; b < size; ++b) objective.normals(b, s) = random.normal();
    }
    Eigen::MatrixXd drawn = objective.factor * objective.normals;
    drawn.colwise() += baseline_means.col(static_cast<Eigen::Index>(j));
    draws.push_back(std::move(drawn));
    objectives_.push_back(std::move(objective));
  }
  for (Eigen::Index s = 0; s < samples; ++s) {
    Eigen::MatrixXd front(size, static_cast<Eigen::Index>(models.size()));
    for (std::size_t j = 0; j < models.size(); ++j) front.col(static_cast<Eigen::Index>(j)) = draws[j].col(s);
    fronts_.emplace_back(rows_of(front), reference);
  }
}

ConditionedOutcome FrontSamples::condition(std::size_t j, const GaussianProcess& model, const double* point) const {
  const ObjectiveDraws& objective = objectives_[j];
  Eigen::VectorXd covariance;
  Eigen::MatrixXd d_covariance;
  model.posterior_cross_covariance(point, baseline_x_, objective.solved, covariance, d_covariance);
  const auto lower = objective.factor.triangularView<Eigen::Lower>();
  const Eigen::VectorXd w = lower.solve(covariance);
  const Eigen::MatrixXd d_w = lower.solve(d_covariance);
  ConditionedOutcome outcome;
  outcome.shift = objective.normals.transpose() * w;
  outcome.reduction = w.squaredNorm();
  outcome.d_shift = objective.normals.transpose() * d_w;
  outcome.d_reduction = 2.0 * d_w.transpose() * w;
  return outcome;
}

Eigen::MatrixXd FrontSamples::weights(std::size_t j, const GaussianProcess& model,
                                      const Eigen::MatrixXd& points) const {
  const ObjectiveDraws& objective = objectives_[j];
  return objective.factor.triangularView<Eigen::Lower>().solve(
      model.posterior_cross_covariance(points, baseline_x_, objective.solved));
}

void FrontSamples::condition(std::size_t j, const Eigen::MatrixXd& weights, Eigen::MatrixXd& shifts,
                             Eigen::VectorXd& reductions) const {
  shifts = objectives_[j].normals.transpose() * weights;
  reductions = weights.colwise().squaredNorm().transpose();
}

bool FrontSamples::same_baseline(const FrontSamples& other) const {
  if (objectives_.size() != other.objectives_.size() || baseline_x_ != other.baseline_x_) return false;
  for (std::size_t j = 0; j < objectives_.size(); ++j) {
    if (objectives_[j].factor != other.objectives_[j].factor || objectives_[j].solved != other.objectives_[j].solved) {
      return false;
    }
  }
  return true;
}

}  // namespace ecopt::optim_detail
