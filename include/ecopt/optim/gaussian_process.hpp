#pragma once
// Gaussian-process regression on the unit cube: Matérn-5/2 ARD kernel,
// constant mean, learned Gaussian noise (plus any noise known per point:
// heteroscedastic), outcome standardisation, and
// hyperparameters by maximum a posteriori (log marginal likelihood + log
// priors) with NLopt's L-BFGS.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace ecopt {

// Categorical inputs have no order: their kernel distance is the Hamming
// indicator (same choice or not) scaled by the dimension's lengthscale.
enum class InputKind { Continuous, Categorical };

// Hyperparameters act on standardised outcomes.
struct GpHyperparameters {
  Eigen::VectorXd log_lengthscales;
  double log_signal_variance = 0.0;
  double log_noise = -9.0;  // noise variance = kNoiseFloor + exp(log_noise)
  double mean = 0.0;

  static constexpr double kNoiseFloor = 1e-6;
  double noise_variance() const;
  // Packed as [log lengthscales..., log signal variance, log noise, mean].
  Eigen::VectorXd pack() const;
  static GpHyperparameters unpack(const Eigen::VectorXd& packed);
};

struct GpFitOptions {
  // L-BFGS runs from the best `restarts` of a few deterministic and
  // pseudo-random starting points, ranked by their log posterior; a second
  // run rarely finds a better optimum once there are more than ~50 points.
  int restarts = 1;
  int candidate_starts = 8;
  std::uint64_t seed = 0;
  // Above this many points, hyperparameters are fitted on an evenly spread
  // subset (the posterior still uses every point): keeps the O(n^3)
  // fitting cost bounded at large histories.
  std::size_t max_fit_points = 100;
  int max_evaluations = 150;
};

struct GpPrediction {
  Eigen::VectorXd mean;      // of the latent function, outcome units
  Eigen::VectorXd variance;  // of the latent function (noise excluded)
};

// Each observation's noise variance is the fitted homoscedastic term plus
// its known variance, in outcome units (0 where nothing is known; an empty
// vector: nothing known anywhere). Added, not replacing: the fitted term
// takes what the stated figures miss (a measured energy spread says
// nothing of the seed-to-seed noise of the rest of the pipeline).
class GaussianProcess {
 public:
  // Conditions on (x, y) with given hyperparameters. x: n x d in [0, 1].
  GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, std::vector<InputKind> kinds,
                  GpHyperparameters hyperparameters, Eigen::VectorXd known_noise = {});
  // Fits hyperparameters, then conditions on all points.
  static GaussianProcess fit(Eigen::MatrixXd x, Eigen::VectorXd y, std::vector<InputKind> kinds,
                             const GpFitOptions& options = {}, Eigen::VectorXd known_noise = {});

  // The same model (hyperparameters and standardisation) with extra
  // observations (no known noise): used for Kriging-believer fantasies of
  // pending points.
  GaussianProcess with_observations(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) const;

  GpPrediction predict(const Eigen::MatrixXd& points) const;
  // One point with gradients of mean and variance with respect to it
  // (categorical coordinates get zero gradient).
  void predict_with_gradient(const double* point, double& mean, double& variance,
                             double* d_mean, double* d_variance) const;
  // Joint posterior covariance of the latent function at some points.
  Eigen::MatrixXd posterior_covariance(const Eigen::MatrixXd& points) const;
  // (K + noise)^-1 k(X, fixed): prepares posterior_cross_covariance for a
  // set of points that stays fixed while another point moves.
  Eigen::MatrixXd solve_at(const Eigen::MatrixXd& fixed) const;
  // Posterior covariance (outcome units) of the latent function between
  // each row of `points` and each row of `fixed` (fixed x points), given
  // solved = solve_at(fixed).
  Eigen::MatrixXd posterior_cross_covariance(const Eigen::MatrixXd& points, const Eigen::MatrixXd& fixed,
                                             const Eigen::MatrixXd& solved) const;
  // The same for one point, with its gradient by the point (fixed x d).
  void posterior_cross_covariance(const double* point, const Eigen::MatrixXd& fixed, const Eigen::MatrixXd& solved,
                                  Eigen::VectorXd& covariance, Eigen::MatrixXd& gradient) const;

  // Posterior means at each row of x given the observations (x, y), which
  // may be far more than this model's own points: the subset-of-regressors
  // approximation, with this model's points as the inducing set and its
  // hyperparameters. Every observation counts, at a cost linear in their
  // count (exact conditioning costs it cubed). The fitted noise alone
  // applies there: x's observations carry no known noise.
  Eigen::VectorXd projected_means(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) const;

  const GpHyperparameters& hyperparameters() const { return hyper_; }
  const Eigen::MatrixXd& inputs() const { return x_; }
  const Eigen::VectorXd& outputs() const { return y_; }
  double outcome_mean() const { return y_mean_; }
  double outcome_scale() const { return y_scale_; }
  // The fitted noise variance in outcome units.
  double noise_variance() const { return hyper_.noise_variance() * y_scale_ * y_scale_; }
  // The largest noise variance of any observation, standardised (fitted
  // plus known).
  double largest_standardised_noise() const;

 private:
  GaussianProcess() = default;
  void standardise();
  void check_known_noise();
  Eigen::VectorXd standardised_known_noise() const;
  void condition();
  // Prior kernel (standardised) between `point` and each row of `rows`,
  // and its gradient by the point (rows x d).
  void kernel_with_gradient(const double* point, const Eigen::MatrixXd& rows, Eigen::VectorXd& k,
                            Eigen::MatrixXd& dk) const;

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Eigen::VectorXd known_noise_;  // per point, outcome units
  std::vector<InputKind> kinds_;
  GpHyperparameters hyper_;
  double y_mean_ = 0.0;
  double y_scale_ = 1.0;
  Eigen::MatrixXd cholesky_;  // lower factor of K + noise I (+ jitter)
  Eigen::VectorXd alpha_;     // K^-1 (y_std - mean)
  Eigen::VectorXd inverse_lengthscales_sq_;
};

// Log marginal likelihood of standardised targets plus the log priors
// (lengthscale log-normal with a dimension-scaled centre, signal variance
// and noise log-normal, mean normal), and its gradient with respect to
// GpHyperparameters::pack() when `gradient` is not null; known_noise is
// standardised, empty for none. Public so tests can check the gradient
// against finite differences.
double gp_log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y_standardised,
                        const std::vector<InputKind>& kinds, const Eigen::VectorXd& packed,
                        Eigen::VectorXd* gradient, const Eigen::VectorXd& known_noise = {});

}  // namespace ecopt
