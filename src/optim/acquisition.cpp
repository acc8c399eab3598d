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

Acquisition::Acquisition(std::vector<GaussianProcess> objectives, std::vector<ImprovementTerm> terms,
                         std::vector<ConstraintModel> constraints)
    : objectives_(std::move(objectives)), terms_(std::move(terms)), constraints_(std::move(constraints)) {}

double Acquisition::log_improvement(std::span<const double> mean, std::span<const double> stddev,
                                    std::span<double> d_mean, std::span<double> d_stddev) const {
  if (terms_.size() == 1 && terms_.front().weight == 1.0) {
    return log_expected_hypervolume_improvement(terms_.front().fronts, mean, stddev, d_mean, d_stddev);
  }
  const std::size_t m = mean.size();
  const bool with_gradient = !d_mean.empty();
  std::vector<double> values;
  std::vector<double> term_d_mean(with_gradient ? terms_.size() * m : 0);
  std::vector<double> term_d_stddev(term_d_mean.size());
  double total = kNegInf;
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    const auto slot = [&](std::vector<double>& all) {
      return with_gradient ? std::span(all).subspan(k * m, m) : std::span<double>{};
    };
    values.push_back(std::log(terms_[k].weight) +
                     log_expected_hypervolume_improvement(terms_[k].fronts, mean, stddev, slot(term_d_mean),
                                                          slot(term_d_stddev)));
    total = log_add_exp(total, values.back());
  }
  if (with_gradient) {
    std::fill(d_mean.begin(), d_mean.end(), 0.0);
    std::fill(d_stddev.begin(), d_stddev.end(), 0.0);
    for (std::size_t k = 0; k < terms_.size() && total != kNegInf; ++k) {
      const double share = std::exp(values[k] - total);  // d log sum / d log term
      for (std::size_t j = 0; j < m; ++j) {
        d_mean[j] += share * term_d_mean[k * m + j];
        d_stddev[j] += share * term_d_stddev[k * m + j];
      }
    }
  }
  return total;
}

std::size_t Acquisition::dimensions() const {
  return static_cast<std::size_t>(objectives_.front().inputs().cols());
}

Eigen::VectorXd Acquisition::evaluate(const Eigen::MatrixXd& points) const {
  const Eigen::Index count = points.rows();
  Eigen::VectorXd values = Eigen::VectorXd::Zero(count);
  if (!terms_.empty()) {
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
      values[i] = log_improvement(mean, stddev, {}, {});
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
  if (!terms_.empty()) {
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
    value = log_improvement(mean, stddev, gradient ? std::span(by_mean) : std::span<double>{},
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
