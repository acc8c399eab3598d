#include "ecopt/math/hypervolume.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/benchmark_problems.hpp"

namespace ecopt {
namespace {

// Inclusion–exclusion over every non-empty subset: the volume of a union of
// boxes [p, reference], independent of any sweep. Exponential, for few points.
double brute_force_hypervolume(const std::vector<Point>& points, const Point& reference) {
  double volume = 0.0;
  for (std::uint32_t subset = 1; subset < (1U << points.size()); ++subset) {
    Point corner(reference.size(), -std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (!(subset >> i & 1U)) continue;
      for (std::size_t d = 0; d < reference.size(); ++d) corner[d] = std::max(corner[d], points[i][d]);
    }
    double box = 1.0;
    for (std::size_t d = 0; d < reference.size(); ++d) box *= std::max(0.0, reference[d] - corner[d]);
    volume += (std::popcount(subset) % 2 == 1 ? box : -box);
  }
  return volume;
}

std::vector<Point> random_points(std::size_t count, std::size_t dims, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Point> points(count, Point(dims));
  for (auto& p : points) {
    for (auto& x : p) x = unit(rng);
  }
  return points;
}

// Points on the positive part of the unit sphere: mutually non-dominated.
std::vector<Point> sphere_points(std::size_t count, std::size_t dims, std::mt19937_64& rng) {
  auto points = random_points(count, dims, rng);
  for (auto& p : points) {
    double norm = 0.0;
    for (double x : p) norm += x * x;
    for (double& x : p) x /= std::sqrt(norm);
  }
  return points;
}

TEST(Hypervolume, OneDimension) {
  EXPECT_DOUBLE_EQ(hypervolume({{0.5}, {0.2}, {3.0}}, {1.0}), 0.8);
}

TEST(Hypervolume, TwoDimensionalStaircaseByHand) {
  // Slabs (4-1)(4-3) + (4-2)(3-2) + (4-3)(2-1) = 3 + 2 + 1.
  EXPECT_DOUBLE_EQ(hypervolume({{3, 1}, {1, 3}, {2, 2}}, {4, 4}), 6.0);
  // A dominated point adds nothing.
  EXPECT_DOUBLE_EQ(hypervolume({{3, 1}, {1, 3}, {2, 2}, {3, 3}}, {4, 4}), 6.0);
}

TEST(Hypervolume, ThreeDimensionalByHand) {
  EXPECT_DOUBLE_EQ(hypervolume({{0, 0, 0}}, {1, 2, 3}), 6.0);
  // Boxes 2*2*1 and 1*1*2 overlapping in 1*1*1.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 0, 1}, {1, 1, 0}}, {2, 2, 2}), 5.0);
}

TEST(Hypervolume, PointsNotStrictlyInsideTheReferenceAreIgnored) {
  const Point reference{2, 2};
  EXPECT_DOUBLE_EQ(hypervolume({{1, 1}, {2, 0}, {0, 2}, {3, -5}}, reference), 1.0);
  EXPECT_DOUBLE_EQ(hypervolume({{2, 2}}, reference), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume({}, reference), 0.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_DOUBLE_EQ(hypervolume({{1, 1}, {nan, 0}}, reference), 1.0);
}

TEST(Hypervolume, DuplicatesCountOnce) {
  std::mt19937_64 rng(3);
  for (std::size_t dims : {2u, 3u, 4u, 5u}) {
    auto points = random_points(12, dims, rng);
    const Point reference(dims, 1.0);
    const double once = hypervolume(points, reference);
    auto twice = points;
    twice.insert(twice.end(), points.begin(), points.end());
    EXPECT_NEAR(hypervolume(twice, reference), once, 1e-12) << dims << "-D";
  }
}

TEST(Hypervolume, RejectsMismatchedDimensions) {
  EXPECT_THROW(hypervolume({{1, 2, 3}}, {4, 4}), InputError);
  EXPECT_THROW(hypervolume({{1}}, {}), InputError);
}

TEST(Hypervolume, MatchesInclusionExclusionInTwoToFiveDimensions) {
  std::mt19937_64 rng(11);
  for (std::size_t dims = 2; dims <= 5; ++dims) {
    for (int trial = 0; trial < 20; ++trial) {
      const auto points = random_points(10, dims, rng);
      const Point reference(dims, 1.05);
      EXPECT_NEAR(hypervolume(points, reference), brute_force_hypervolume(points, reference), 1e-12)
          << dims << "-D, trial " << trial;
    }
  }
}

TEST(Hypervolume, MatchesInclusionExclusionWithTiedCoordinates) {
  std::mt19937_64 rng(17);
  for (std::size_t dims = 2; dims <= 5; ++dims) {
    for (int trial = 0; trial < 20; ++trial) {
      auto points = random_points(11, dims, rng);
      for (auto& p : points) {
        for (double& x : p) x = std::floor(x * 4) / 4;  // a coarse grid: many equal values
      }
      const Point reference(dims, 1.0);
      EXPECT_NEAR(hypervolume(points, reference), brute_force_hypervolume(points, reference), 1e-12)
          << dims << "-D, trial " << trial;
    }
  }
}

TEST(Hypervolume, FourDimensionsAgreesWithMonteCarlo) {
  std::mt19937_64 rng(5);
  const auto points = sphere_points(60, 4, rng);
  const Point reference(4, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int samples = 400000;
  int hits = 0;
  for (int s = 0; s < samples; ++s) {
    const Point q{unit(rng), unit(rng), unit(rng), unit(rng)};
    hits += std::any_of(points.begin(), points.end(), [&](const Point& p) {
      return p[0] <= q[0] && p[1] <= q[1] && p[2] <= q[2] && p[3] <= q[3];
    });
  }
  const double estimate = static_cast<double>(hits) / samples;
  const double standard_error = std::sqrt(estimate * (1 - estimate) / samples);
  EXPECT_NEAR(hypervolume(points, reference), estimate, 5 * standard_error);
}

TEST(Hypervolume, InvariantUnderPermutingObjectives) {
  std::mt19937_64 rng(9);
  for (std::size_t dims : {3u, 4u}) {
    const auto points = sphere_points(300, dims, rng);
    const Point reference(dims, 1.2);
    const double original = hypervolume(points, reference);
    auto rotated = points;
    for (auto& p : rotated) std::rotate(p.begin(), p.begin() + 1, p.end());
    EXPECT_NEAR(hypervolume(rotated, reference), original, 1e-9) << dims << "-D";
  }
}

TEST(Hypervolume, ConstantLastObjectiveReducesToOneDimensionLess) {
  std::mt19937_64 rng(13);
  auto points = sphere_points(200, 3, rng);
  const double area_times_height = hypervolume(points, {1.1, 1.1, 1.1}) * (2.0 - 0.5);
  for (auto& p : points) p.push_back(0.5);
  EXPECT_NEAR(hypervolume(points, {1.1, 1.1, 1.1, 2.0}), area_times_height, 1e-9);
}

TEST(Hypervolume, Zdt1FrontApproachesItsClosedForm) {
  const auto problem = make_test_problem("zdt1", 6);
  const auto front = sample_true_front(problem, 10000);
  const double hv = hypervolume(front, {1.1, 1.1});
  EXPECT_NEAR(hv, 1.21 - 1.0 / 3.0, 1e-3);
  EXPECT_LT(hv, 1.21 - 1.0 / 3.0);  // a finite sample never covers the whole front
}

TEST(Hypervolume, Zdt2FrontApproachesItsClosedForm) {
  const auto front = sample_true_front(make_test_problem("zdt2", 6), 10000);
  EXPECT_NEAR(hypervolume(front, {1.1, 1.1}), 0.11 + 0.1 + 1.0 / 3.0, 1e-3);
}

TEST(Hypervolume, Zdt3DisconnectedFrontApproachesItsIntegral) {
  const auto problem = make_test_problem("zdt3", 6);
  const double hv = hypervolume(sample_true_front(problem, 100000), problem.reference);
  EXPECT_NEAR(hv, problem.true_hypervolume, 1e-4);
  EXPECT_LT(hv, problem.true_hypervolume);
}

// The gap to the closed form shrinks as 1 / (points per axis): 2.2e-3 at
// 300, 1.1e-3 at 600.
TEST(Hypervolume, Dtlz2ThreeObjectiveFrontApproachesItsClosedForm) {
  const auto problem = make_test_problem("dtlz2", 6, 3);
  const auto front = sample_true_front(problem, 600);  // 360,000 points
  const double hv = hypervolume(front, {1.1, 1.1, 1.1});
  EXPECT_NEAR(hv, 1.331 - std::numbers::pi / 6, 2e-3);
  EXPECT_LT(hv, 1.331 - std::numbers::pi / 6);
}

// Four objectives go through the recursive (WFG) path. A coarse grid is far
// from the front's volume, so check that refining it closes the gap at the
// first-order rate: halving the spacing roughly halves the gap.
TEST(Hypervolume, Dtlz2FourObjectiveFrontApproachesItsClosedForm) {
  const auto problem = make_test_problem("dtlz2", 6, 4);
  // 1.1^4 minus the unit 4-ball's orthant, pi^2 / 32.
  const double truth = std::pow(1.1, 4) - std::numbers::pi * std::numbers::pi / 32;
  const double coarse_gap = truth - hypervolume(sample_true_front(problem, 6), problem.reference);
  const double fine_gap = truth - hypervolume(sample_true_front(problem, 12), problem.reference);
  EXPECT_GT(fine_gap, 0.0);
  EXPECT_GT(coarse_gap / fine_gap, 1.8);
  EXPECT_LT(coarse_gap / fine_gap, 2.6);
}

}  // namespace
}  // namespace ecopt
