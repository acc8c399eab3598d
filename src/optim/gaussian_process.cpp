#include "ecopt/optim/gaussian_process.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <nlopt.h>

#include "ecopt/core/error.hpp"
#include "random_stream.hpp"
#include "spread_subset.hpp"

namespace ecopt {
namespace {

const double kSqrt5 = std::sqrt(5.0);

// Bounds of the packed hyperparameters (wide: the priors do the steering).
constexpr double kLogLengthscaleMin = -4.6;  // 0.01
constexpr double kLogLengthscaleMax = 4.6;   // 100
constexpr double kLogSignalMin = -6.0;
constexpr double kLogSignalMax = 6.0;
constexpr double kLogNoiseMin = -20.0;
constexpr double kLogNoiseMax = 1.0;
constexpr double kMeanMax = 4.0;

// Priors. Lengthscales: log-normal centred at sqrt(2) + log(d)/2 with
// scale sqrt(3) (Hvarfner et al. 2024, BoTorch's default), so longer
// lengthscales are expected in more dimensions. Signal variance of the
// standardised outcome: log-normal around 1. Noise: log-normal wide
// enough for exact simulators (floor 1e-6) and noisy energy readings.
struct Priors {
  double lengthscale_mu;
  double lengthscale_sigma = std::sqrt(3.0);
  double signal_mu = 0.0;
  double signal_sigma = 1.0;
  double noise_mu = -6.0;
  double noise_sigma = 2.0;
  double mean_sigma = 1.0;
  explicit Priors(std::size_t dimensions)
      : lengthscale_mu(std::numbers::sqrt2 + 0.5 * std::log(std::max<std::size_t>(dimensions, 1))) {}
};

// -0.5 ((v - mu) / sigma)^2 and its derivative.
double log_normal_density(double v, double mu, double sigma, double* derivative) {
  const double z = (v - mu) / sigma;
  if (derivative) *derivative = -z / sigma;
  return -0.5 * z * z;
}

// Per-dimension distance: squared difference, or the Hamming indicator.
double coordinate_distance(double a, double b, InputKind kind) {
  const double diff = a - b;
  if (kind == InputKind::Categorical) return std::abs(diff) > 1e-9 ? 1.0 : 0.0;
  return diff * diff;
}

double matern52(double r2, double signal) {
  const double r = std::sqrt(r2);
  return signal * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * std::exp(-kSqrt5 * r);
}

// q(r) with dk/dr = -q r: shared by input and lengthscale derivatives.
double matern52_slope(double r2, double signal) {
  const double r = std::sqrt(r2);
  return 5.0 / 3.0 * signal * (1.0 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

Eigen::VectorXd inverse_squares(const Eigen::VectorXd& log_lengthscales) {
  return (-2.0 * log_lengthscales.array()).exp().matrix();
}

// Kernel matrix between the rows of a and b (signal variance included).
Eigen::MatrixXd kernel_matrix(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                              const std::vector<InputKind>& kinds, const Eigen::VectorXd& weights,
                              double signal) {
  Eigen::MatrixXd k(a.rows(), b.rows());
  for (Eigen::Index j = 0; j < b.rows(); ++j) {
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      double r2 = 0.0;
      for (Eigen::Index c = 0; c < a.cols(); ++c) {
        r2 += weights[c] * coordinate_distance(a(i, c), b(j, c), kinds[c]);
      }
      k(i, j) = matern52(r2, signal);
    }
  }
  return k;
}

// Cholesky of k, adding growing jitter if it is not numerically positive
// definite (near-duplicate inputs with tiny noise).
Eigen::LLT<Eigen::MatrixXd> robust_cholesky(Eigen::MatrixXd k) {
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  const double scale = std::max(k.diagonal().mean(), 1e-12);
  for (double jitter = 1e-9; llt.info() != Eigen::Success && jitter < 1.0; jitter *= 10.0) {
    k.diagonal().array() += jitter * scale;
    llt.compute(k);
  }
  if (llt.info() != Eigen::Success) {
    throw std::runtime_error("GP kernel matrix is not positive definite even with jitter");
  }
  return llt;
}

// The fitting objective with per-dimension distances computed once.
class LogPosterior {
 public:
  LogPosterior(const Eigen::MatrixXd& x, Eigen::VectorXd y, const std::vector<InputKind>& kinds,
               Eigen::VectorXd known_noise)
      : y_(std::move(y)),
        known_noise_(known_noise.size() == 0 ? Eigen::VectorXd::Zero(y_.size()) : std::move(known_noise)),
        priors_(x.cols()) {
    const Eigen::Index n = x.rows();
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      Eigen::MatrixXd d(n, n);
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < n; ++i) d(i, j) = coordinate_distance(x(i, c), x(j, c), kinds[c]);
      }
      distances_.push_back(std::move(d));
    }
  }

