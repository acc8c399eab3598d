#include "ecopt/optim/ehvi.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/hypervolume.hpp"

namespace ecopt {
namespace {

std::vector<Point> random_front(std::size_t count, std::size_t m, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<Point> points;
  for (std::size_t i = 0; i < count; ++i) {
    // Points near the unit sphere's negative orthant plus clutter.
    Point p(m);
    double norm = 0.0;
    for (double& v : p) {
      v = std::abs(normal(rng));
      norm += v * v;
    }
    for (double& v : p) v = v / std::sqrt(norm) + 0.1 * std::abs(normal(rng));
    points.push_back(p);
  }
  return points;
}

// Box volumes, with -infinity lower corners clipped at `floor`, must add up
// to the part of [floor, reference] that the front does not dominate.
double clipped_volume(const HypervolumeBoxes& boxes, double floor) {
  double total = 0.0;
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    double volume = 1.0;
    for (std::size_t j = 0; j < boxes.objectives(); ++j) volume *= boxes.upper(b)[j] - std::max(boxes.lower(b)[j], floor);
    total += volume;
  }
  return total;
}

class BoxDecomposition : public ::testing::TestWithParam<std::size_t> {};

TEST_P(BoxDecomposition, TilesTheNonDominatedRegion) {
  const std::size_t m = GetParam();
  std::mt19937_64 rng(42);
  for (std::size_t count : {1u, 5u, 30u}) {
    const std::vector<Point> front = random_front(count, m, rng);
    const Point reference(m, 1.5);
    const HypervolumeBoxes boxes(front, reference);
    const double floor = -1.0;
    const double box_volume = std::pow(reference[0] - floor, static_cast<double>(m));
    EXPECT_NEAR(clipped_volume(boxes, floor), box_volume - hypervolume(front, reference), 1e-9) << count;
  }
}

TEST_P(BoxDecomposition, ImprovementEqualsHypervolumeDifference) {
  const std::size_t m = GetParam();
  std::mt19937_64 rng(7);
  const std::vector<Point> front = random_front(20, m, rng);
  const Point reference(m, 1.3);
  const HypervolumeBoxes boxes(front, reference);
  std::uniform_real_distribution<double> uniform(-0.2, 1.4);
  for (int trial = 0; trial < 50; ++trial) {
    Point y(m);
    for (double& v : y) v = uniform(rng);
    std::vector<Point> extended = front;
    extended.push_back(y);
    EXPECT_NEAR(boxes.improvement(y), hypervolume(extended, reference) - hypervolume(front, reference), 1e-12);
  }
}

// mobo's two improvement boxes from one decomposition: improvement and
// EHVI (with its gradient) are those against the inner point plus the
// weight times those against the reference.
TEST_P(BoxDecomposition, ASplitDecompositionSumsTheInnerAndWeightedOuterTerms) {
  const std::size_t m = GetParam();
  std::mt19937_64 rng(11);
  const std::vector<Point> front = random_front(25, m, rng);
  const Point reference(m, 1.6);
  Point inner(m, 1.05);
  inner[0] = 1.7;  // beyond the reference in one objective: taken as the reference there
  const double weight = 0.01;
  const HypervolumeBoxes split(front, reference, inner, weight);
  Point clipped = inner;
  clipped[0] = reference[0];
  const HypervolumeBoxes near(front, clipped);
  const HypervolumeBoxes far(front, reference);
  std::uniform_real_distribution<double> uniform(-0.2, 1.7);
  for (int trial = 0; trial < 50; ++trial) {
    Point y(m);
    for (double& v : y) v = uniform(rng);
    EXPECT_NEAR(split.improvement(y), near.improvement(y) + weight * far.improvement(y), 1e-12);
  }
  const Point mean(m, 0.7);
  const Point stddev(m, 0.3);
  std::vector<double> d_mean(m), d_stddev(m), near_d_mean(m), near_d_stddev(m), far_d_mean(m), far_d_stddev(m);
  const double log_split = log_expected_hypervolume_improvement(std::span(&split, 1), mean, stddev, d_mean, d_stddev);
  const double near_value =
      std::exp(log_expected_hypervolume_improvement(std::span(&near, 1), mean, stddev, near_d_mean, near_d_stddev));
  const double far_value =
      std::exp(log_expected_hypervolume_improvement(std::span(&far, 1), mean, stddev, far_d_mean, far_d_stddev));
  const double sum = near_value + weight * far_value;
  EXPECT_NEAR(std::exp(log_split), sum, 1e-12 * sum);
  for (std::size_t j = 0; j < m; ++j) {
    // d log(sum) = (near * d log near + w far * d log far) / sum
    EXPECT_NEAR(d_mean[j], (near_value * near_d_mean[j] + weight * far_value * far_d_mean[j]) / sum, 1e-9) << j;
    EXPECT_NEAR(d_stddev[j], (near_value * near_d_stddev[j] + weight * far_value * far_d_stddev[j]) / sum, 1e-9) << j;
  }
}

INSTANTIATE_TEST_SUITE_P(TwoAndThreeObjectives, BoxDecomposition, ::testing::Values(2u, 3u));

TEST(BoxDecomposition, RejectsFourObjectives) {
  EXPECT_THROW(HypervolumeBoxes({{0, 0, 0, 0}}, {1, 1, 1, 1}), InputError);
}

// Closed form against a Monte Carlo average of the exact improvement.
void expect_matches_monte_carlo(std::size_t m, const Point& mean, const Point& stddev) {
  std::mt19937_64 rng(123);
  const std::vector<Point> front = random_front(8, m, rng);
  const HypervolumeBoxes boxes(front, Point(m, 1.2));
  std::normal_distribution<double> normal;
  const int samples = 200000;
  double sum = 0.0;
  double sum_sq = 0.0;
  Point y(m);
  for (int s = 0; s < samples; ++s) {
    for (std::size_t j = 0; j < m; ++j) y[j] = mean[j] + stddev[j] * normal(rng);
    const double v = boxes.improvement(y);
    sum += v;
    sum_sq += v * v;
  }
  const double estimate = sum / samples;
  const double standard_error = std::sqrt((sum_sq / samples - estimate * estimate) / samples);
  const double closed = std::exp(log_expected_hypervolume_improvement(std::span(&boxes, 1), mean, stddev));
  EXPECT_NEAR(closed, estimate, 4.0 * standard_error + 1e-12) << "estimate " << estimate;
  EXPECT_GT(closed, 0.0);
}

TEST(LogEhvi, MatchesMonteCarloIn2D) { expect_matches_monte_carlo(2, {0.6, 0.7}, {0.3, 0.2}); }
TEST(LogEhvi, MatchesMonteCarloIn3D) { expect_matches_monte_carlo(3, {0.5, 0.6, 0.55}, {0.25, 0.3, 0.2}); }

TEST(LogEhvi, OneObjectiveIsExpectedImprovement) {
  const HypervolumeBoxes boxes({{0.4}, {0.9}}, {2.0});
  const double mean = 0.7;
  const double stddev = 0.2;
  const double z = (0.4 - mean) / stddev;
  const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  const double ei = stddev * (phi + z * cdf);
  EXPECT_NEAR(std::exp(log_expected_hypervolume_improvement(std::span(&boxes, 1), std::vector{mean},
                                                            std::vector{stddev})),
              ei, 1e-12);
}

TEST(LogEhvi, GradientMatchesFiniteDifferencesOverSeveralFronts) {
  std::mt19937_64 rng(5);
  const std::vector<HypervolumeBoxes> fronts{HypervolumeBoxes(random_front(6, 3, rng), {1.2, 1.2, 1.2}),
                                             HypervolumeBoxes(random_front(9, 3, rng), {1.2, 1.2, 1.2})};
  for (const Point& mean : {Point{0.5, 0.6, 0.4}, Point{1.5, 2.0, 1.8}}) {  // inside, and far dominated
    const Point stddev{0.2, 0.1, 0.15};
    Point d_mean(3);
    Point d_stddev(3);
    log_expected_hypervolume_improvement(fronts, mean, stddev, d_mean, d_stddev);
    for (std::size_t j = 0; j < 3; ++j) {
      const double h = 1e-6;
      Point up = mean;
      Point down = mean;
      up[j] += h;
      down[j] -= h;
      const double numeric_mean = (log_expected_hypervolume_improvement(fronts, up, stddev) -
                                   log_expected_hypervolume_improvement(fronts, down, stddev)) / (2 * h);
      EXPECT_NEAR(d_mean[j], numeric_mean, 1e-4 * std::max(1.0, std::abs(numeric_mean)));
      up = stddev;
      down = stddev;
      up[j] += h;
      down[j] -= h;
      const double numeric_stddev = (log_expected_hypervolume_improvement(fronts, mean, up) -
                                     log_expected_hypervolume_improvement(fronts, mean, down)) / (2 * h);
      EXPECT_NEAR(d_stddev[j], numeric_stddev, 1e-4 * std::max(1.0, std::abs(numeric_stddev)));
    }
  }
}

// Far behind the front a plain EHVI underflows to 0; the log stays finite
// and keeps pointing towards the front.
TEST(LogEhvi, StaysFiniteAndInformativeFarBehindTheFront) {
  const HypervolumeBoxes boxes({{0.2, 0.8}, {0.5, 0.4}, {0.9, 0.1}}, {1.1, 1.1});
  double previous = 0.0;
  for (double offset : {5.0, 20.0, 40.0, 100.0}) {
    const Point mean{1.1 + offset * 0.05, 1.1 + offset * 0.05};
    Point d_mean(2);
    Point d_stddev(2);
    const double value =
        log_expected_hypervolume_improvement(std::span(&boxes, 1), mean, Point{0.05, 0.05}, d_mean, d_stddev);
    EXPECT_TRUE(std::isfinite(value)) << offset;
    if (offset > 5.0) EXPECT_LT(value, previous);
    EXPECT_LT(d_mean[0], 0.0);
    EXPECT_LT(d_mean[1], 0.0);
    EXPECT_TRUE(std::isfinite(d_mean[0]) && std::isfinite(d_stddev[0]));
    previous = value;
  }
}

}  // namespace
}  // namespace ecopt
