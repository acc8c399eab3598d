#include "acquisition.hpp"

#include <algorithm>
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

// Posterior variance left once conditioned on front samples.
double conditioned_variance(double variance, double reduction) {
  return std::max(variance - reduction, 1e-12 * variance);
}

}  // namespace

Acquisition::Acquisition(std::vector<GaussianProcess> objectives, std::vector<ImprovementTerm> terms,
                         std::vector<ConstraintModel> constraints)
    : objectives_(std::move(objectives)), terms_(std::move(terms)), constraints_(std::move(constraints)) {}

double Acquisition::log_term(const ImprovementTerm& term, std::span<const double> mean,
                             std::span<const double> stddev, const Eigen::MatrixXd& shifts,
                             Eigen::MatrixXd* by_mean, Eigen::VectorXd* by_stddev) {
  const std::vector<HypervolumeBoxes>& fronts = term.fronts.fronts();
  const std::size_t m = mean.size();
  const auto count = static_cast<Eigen::Index>(fronts.size());
  std::vector<double> shifted(mean.begin(), mean.end());
  std::vector<double> d_mean(by_mean ? m : 0);
  std::vector<double> d_stddev(d_mean.size());
  Eigen::VectorXd values(count);
  if (by_mean) {
    by_mean->setZero(count, static_cast<Eigen::Index>(m));
    by_stddev->setZero(static_cast<Eigen::Index>(m));
  }
  Eigen::MatrixXd stddev_by_front(by_mean ? count : 0, static_cast<Eigen::Index>(m));
  double total = kNegInf;
  for (Eigen::Index s = 0; s < count; ++s) {
    for (std::size_t j = 0; j < m && shifts.size() > 0; ++j) shifted[j] = mean[j] + shifts(static_cast<Eigen::Index>(j), s);
    values[s] = log_expected_hypervolume_improvement(std::span(&fronts[static_cast<std::size_t>(s)], 1), shifted,
                                                     stddev, d_mean, d_stddev);
    total = log_add_exp(total, values[s]);
    if (by_mean) {
      by_mean->row(s) = Eigen::Map<const Eigen::RowVectorXd>(d_mean.data(), static_cast<Eigen::Index>(m));
      stddev_by_front.row(s) = Eigen::Map<const Eigen::RowVectorXd>(d_stddev.data(), static_cast<Eigen::Index>(m));
    }
  }
  if (by_mean && total != kNegInf) {
    // d log mean_s exp(v_s) / d v_s = softmax(v)_s.
    const Eigen::VectorXd share = (values.array() - total).exp().matrix();
    *by_mean = share.asDiagonal() * *by_mean;
    *by_stddev = stddev_by_front.transpose() * share;
  } else if (by_mean) {
    by_mean->setZero();
  }
  return total - std::log(static_cast<double>(count));
}

std::size_t Acquisition::dimensions() const {
  return static_cast<std::size_t>(objectives_.front().inputs().cols());
}