  std::size_t size() const { return distances_.size() + 3; }

  double operator()(const Eigen::VectorXd& packed, Eigen::VectorXd* gradient) const {
    const GpHyperparameters h = GpHyperparameters::unpack(packed);
    const Eigen::Index n = y_.size();
    const std::size_t d = distances_.size();
    const Eigen::VectorXd weights = inverse_squares(h.log_lengthscales);
    const double signal = std::exp(h.log_signal_variance);
    Eigen::MatrixXd r2 = Eigen::MatrixXd::Zero(n, n);
    for (std::size_t c = 0; c < d; ++c) r2 += weights[c] * distances_[c];
    // One exp per pair (lower triangle) serves both the kernel and its slope.
    Eigen::MatrixXd kf(n, n);
    Eigen::MatrixXd slope(n, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      for (Eigen::Index i = j; i < n; ++i) {
        const double r = std::sqrt(r2(i, j));
        const double e = signal * std::exp(-kSqrt5 * r);
        kf(i, j) = kf(j, i) = (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2(i, j)) * e;
        slope(i, j) = slope(j, i) = 5.0 / 3.0 * (1.0 + kSqrt5 * r) * e;
      }
    }
    Eigen::MatrixXd k = kf;
    k.diagonal().array() += h.noise_variance() + known_noise_.array();
    const Eigen::LLT<Eigen::MatrixXd> llt = robust_cholesky(k);
    const Eigen::VectorXd residual = y_.array() - h.mean;
    const Eigen::VectorXd alpha = llt.solve(residual);
    const Eigen::MatrixXd& l = llt.matrixLLT();
    double value = -0.5 * residual.dot(alpha) - l.diagonal().array().log().sum() -
                   0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
    value += log_prior(h, gradient);
    if (!gradient) return value;

    // d/dtheta = 0.5 tr((alpha alpha^T - K^-1) dK/dtheta).
    Eigen::MatrixXd w = alpha * alpha.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));
    const Eigen::MatrixXd slope_w = slope.cwiseProduct(w);
    for (std::size_t c = 0; c < d; ++c) {
      (*gradient)[c] += 0.5 * weights[c] * slope_w.cwiseProduct(distances_[c]).sum();
    }
    (*gradient)[d] += 0.5 * w.cwiseProduct(kf).sum();
    (*gradient)[d + 1] += 0.5 * w.trace() * std::exp(h.log_noise);
    (*gradient)[d + 2] += alpha.sum();
    return value;
  }

 private:
  // Fills gradient with the priors' part (so it must run first).
  double log_prior(const GpHyperparameters& h, Eigen::VectorXd* gradient) const {
    const std::size_t d = distances_.size();
    if (gradient) gradient->setZero(static_cast<Eigen::Index>(d + 3));
    double value = 0.0;
    double derivative = 0.0;
    for (std::size_t c = 0; c < d; ++c) {
      value += log_normal_density(h.log_lengthscales[c], priors_.lengthscale_mu,
                                  priors_.lengthscale_sigma, &derivative);
      if (gradient) (*gradient)[c] = derivative;
    }
    value += log_normal_density(h.log_signal_variance, priors_.signal_mu, priors_.signal_sigma, &derivative);
    if (gradient) (*gradient)[d] = derivative;
    value += log_normal_density(h.log_noise, priors_.noise_mu, priors_.noise_sigma, &derivative);
    if (gradient) (*gradient)[d + 1] = derivative;
    value += log_normal_density(h.mean, 0.0, priors_.mean_sigma, &derivative);
    if (gradient) (*gradient)[d + 2] = derivative;
    return value;
  }

  std::vector<Eigen::MatrixXd> distances_;
  Eigen::VectorXd y_;
  Eigen::VectorXd known_noise_;  // standardised
  Priors priors_;
};

