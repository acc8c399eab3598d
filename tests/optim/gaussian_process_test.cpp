#include "ecopt/optim/gaussian_process.hpp"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

const std::vector<InputKind> kMixedKinds{InputKind::Continuous, InputKind::Continuous, InputKind::Categorical};

Eigen::MatrixXd mixed_inputs() {
  Eigen::MatrixXd x(5, 3);
  x << 0.1, 0.2, 0.25, 0.4, 0.9, 0.75, 0.7, 0.3, 0.25, 0.95, 0.6, 0.75, 0.3, 0.5, 0.75;
  return x;
}

GpHyperparameters fixed_hyperparameters() {
  GpHyperparameters h;
  h.log_lengthscales = Eigen::Vector3d(std::log(0.3), std::log(0.5), std::log(0.8));
  h.log_signal_variance = 0.4;
  h.log_noise = -5.0;
  h.mean = 0.2;
  return h;
}

// Expected values computed independently with NumPy (dense solves of the
// same Matérn-5/2 + Hamming model on standardised outputs).
TEST(GaussianProcess, PosteriorMatchesIndependentComputation) {
  const GaussianProcess gp(mixed_inputs(), Eigen::Vector<double, 5>(1.0, 2.5, 0.3, 1.7, 0.9), kMixedKinds,
                           fixed_hyperparameters());
  Eigen::MatrixXd points(2, 3);
  points << 0.5, 0.5, 0.25, 0.2, 0.8, 0.75;
  const GpPrediction p = gp.predict(points);
  EXPECT_NEAR(p.mean[0], 0.730471297105, 1e-9);
  EXPECT_NEAR(p.mean[1], 1.698217344298, 1e-9);
  EXPECT_NEAR(p.variance[0], 0.520080176835, 1e-9);
  EXPECT_NEAR(p.variance[1], 0.385649988364, 1e-9);
}

TEST(GaussianProcess, PointGradientsMatchFiniteDifferences) {
  const GaussianProcess gp(mixed_inputs(), Eigen::Vector<double, 5>(1.0, 2.5, 0.3, 1.7, 0.9), kMixedKinds,
                           fixed_hyperparameters());
  const std::vector<double> point{0.45, 0.62, 0.75};
  double mean = 0.0;
  double variance = 0.0;
  double d_mean[3];
  double d_variance[3];
  gp.predict_with_gradient(point.data(), mean, variance, d_mean, d_variance);
  const GpPrediction batch = gp.predict(Eigen::RowVector3d(point[0], point[1], point[2]));
  EXPECT_NEAR(mean, batch.mean[0], 1e-12);
  EXPECT_NEAR(variance, batch.variance[0], 1e-12);
  const double h = 1e-6;
  for (int c = 0; c < 2; ++c) {
    Eigen::RowVector3d up(point[0], point[1], point[2]);
    Eigen::RowVector3d down = up;
    up[c] += h;
    down[c] -= h;
    const GpPrediction pu = gp.predict(up);
    const GpPrediction pd = gp.predict(down);
    EXPECT_NEAR(d_mean[c], (pu.mean[0] - pd.mean[0]) / (2 * h), 1e-6) << "coordinate " << c;
    EXPECT_NEAR(d_variance[c], (pu.variance[0] - pd.variance[0]) / (2 * h), 1e-6) << "coordinate " << c;
  }
  EXPECT_EQ(d_mean[2], 0.0);  // categorical: no gradient
}

TEST(GaussianProcess, LogPosteriorGradientMatchesFiniteDifferences) {
  Eigen::MatrixXd x(12, 3);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    x(i, 0) = std::fmod(0.37 * i + 0.11, 1.0);
    x(i, 1) = std::fmod(0.61 * i + 0.05, 1.0);
    x(i, 2) = i % 3 == 0 ? 0.25 : 0.75;
    y[i] = std::sin(4 * x(i, 0)) + x(i, 1) * x(i, 1) + 0.3 * (i % 3 == 0) + 0.01 * std::cos(17.0 * i);
  }
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().sum() / 11);
  for (const Eigen::VectorXd& packed :
       {Eigen::VectorXd((Eigen::VectorXd(6) << -1.0, 0.2, 0.5, 0.3, -4.0, 0.1).finished()),
        Eigen::VectorXd((Eigen::VectorXd(6) << 0.4, -1.5, -0.2, -0.5, -9.0, -0.3).finished())}) {
    Eigen::VectorXd gradient;
    // Without and with known noise on some points (heteroscedastic).
    for (const Eigen::VectorXd& known : {Eigen::VectorXd(), Eigen::VectorXd((Eigen::ArrayXd::LinSpaced(12, 0.0, 1.1) *
                                                                             Eigen::ArrayXd::LinSpaced(12, 0.0, 1.1))
                                                                                .matrix())}) {
      gp_log_posterior(x, y, kMixedKinds, packed, &gradient, known);
      ASSERT_EQ(gradient.size(), 6);
      for (int k = 0; k < 6; ++k) {
        const double h = 1e-5;
        Eigen::VectorXd up = packed;
        Eigen::VectorXd down = packed;
        up[k] += h;
        down[k] -= h;
        const double numeric = (gp_log_posterior(x, y, kMixedKinds, up, nullptr, known) -
                                gp_log_posterior(x, y, kMixedKinds, down, nullptr, known)) /
                               (2 * h);
        EXPECT_NEAR(gradient[k], numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << "parameter " << k;
      }
    }
  }
}