Eigen::VectorXd Acquisition::evaluate(const Eigen::MatrixXd& points) const {
  const Eigen::Index count = points.rows();
  Eigen::VectorXd values = Eigen::VectorXd::Zero(count);
  if (!terms_.empty()) {
    const std::size_t m = objectives_.size();
    std::vector<GpPrediction> predictions;
    for (const GaussianProcess& model : objectives_) predictions.push_back(model.predict(points));
    Eigen::VectorXd total = Eigen::VectorXd::Constant(count, kNegInf);
    // The conditioning weights per objective, computed once for terms drawn
    // on the same baseline (the weighed term's).
    std::vector<Eigen::MatrixXd> weights(m);
    const FrontSamples* weighed = nullptr;
    for (const ImprovementTerm& term : terms_) {
      // Per objective: the shift of each front (fronts x points) and the variance reduction.
      std::vector<Eigen::MatrixXd> shifts(m);
      std::vector<Eigen::VectorXd> reductions(m, Eigen::VectorXd::Zero(count));
      if (term.fronts.conditioned()) {
        if (!weighed || !term.fronts.same_baseline(*weighed)) {
          for (std::size_t j = 0; j < m; ++j) weights[j] = term.fronts.weights(j, objectives_[j], points);
          weighed = &term.fronts;
        }
        for (std::size_t j = 0; j < m; ++j) term.fronts.condition(j, weights[j], shifts[j], reductions[j]);
      }
      std::vector<double> mean(m);
      std::vector<double> stddev(m);
      Eigen::MatrixXd point_shifts;
      for (Eigen::Index i = 0; i < count; ++i) {
        if (term.fronts.conditioned()) point_shifts.resize(static_cast<Eigen::Index>(m), shifts[0].rows());
        for (std::size_t j = 0; j < m; ++j) {
          mean[j] = predictions[j].mean[i];
          stddev[j] = std::sqrt(conditioned_variance(predictions[j].variance[i], reductions[j][i]));
          if (term.fronts.conditioned()) point_shifts.row(static_cast<Eigen::Index>(j)) = shifts[j].col(i).transpose();
        }
        total[i] = log_add_exp(total[i], std::log(term.weight) + log_term(term, mean, stddev, point_shifts, nullptr, nullptr));
      }
    }
    values = total;
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
  const auto d = static_cast<Eigen::Index>(dimensions());
  double value = 0.0;
  if (gradient) std::fill(gradient, gradient + d, 0.0);
  // Adds dvalue/dx given dvalue/dmean and dvalue/dstddev of one model.
  auto chain = [&](double by_mean, double by_stddev, double stddev, const Eigen::VectorXd& d_mean,
                   const Eigen::VectorXd& d_variance) {
    if (!gradient) return;
    for (Eigen::Index c = 0; c < d; ++c) {
      gradient[c] += by_mean * d_mean[c] + by_stddev * d_variance[c] / (2.0 * stddev);
    }
  };
  if (!terms_.empty()) {
    const std::size_t m = objectives_.size();
    std::vector<double> mean(m);
    std::vector<double> variance(m);
    std::vector<Eigen::VectorXd> d_mean(m, Eigen::VectorXd(d));
    std::vector<Eigen::VectorXd> d_variance(m, Eigen::VectorXd(d));
    for (std::size_t j = 0; j < m; ++j) {
      objectives_[j].predict_with_gradient(point, mean[j], variance[j], d_mean[j].data(), d_variance[j].data());
    }
    std::vector<double> stddev(m);
    for (std::size_t j = 0; j < m; ++j) stddev[j] = std::sqrt(variance[j]);
    // Per term: its value, derivatives by mean and by (unconditioned)
    // stddev, and the gradient its conditioning adds.
    std::vector<double> values;
    std::vector<Eigen::VectorXd> by_means;
    std::vector<Eigen::VectorXd> by_stddevs;
    std::vector<Eigen::VectorXd> conditioning_gradients;
    value = kNegInf;
    for (const ImprovementTerm& term : terms_) {
      Eigen::MatrixXd by_mean;
      Eigen::VectorXd by_stddev;
      Eigen::VectorXd conditioning_gradient = Eigen::VectorXd::Zero(gradient ? d : 0);
      if (!term.fronts.conditioned()) {
        values.push_back(std::log(term.weight) + log_term(term, mean, stddev, {}, gradient ? &by_mean : nullptr,
                                                          gradient ? &by_stddev : nullptr));
      } else {
        std::vector<ConditionedOutcome> outcomes;
        Eigen::MatrixXd shifts(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(term.fronts.fronts().size()));
        std::vector<double> conditioned(m);
        for (std::size_t j = 0; j < m; ++j) {
          outcomes.push_back(term.fronts.condition(j, objectives_[j], point));
          shifts.row(static_cast<Eigen::Index>(j)) = outcomes[j].shift.transpose();
          conditioned[j] = std::sqrt(conditioned_variance(variance[j], outcomes[j].reduction));
        }
        values.push_back(std::log(term.weight) + log_term(term, mean, conditioned, shifts,
                                                          gradient ? &by_mean : nullptr,
                                                          gradient ? &by_stddev : nullptr));
        for (std::size_t j = 0; j < m && gradient; ++j) {
          const auto column = static_cast<Eigen::Index>(j);
          conditioning_gradient += outcomes[j].d_shift.transpose() * by_mean.col(column);
          // d conditioned / dx = (d variance - d reduction) / (2 conditioned):
          // the first part goes through the unconditioned stddev's chain.
          if (variance[j] - outcomes[j].reduction > 1e-12 * variance[j]) {
            conditioning_gradient -= by_stddev[column] / (2.0 * conditioned[j]) * outcomes[j].d_reduction;
            by_stddev[column] *= stddev[j] / conditioned[j];
          } else {
            by_stddev[column] = 0.0;  // at the floor the conditioned variance does not move
          }
        }
      }
      value = log_add_exp(value, values.back());
      if (gradient) {
        by_means.push_back(by_mean.colwise().sum().transpose());
        by_stddevs.push_back(std::move(by_stddev));
        conditioning_gradients.push_back(std::move(conditioning_gradient));
      }
    }
    if (gradient && value != kNegInf) {
      Eigen::VectorXd by_mean = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(m));
      Eigen::VectorXd by_stddev = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(m));
      Eigen::VectorXd conditioning = Eigen::VectorXd::Zero(d);
      for (std::size_t k = 0; k < values.size(); ++k) {
        const double share = std::exp(values[k] - value);  // d log sum / d log term
        by_mean += share * by_means[k];
        by_stddev += share * by_stddevs[k];
        if (terms_[k].fronts.conditioned()) conditioning += share * conditioning_gradients[k];
      }
      for (std::size_t j = 0; j < m; ++j) {
        chain(by_mean[static_cast<Eigen::Index>(j)], by_stddev[static_cast<Eigen::Index>(j)], stddev[j], d_mean[j],
              d_variance[j]);
      }
      Eigen::Map<Eigen::VectorXd>(gradient, d) += conditioning;
    }
  }
  Eigen::VectorXd d_mean(d);
  Eigen::VectorXd d_variance(d);
  for (const ConstraintModel& constraint : constraints_) {
    double mean = 0.0;
    double variance = 0.0;
    constraint.model.predict_with_gradient(point, mean, variance, d_mean.data(), d_variance.data());
    const double stddev = std::sqrt(variance);
    double by_mean = 0.0;
    double by_stddev = 0.0;
    value += log_feasibility(constraint, mean, stddev, &by_mean, &by_stddev);
    chain(by_mean, by_stddev, stddev, d_mean, d_variance);
  }
  return value;
}

}  // namespace ecopt::optim_detail