struct Optimum {
  Eigen::VectorXd packed;
  double value = -std::numeric_limits<double>::infinity();
};

// Evaluates the log posterior, treating numerical failures as -infinity.
double safe_value(const LogPosterior& objective, const Eigen::VectorXd& packed, Eigen::VectorXd* gradient) {
  try {
    const double value = objective(packed, gradient);
    if (std::isfinite(value) && (!gradient || gradient->allFinite())) return value;
  } catch (const std::runtime_error&) {
  }
  if (gradient) gradient->setZero();
  return -std::numeric_limits<double>::infinity();
}

struct LbfgsData {
  const LogPosterior* objective;
  Optimum* best;
};

double lbfgs_callback(unsigned size, const double* x, double* grad, void* data) {
  auto* state = static_cast<LbfgsData*>(data);
  const Eigen::VectorXd packed = Eigen::Map<const Eigen::VectorXd>(x, size);
  Eigen::VectorXd gradient(size);
  double value = safe_value(*state->objective, packed, grad ? &gradient : nullptr);
  if (value > state->best->value) *state->best = {packed, value};
  if (!std::isfinite(value)) value = -1e300;  // keeps L-BFGS from stepping here
  if (grad) Eigen::Map<Eigen::VectorXd>(grad, size) = gradient;
  return value;
}

void bounds(std::size_t dimensions, std::vector<double>& lower, std::vector<double>& upper) {
  lower.assign(dimensions, kLogLengthscaleMin);
  upper.assign(dimensions, kLogLengthscaleMax);
  lower.insert(lower.end(), {kLogSignalMin, kLogNoiseMin, -kMeanMax});
  upper.insert(upper.end(), {kLogSignalMax, kLogNoiseMax, kMeanMax});
}

Optimum maximise(const LogPosterior& objective, const Eigen::VectorXd& start, int max_evaluations) {
  const auto size = static_cast<unsigned>(start.size());
  std::vector<double> lower;
  std::vector<double> upper;
  bounds(start.size() - 3, lower, upper);
  Optimum best;
  LbfgsData data{&objective, &best};
  nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, size);
  nlopt_set_lower_bounds(opt, lower.data());
  nlopt_set_upper_bounds(opt, upper.data());
  nlopt_set_max_objective(opt, lbfgs_callback, &data);
  nlopt_set_maxeval(opt, max_evaluations);
  // A thousandth of a nat of log posterior, or lengthscales steady to
  // 0.1%, is far below what changes a suggestion.
  nlopt_set_ftol_abs(opt, 1e-3);
  nlopt_set_xtol_rel(opt, 1e-3);
  std::vector<double> x(start.data(), start.data() + start.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::clamp(x[i], lower[i], upper[i]);
  double value = 0.0;
  nlopt_optimize(opt, x.data(), &value);  // failures leave `best` at the best point seen
  nlopt_destroy(opt);
  return best;
}

// Starting points: a few fixed shapes plus draws from the priors.
std::vector<Eigen::VectorXd> starting_points(std::size_t dimensions, const GpFitOptions& options,
                                             std::size_t n) {
  std::vector<Eigen::VectorXd> starts;
  for (double lengthscale : {0.25, 1.0, 4.0}) {
    GpHyperparameters h;
    h.log_lengthscales = Eigen::VectorXd::Constant(dimensions, std::log(lengthscale));
    h.log_noise = -8.0;
    starts.push_back(h.pack());
  }
  const Priors priors(dimensions);
  optim_detail::RandomStream random(optim_detail::mix_seed(options.seed, n, 0x67705f666974ULL));
  for (int i = 3; i < options.candidate_starts; ++i) {
    GpHyperparameters h;
    h.log_lengthscales.resize(dimensions);
    for (auto& v : h.log_lengthscales) {
      v = std::clamp(priors.lengthscale_mu - 1.5 + priors.lengthscale_sigma * random.normal(),
                     kLogLengthscaleMin, kLogLengthscaleMax);
    }
    h.log_signal_variance = 0.5 * random.normal();
    h.log_noise = -14.0 + 12.0 * random.uniform();
    starts.push_back(h.pack());
  }
  return starts;
}

}  // namespace

double GpHyperparameters::noise_variance() const { return kNoiseFloor + std::exp(log_noise); }

