#include "acquisition.hpp"

#include <cmath>

#include "normal_math.hpp"

namespace ecopt::optim_detail {
namespace {

// log P(metric satisfies the constraint) and its derivatives.
double log_feasibility(const ConstraintModel& constraint, double mean, double stddev, double* d_mean,
                       double* d_stddev) {
  const double sign = constraint.less_equal ? 1.0 : -1.0;
  const double z = sign * (constraint.bound - mean) / stddev;
  const double log_cdf = log_normal_cdf(z);
  if (d_mean) {
    const double ratio = std::exp(log_normal_pdf(z) - log_cdf);  // phi/Phi
    *d_mean = -sign * ratio / stddev;
    *d_stddev = -z * ratio / stddev;
  }
  return log_cdf;
}

}  // namespace

Acquisition::Acquisition(std::vector<GaussianProcess> objectives, std::vector<HypervolumeBoxes> fronts,
                         std::vector<ConstraintModel> constraints)
    : objectives_(std::move(objectives)), fronts_(std::move(fronts)), constraints_(std::move(constraints)) {}

std::size_t Acquisition::dimensions() const {
  return static_cast<std::size_t>(objectives_.front().inputs().cols());
}

Eigen::VectorXd Acquisition::evaluate(const Eigen::MatrixXd& points) const {
  const Eigen::Index count = points.rows();
  Eigen::VectorXd values = Eigen::VectorXd::Zero(count);
  if (!fronts_.empty()) {
    const std::size_t m = objectives_.size();
    Eigen::MatrixXd means(count, static_cast<Eigen::Index>(m));
    Eigen::MatrixXd stddevs(count, static_cast<Eigen::Index>(m));
    for (std::size_t j = 0; j < m; ++j) {
      const GpPrediction prediction = objectives_[j].predict(points);
      means.col(static_cast<Eigen::Index>(j)) = prediction.mean;
      stddevs.col(static_cast<Eigen::Index>(j)) = prediction.variance.cwiseSqrt();
    }
    std::vector<double> mean(m);
    std::vector<double> stddev(m);
    for (Eigen::Index i = 0; i < count; ++i) {
      for (std::size_t j = 0; j < m; ++j) {
        mean[j] = means(i, static_cast<Eigen::Index>(j));
        stddev[j] = stddevs(i, static_cast<Eigen::Index>(j));
      }
      values[i] = log_expected_hypervolume_improvement(fronts_, mean, stddev);
    }
  }
  for (const ConstraintModel& constraint : constraints_) {
    const GpPrediction prediction = constraint.model.predict(points);
    for (Eigen::Index i = 0; i < count; ++i) {
      values[i] += log_feasibility(constraint, prediction.mean[i], std::sqrt(prediction.variance[i]),
                                   nullptr, nullptr);
    }
  }
  return values;
}

double Acquisition::evaluate(const double* point, double* gradient) const {
  const std::size_t d = dimensions();
  std::vector<double> d_mean(d);
  std::vector<double> d_variance(d);
  double value = 0.0;
  if (gradient) std::fill(gradient, gradient + d, 0.0);
  // Adds dvalue/dx given dvalue/dmean and dvalue/dstddev of one model.
  auto chain = [&](double by_mean, double by_stddev, double stddev) {
    if (!gradient) return;
    for (std::size_t c = 0; c < d; ++c) {
      gradient[c] += by_mean * d_mean[c] + by_stddev * d_variance[c] / (2.0 * stddev);
    }
  };
  if (!fronts_.empty()) {
    const std::size_t m = objectives_.size();
    std::vector<double> mean(m);
    std::vector<double> stddev(m);
    std::vector<std::vector<double>> mean_gradients(m);
    std::vector<std::vector<double>> variance_gradients(m);
    for (std::size_t j = 0; j < m; ++j) {
      double variance = 0.0;
      objectives_[j].predict_with_gradient(point, mean[j], variance, d_mean.data(), d_variance.data());
      stddev[j] = std::sqrt(variance);
      mean_gradients[j] = d_mean;
      variance_gradients[j] = d_variance;
    }
    std::vector<double> by_mean(m);
    std::vector<double> by_stddev(m);
    value = log_expected_hypervolume_improvement(fronts_, mean, stddev, gradient ? std::span(by_mean) : std::span<double>{},
                                                 gradient ? std::span(by_stddev) : std::span<double>{});
    for (std::size_t j = 0; j < m; ++j) {
      d_mean = mean_gradients[j];
      d_variance = variance_gradients[j];
      chain(by_mean[j], by_stddev[j], stddev[j]);
    }
  }
  for (const ConstraintModel& constraint : constraints_) {
    double mean = 0.0;
    double variance = 0.0;
    constraint.model.predict_with_gradient(point, mean, variance, d_mean.data(), d_variance.data());
    const double stddev = std::sqrt(variance);
    double by_mean = 0.0;
    double by_stddev = 0.0;
    value += log_feasibility(constraint, mean, stddev, &by_mean, &by_stddev);
    chain(by_mean, by_stddev, stddev);
  }
  return value;
}

}  // namespace ecopt::optim_detail
