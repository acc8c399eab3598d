// NEHVI's conditioning (src/optim/front_samples.hpp) through the
// acquisition mobo maximises: exact models give the plain EHVI, the draws
// follow the seed, a point already measured gains nothing once conditioned,
// and the gradient is right.
#include "front_samples.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "acquisition.hpp"

namespace ecopt::optim_detail {
namespace {

// 20 points in [0,1]^2; objectives x0 and 1 - x0 + x1 (front at x1 = 0).
Eigen::MatrixXd inputs() {
  Eigen::MatrixXd x(20, 2);
  for (int i = 0; i < 20; ++i) {
    x(i, 0) = std::fmod(0.618034 * i + 0.1, 1.0);
    x(i, 1) = i % 4 == 0 ? 0.0 : std::fmod(0.754878 * i + 0.3, 1.0);
  }
  return x;
}

std::vector<GaussianProcess> models(double log_noise) {
  const Eigen::MatrixXd x = inputs();
  GpHyperparameters h;
  h.log_lengthscales = Eigen::Vector2d(std::log(0.6), std::log(0.6));
  h.log_noise = log_noise;
  const std::vector<InputKind> kinds{InputKind::Continuous, InputKind::Continuous};
  const Eigen::VectorXd first = x.col(0);
  const Eigen::VectorXd second = (1.0 - x.col(0).array() + x.col(1).array()).matrix();
  return {GaussianProcess(x, first, kinds, h), GaussianProcess(x, second, kinds, h)};
}

Eigen::MatrixXd means_at(const std::vector<GaussianProcess>& gps, const Eigen::MatrixXd& points) {
  Eigen::MatrixXd means(points.rows(), 2);
  for (Eigen::Index j = 0; j < 2; ++j) means.col(j) = gps[static_cast<std::size_t>(j)].predict(points).mean;
  return means;
}

const Point kReference{1.2, 2.2};

Acquisition mean_front_acquisition(const std::vector<GaussianProcess>& gps) {
  std::vector<ImprovementTerm> terms;
  terms.push_back({FrontSamples(means_at(gps, inputs()), kReference), 1.0});
  return Acquisition(gps, std::move(terms), {});
}

Acquisition conditioned_acquisition(const std::vector<GaussianProcess>& gps, std::uint64_t seed) {
  std::vector<ImprovementTerm> terms;
  terms.push_back({FrontSamples(gps, inputs(), means_at(gps, inputs()), kReference, 16, seed), 1.0});
  return Acquisition(gps, std::move(terms), {});
}

Eigen::MatrixXd candidates() {
  Eigen::MatrixXd points(4, 2);
  points << 0.33, 0.02, 0.71, 0.05, 0.5, 0.3, 0.05, 0.0;
  return points;
}

TEST(FrontSamples, ExactModelsGiveThePlainEhvi) {
  const std::vector<GaussianProcess> exact = models(-40.0);  // noise at the floor
  const Eigen::VectorXd plain = mean_front_acquisition(exact).evaluate(candidates());
  const Eigen::VectorXd conditioned = conditioned_acquisition(exact, 3).evaluate(candidates());
  for (Eigen::Index i = 0; i < plain.size(); ++i) {
    ASSERT_TRUE(std::isfinite(plain[i]));
    // The noise floor (1e-6 of the variance) still leaves draws of about
    // 1e-3 standard deviations: a few percent in the far tail.
    EXPECT_NEAR(conditioned[i], plain[i], 0.05) << "candidate " << i;
  }
}

TEST(FrontSamples, DrawsFollowTheSeed) {
  const std::vector<GaussianProcess> noisy = models(std::log(0.2));
  const Eigen::VectorXd first = conditioned_acquisition(noisy, 3).evaluate(candidates());
  EXPECT_EQ(first, conditioned_acquisition(noisy, 3).evaluate(candidates()));
  EXPECT_NE(first, conditioned_acquisition(noisy, 4).evaluate(candidates()));
}

// Given a sample, a measured point's latent value is that sample's, already
// part of the sampled front: measuring it again improves nothing. Against
// the posterior-mean front it still looks worth measuring.
TEST(FrontSamples, AMeasuredPointGainsNothingOnceConditioned) {
  const std::vector<GaussianProcess> noisy = models(std::log(0.2));
  const Eigen::MatrixXd measured = inputs().topRows(1);  // x1 = 0: on the front
  const double plain = mean_front_acquisition(noisy).evaluate(measured)[0];
  const double conditioned = conditioned_acquisition(noisy, 3).evaluate(measured)[0];
  EXPECT_TRUE(std::isfinite(plain));
  EXPECT_LT(conditioned, plain - 5.0);
  // Away from the data the two agree to within the sampling spread.
  const double between = conditioned_acquisition(noisy, 3).evaluate(candidates().topRows(1))[0];
  EXPECT_GT(between, plain - 5.0);
}

TEST(FrontSamples, ConditionedGradientMatchesFiniteDifferences) {
  const Acquisition acquisition = conditioned_acquisition(models(std::log(0.2)), 3);
  for (const std::vector<double>& point : {std::vector<double>{0.33, 0.08}, std::vector<double>{0.62, 0.15}}) {
    std::vector<double> gradient(2);
    const double value = acquisition.evaluate(point.data(), gradient.data());
    ASSERT_TRUE(std::isfinite(value));
    for (std::size_t c = 0; c < 2; ++c) {
      std::vector<double> up = point;
      std::vector<double> down = point;
      up[c] += 1e-6;
      down[c] -= 1e-6;
      const double numeric = (acquisition.evaluate(up.data(), nullptr) - acquisition.evaluate(down.data(), nullptr)) / 2e-6;
      EXPECT_NEAR(gradient[c], numeric, 1e-4 * std::max(1.0, std::abs(numeric))) << "coordinate " << c;
    }
    EXPECT_NEAR(acquisition.evaluate(Eigen::Map<const Eigen::RowVectorXd>(point.data(), 2))[0], value, 1e-9);
  }
}

// The acquisition computes the conditioning weights once for terms drawn on
// the same baseline (mobo's beyond term takes one of the inner term's
// samples): they must be the weights each term would compute, and a term
// on another baseline must not take them.
TEST(FrontSamples, TermsOnTheSameBaselineShareTheirWeights) {
  const std::vector<GaussianProcess> noisy = models(std::log(0.2));
  const Eigen::MatrixXd x = inputs();
  const FrontSamples inner(noisy, x, means_at(noisy, x), kReference, 16, 3);
  const FrontSamples beyond(noisy, x, means_at(noisy, x), Point{2.0, 3.0}, 1, 3);
  const Eigen::MatrixXd fewer = x.topRows(10);
  const FrontSamples elsewhere(noisy, fewer, means_at(noisy, fewer), kReference, 16, 3);
  EXPECT_TRUE(beyond.same_baseline(inner));
  EXPECT_FALSE(elsewhere.same_baseline(inner));
  for (std::size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(beyond.weights(j, noisy[j], candidates()), inner.weights(j, noisy[j], candidates()));
  }
  std::vector<ImprovementTerm> terms;
  terms.push_back({inner, 1.0});
  terms.push_back({beyond, 0.1});
  terms.push_back({elsewhere, 0.5});
  const Acquisition acquisition(noisy, std::move(terms), {});
  const Eigen::MatrixXd points = candidates();
  const Eigen::VectorXd batched = acquisition.evaluate(points);
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const Eigen::VectorXd point = points.row(i).transpose();
    EXPECT_NEAR(batched[i], acquisition.evaluate(point.data(), nullptr), 1e-9) << "candidate " << i;
  }
}

}  // namespace
}  // namespace ecopt::optim_detail