Eigen::VectorXd GpHyperparameters::pack() const {
  const Eigen::Index d = log_lengthscales.size();
  Eigen::VectorXd packed(d + 3);
  packed << log_lengthscales, log_signal_variance, log_noise, mean;
  return packed;
}

GpHyperparameters GpHyperparameters::unpack(const Eigen::VectorXd& packed) {
  const Eigen::Index d = packed.size() - 3;
  GpHyperparameters h;
  h.log_lengthscales = packed.head(d);
  h.log_signal_variance = packed[d];
  h.log_noise = packed[d + 1];
  h.mean = packed[d + 2];
  return h;
}

double gp_log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y_standardised,
                        const std::vector<InputKind>& kinds, const Eigen::VectorXd& packed,
                        Eigen::VectorXd* gradient, const Eigen::VectorXd& known_noise) {
  return LogPosterior(x, y_standardised, kinds, known_noise)(packed, gradient);
}

GaussianProcess::GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, std::vector<InputKind> kinds,
                                 GpHyperparameters hyperparameters, Eigen::VectorXd known_noise)
    : x_(std::move(x)),
      y_(std::move(y)),
      known_noise_(std::move(known_noise)),
      kinds_(std::move(kinds)),
      hyper_(std::move(hyperparameters)) {
  if (hyper_.log_lengthscales.size() != x_.cols()) {
    throw InputError("a GP needs one lengthscale per input column");
  }
  standardise();
  check_known_noise();
  condition();
}

void GaussianProcess::check_known_noise() {
  if (known_noise_.size() == 0) known_noise_ = Eigen::VectorXd::Zero(y_.size());
  if (known_noise_.size() != y_.size() || !known_noise_.allFinite() || (known_noise_.array() < 0.0).any()) {
    throw InputError("a GP's known noise needs one finite variance >= 0 per point");
  }
}

Eigen::VectorXd GaussianProcess::standardised_known_noise() const {
  return known_noise_ / (y_scale_ * y_scale_);
}

double GaussianProcess::largest_standardised_noise() const {
  return hyper_.noise_variance() + standardised_known_noise().maxCoeff();
}

void GaussianProcess::standardise() {
  if (x_.rows() != y_.size() || static_cast<std::size_t>(x_.cols()) != kinds_.size() || y_.size() == 0) {
    throw InputError("a GP needs at least one point, one output per input row and one input kind per "
                     "input column");
  }
  y_mean_ = y_.mean();
  const double spread = y_.size() > 1 ? std::sqrt((y_.array() - y_mean_).square().sum() /
                                                  static_cast<double>(y_.size() - 1))
                                      : 0.0;
  y_scale_ = spread > 1e-12 * std::max(1.0, std::abs(y_mean_)) ? spread : 1.0;
}

GaussianProcess GaussianProcess::fit(Eigen::MatrixXd x, Eigen::VectorXd y, std::vector<InputKind> kinds,
                                     const GpFitOptions& options, Eigen::VectorXd known_noise) {
  GaussianProcess model;
  model.x_ = std::move(x);
  model.y_ = std::move(y);
  model.known_noise_ = std::move(known_noise);
  model.kinds_ = std::move(kinds);
  model.standardise();
  model.check_known_noise();
  const std::size_t d = model.kinds_.size();

  const std::vector<Eigen::Index> rows = optim_detail::spread_subset(model.x_.rows(), options.max_fit_points);
  Eigen::MatrixXd x_fit = model.x_(rows, Eigen::all);
  Eigen::VectorXd y_fit = ((model.y_(rows).array() - model.y_mean_) / model.y_scale_).matrix();
  const LogPosterior objective(x_fit, std::move(y_fit), model.kinds_, model.standardised_known_noise()(rows));

  std::vector<Optimum> ranked;
  for (const Eigen::VectorXd& start : starting_points(d, options, model.x_.rows())) {
    ranked.push_back({start, safe_value(objective, start, nullptr)});
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Optimum& a, const Optimum& b) { return a.value > b.value; });
  Optimum best = ranked.front();
  const auto runs = std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(std::max(1, options.restarts)));
  for (std::size_t i = 0; i < runs; ++i) {
    const Optimum found = maximise(objective, ranked[i].packed, options.max_evaluations);
    if (found.value > best.value) best = found;
  }
  model.hyper_ = GpHyperparameters::unpack(best.packed);
  model.condition();
  return model;
}