// A point with known noise pulls the posterior less and leaves more
// variance there than the same point observed with the fitted noise alone;
// the known noise adds to the fitted term (the rule), so every other point
// keeps that term.
TEST(GaussianProcess, KnownNoiseOfOnePointWidensItsPosterior) {
  const Eigen::Vector<double, 5> y(1.0, 2.5, 0.3, 1.7, 0.9);
  const GaussianProcess plain(mixed_inputs(), y, kMixedKinds, fixed_hyperparameters());
  const Eigen::VectorXd known = (Eigen::VectorXd(5) << 0.0, 0.5, 0.0, 0.0, 0.0).finished();
  const GaussianProcess noisy(mixed_inputs(), y, kMixedKinds, fixed_hyperparameters(), known);
  const GpPrediction a = plain.predict(mixed_inputs());
  const GpPrediction b = noisy.predict(mixed_inputs());
  EXPECT_GT(b.variance[1], 10.0 * a.variance[1]);
  EXPECT_GT(std::abs(b.mean[1] - y[1]), 10.0 * std::abs(a.mean[1] - y[1]));
  EXPECT_DOUBLE_EQ(noisy.noise_variance(), plain.noise_variance());
  EXPECT_GT(noisy.largest_standardised_noise(), plain.largest_standardised_noise() + 0.1);
  EXPECT_THROW(GaussianProcess(mixed_inputs(), y, kMixedKinds, fixed_hyperparameters(), -known), InputError);
}

Eigen::MatrixXd grid_inputs(int count) {
  Eigen::MatrixXd x(count, 2);
  for (int i = 0; i < count; ++i) {
    x(i, 0) = std::fmod(0.618034 * i + 0.1, 1.0);
    x(i, 1) = std::fmod(0.754878 * i + 0.3, 1.0);
  }
  return x;
}

TEST(GaussianProcess, FitInterpolatesSmoothFunctionWithTinyNoise) {
  const Eigen::MatrixXd x = grid_inputs(25);
  auto f = [](double a, double b) { return std::sin(3.0 * a) + b * b; };
  Eigen::VectorXd y(25);
  for (int i = 0; i < 25; ++i) y[i] = f(x(i, 0), x(i, 1));
  const GaussianProcess gp = GaussianProcess::fit(x, y, {InputKind::Continuous, InputKind::Continuous});
  EXPECT_LT(gp.hyperparameters().noise_variance(), 1e-3);
  Eigen::MatrixXd test(3, 2);
  test << 0.5, 0.5, 0.2, 0.9, 0.8, 0.1;
  const GpPrediction p = gp.predict(test);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(p.mean[i], f(test(i, 0), test(i, 1)), 0.05);
}

TEST(GaussianProcess, FitLearnsNoiseLevel) {
  const Eigen::MatrixXd x = grid_inputs(60);
  Eigen::VectorXd y(60);
  for (int i = 0; i < 60; ++i) y[i] = x(i, 0) + 0.3 * std::sin(1e3 * i * i);  // pseudo-noise, sd ~ 0.21
  const GaussianProcess gp = GaussianProcess::fit(x, y, {InputKind::Continuous, InputKind::Continuous});
  EXPECT_GT(gp.noise_variance(), 0.01);
  EXPECT_LT(gp.noise_variance(), 0.15);
}

// Gaussian noise of a known standard deviation on a smooth function: the
// fitted noise is that level, not the floor and not the function's spread.
TEST(GaussianProcess, FitRecoversAKnownNoiseLevel) {
  const Eigen::MatrixXd x = grid_inputs(120);
  std::mt19937_64 engine(5);
  std::normal_distribution<double> noise(0.0, 0.05);
  Eigen::VectorXd y(120);
  for (int i = 0; i < 120; ++i) y[i] = std::sin(3.0 * x(i, 0)) + x(i, 1) * x(i, 1) + noise(engine);
  const GaussianProcess gp = GaussianProcess::fit(x, y, {InputKind::Continuous, InputKind::Continuous});
  EXPECT_GT(std::sqrt(gp.noise_variance()), 0.035);
  EXPECT_LT(std::sqrt(gp.noise_variance()), 0.07);
}