void GaussianProcess::condition() {
  inverse_lengthscales_sq_ = inverse_squares(hyper_.log_lengthscales);
  Eigen::MatrixXd k = kernel_matrix(x_, x_, kinds_, inverse_lengthscales_sq_,
                                    std::exp(hyper_.log_signal_variance));
  k.diagonal().array() += hyper_.noise_variance() + standardised_known_noise().array();
  const Eigen::LLT<Eigen::MatrixXd> llt = robust_cholesky(std::move(k));
  cholesky_ = llt.matrixL();
  alpha_ = llt.solve(((y_.array() - y_mean_) / y_scale_ - hyper_.mean).matrix());
}

Eigen::VectorXd GaussianProcess::projected_means(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) const {
  // mean = K_xu (noise K_uu + K_ux K_xu)^-1 K_ux y, accumulated over blocks
  // of rows so that memory stays at a block times the inducing points.
  constexpr Eigen::Index kBlockRows = 2048;
  const double signal = std::exp(hyper_.log_signal_variance);
  const auto block_kernel = [&](Eigen::Index start) {
    return kernel_matrix(x.middleRows(start, std::min(kBlockRows, x.rows() - start)), x_, kinds_,
                         inverse_lengthscales_sq_, signal);
  };
  const Eigen::VectorXd targets = ((y.array() - y_mean_) / y_scale_ - hyper_.mean).matrix();
  Eigen::MatrixXd normal = hyper_.noise_variance() * kernel_matrix(x_, x_, kinds_, inverse_lengthscales_sq_, signal);
  Eigen::VectorXd projected = Eigen::VectorXd::Zero(x_.rows());
  for (Eigen::Index start = 0; start < x.rows(); start += kBlockRows) {
    const Eigen::MatrixXd k = block_kernel(start);
    normal.noalias() += k.transpose() * k;
    projected.noalias() += k.transpose() * targets.segment(start, k.rows());
  }
  const Eigen::VectorXd weights = robust_cholesky(std::move(normal)).solve(projected);
  Eigen::VectorXd means(x.rows());
  for (Eigen::Index start = 0; start < x.rows(); start += kBlockRows) {
    const Eigen::MatrixXd k = block_kernel(start);
    means.segment(start, k.rows()) = k * weights;
  }
  return ((means.array() + hyper_.mean) * y_scale_ + y_mean_).matrix();
}

GaussianProcess GaussianProcess::with_observations(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) const {
  GaussianProcess extended = *this;
  extended.x_.conservativeResize(x_.rows() + x.rows(), Eigen::NoChange);
  extended.x_.bottomRows(x.rows()) = x;
  extended.y_.conservativeResize(y_.size() + y.size());
  extended.y_.tail(y.size()) = y;
  extended.known_noise_.conservativeResize(known_noise_.size() + y.size());
  extended.known_noise_.tail(y.size()).setZero();
  extended.condition();
  return extended;
}

GpPrediction GaussianProcess::predict(const Eigen::MatrixXd& points) const {
  const double signal = std::exp(hyper_.log_signal_variance);
  const Eigen::MatrixXd cross = kernel_matrix(x_, points, kinds_, inverse_lengthscales_sq_, signal);
  GpPrediction prediction;
  prediction.mean = ((cross.transpose() * alpha_).array() + hyper_.mean) * y_scale_ + y_mean_;
  const Eigen::MatrixXd v = cholesky_.triangularView<Eigen::Lower>().solve(cross);
  prediction.variance =
      ((signal - v.colwise().squaredNorm().array()).max(1e-12 * signal) * y_scale_ * y_scale_).matrix();
  return prediction;
}

void GaussianProcess::kernel_with_gradient(const double* point, const Eigen::MatrixXd& rows, Eigen::VectorXd& k,
                                           Eigen::MatrixXd& dk) const {
  const Eigen::Index n = rows.rows();
  const Eigen::Index d = rows.cols();
  const double signal = std::exp(hyper_.log_signal_variance);
  k.resize(n);
  dk.resize(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    double r2 = 0.0;
    for (Eigen::Index c = 0; c < d; ++c) {
      r2 += inverse_lengthscales_sq_[c] * coordinate_distance(point[c], rows(i, c), kinds_[c]);
    }
    k[i] = matern52(r2, signal);
    const double slope = matern52_slope(r2, signal);
    for (Eigen::Index c = 0; c < d; ++c) {
      dk(i, c) = kinds_[c] == InputKind::Categorical
                     ? 0.0
                     : -slope * inverse_lengthscales_sq_[c] * (point[c] - rows(i, c));
    }
  }
}

void GaussianProcess::predict_with_gradient(const double* point, double& mean, double& variance,
                                            double* d_mean, double* d_variance) const {
  const Eigen::Index d = x_.cols();
  const double signal = std::exp(hyper_.log_signal_variance);
  Eigen::VectorXd k;
  Eigen::MatrixXd dk;  // dk_i / dpoint_c
  kernel_with_gradient(point, x_, k, dk);
  Eigen::VectorXd v = cholesky_.triangularView<Eigen::Lower>().solve(k);
  const double raw_variance = signal - v.squaredNorm();
  const Eigen::VectorXd k_inverse_k = cholesky_.transpose().triangularView<Eigen::Upper>().solve(v);
  const double scale2 = y_scale_ * y_scale_;
  mean = (hyper_.mean + k.dot(alpha_)) * y_scale_ + y_mean_;
  variance = std::max(raw_variance, 1e-12 * signal) * scale2;
  Eigen::Map<Eigen::VectorXd>(d_mean, d) = dk.transpose() * alpha_ * y_scale_;
  if (raw_variance > 1e-12 * signal) {
    Eigen::Map<Eigen::VectorXd>(d_variance, d) = -2.0 * scale2 * (dk.transpose() * k_inverse_k);
  } else {
    Eigen::Map<Eigen::VectorXd>(d_variance, d).setZero();
  }
}

Eigen::MatrixXd GaussianProcess::posterior_covariance(const Eigen::MatrixXd& points) const {
  const double signal = std::exp(hyper_.log_signal_variance);
  const Eigen::MatrixXd prior = kernel_matrix(points, points, kinds_, inverse_lengthscales_sq_, signal);
  const Eigen::MatrixXd cross = kernel_matrix(x_, points, kinds_, inverse_lengthscales_sq_, signal);
  const Eigen::MatrixXd v = cholesky_.triangularView<Eigen::Lower>().solve(cross);
  return (prior - v.transpose() * v) * (y_scale_ * y_scale_);
}

Eigen::MatrixXd GaussianProcess::solve_at(const Eigen::MatrixXd& fixed) const {
  const Eigen::MatrixXd cross =
      kernel_matrix(x_, fixed, kinds_, inverse_lengthscales_sq_, std::exp(hyper_.log_signal_variance));
  const Eigen::MatrixXd v = cholesky_.triangularView<Eigen::Lower>().solve(cross);
  return cholesky_.transpose().triangularView<Eigen::Upper>().solve(v);
}

Eigen::MatrixXd GaussianProcess::posterior_cross_covariance(const Eigen::MatrixXd& points,
                                                            const Eigen::MatrixXd& fixed,
                                                            const Eigen::MatrixXd& solved) const {
  const double signal = std::exp(hyper_.log_signal_variance);
  const Eigen::MatrixXd prior = kernel_matrix(fixed, points, kinds_, inverse_lengthscales_sq_, signal);
  const Eigen::MatrixXd to_data = kernel_matrix(x_, points, kinds_, inverse_lengthscales_sq_, signal);
  return (prior - solved.transpose() * to_data) * (y_scale_ * y_scale_);
}

void GaussianProcess::posterior_cross_covariance(const double* point, const Eigen::MatrixXd& fixed,
                                                 const Eigen::MatrixXd& solved, Eigen::VectorXd& covariance,
                                                 Eigen::MatrixXd& gradient) const {
  Eigen::VectorXd k_fixed;
  Eigen::MatrixXd dk_fixed;
  kernel_with_gradient(point, fixed, k_fixed, dk_fixed);
  Eigen::VectorXd k_data;
  Eigen::MatrixXd dk_data;
  kernel_with_gradient(point, x_, k_data, dk_data);
  const double scale2 = y_scale_ * y_scale_;
  covariance = (k_fixed - solved.transpose() * k_data) * scale2;
  gradient = (dk_fixed - solved.transpose() * dk_data) * scale2;
}

}  // namespace ecopt