// 1,200 noisy readings of a smooth function: judged through 150 inducing
// points with every reading, the means agree with exact conditioning on
// all 1,200 and are nearer the truth than the model of the 150 alone.
TEST(GaussianProcess, ProjectedMeansCountEveryObservationLikeExactConditioning) {
  const Eigen::MatrixXd x = grid_inputs(1200);
  std::mt19937_64 engine(11);
  std::normal_distribution<double> noise(0.0, 0.1);
  Eigen::VectorXd truth(1200);
  Eigen::VectorXd y(1200);
  for (int i = 0; i < 1200; ++i) {
    truth[i] = std::sin(3.0 * x(i, 0)) + x(i, 1) * x(i, 1);
    y[i] = truth[i] + noise(engine);
  }
  const std::vector<InputKind> kinds{InputKind::Continuous, InputKind::Continuous};
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < 1200; i += 8) rows.push_back(i);
  const GaussianProcess inducing = GaussianProcess::fit(x(rows, Eigen::all), y(rows), kinds);
  const GaussianProcess exact(x, y, kinds, inducing.hyperparameters());
  const Eigen::VectorXd projected = inducing.projected_means(x, y);
  const auto rms = [](const Eigen::VectorXd& error) { return std::sqrt(error.squaredNorm() / error.size()); };
  EXPECT_LT(rms(projected - exact.predict(x).mean), 0.01);
  EXPECT_LT(rms(projected - truth), 0.8 * rms(inducing.predict(x).mean - truth));
  EXPECT_LT(rms(projected - truth), 0.3 * rms(y - truth));
}

// The cross covariance is the off-diagonal block of the joint posterior
// covariance, and its gradient by the moving point matches finite
// differences.
TEST(GaussianProcess, CrossCovarianceMatchesJointPosteriorAndItsGradient) {
  const GaussianProcess gp(mixed_inputs(), Eigen::Vector<double, 5>(1.0, 2.5, 0.3, 1.7, 0.9), kMixedKinds,
                           fixed_hyperparameters());
  Eigen::MatrixXd fixed(2, 3);
  fixed << 0.2, 0.3, 0.25, 0.8, 0.6, 0.75;
  Eigen::MatrixXd points(2, 3);
  points << 0.45, 0.55, 0.25, 0.15, 0.85, 0.75;
  Eigen::MatrixXd joint_points(4, 3);
  joint_points << fixed, points;
  const Eigen::MatrixXd joint = gp.posterior_covariance(joint_points);
  const Eigen::MatrixXd solved = gp.solve_at(fixed);
  const Eigen::MatrixXd cross = gp.posterior_cross_covariance(points, fixed, solved);
  EXPECT_LT((cross - joint.topRightCorner(2, 2)).cwiseAbs().maxCoeff(), 1e-10);

  Eigen::VectorXd covariance;
  Eigen::MatrixXd gradient;
  std::vector<double> point{0.45, 0.55, 0.25};
  gp.posterior_cross_covariance(point.data(), fixed, solved, covariance, gradient);
  EXPECT_LT((covariance - cross.col(0)).cwiseAbs().maxCoeff(), 1e-12);
  for (int c = 0; c < 2; ++c) {  // the categorical coordinate has no gradient
    std::vector<double> up = point;
    std::vector<double> down = point;
    up[c] += 1e-6;
    down[c] -= 1e-6;
    Eigen::VectorXd at_up;
    Eigen::VectorXd at_down;
    Eigen::MatrixXd unused;
    gp.posterior_cross_covariance(up.data(), fixed, solved, at_up, unused);
    gp.posterior_cross_covariance(down.data(), fixed, solved, at_down, unused);
    const Eigen::VectorXd numeric = (at_up - at_down) / 2e-6;
    EXPECT_LT((numeric - gradient.col(c)).cwiseAbs().maxCoeff(), 1e-6) << "coordinate " << c;
  }
  EXPECT_EQ(gradient.col(2).cwiseAbs().maxCoeff(), 0.0);
}

TEST(GaussianProcess, BelievedObservationCollapsesVarianceButKeepsMean) {
  const GaussianProcess gp(mixed_inputs(), Eigen::Vector<double, 5>(1.0, 2.5, 0.3, 1.7, 0.9), kMixedKinds,
                           fixed_hyperparameters());
  const Eigen::RowVector3d point(0.5, 0.5, 0.25);
  const GpPrediction before = gp.predict(point);
  const GaussianProcess believer = gp.with_observations(point, before.mean);
  const GpPrediction after = believer.predict(point);
  EXPECT_NEAR(after.mean[0], before.mean[0], 1e-9);
  // Only the learned noise (exp(-5) of the standardised variance) remains.
  EXPECT_LT(after.variance[0], 0.05 * before.variance[0]);
}

}  // namespace
}  // namespace ecopt
