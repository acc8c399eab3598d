#include "ecopt/math/benchmark_problems.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(TestProblems, Zdt1AndZdt2ByHand) {
  // g = 1 + 9 * (0.5 + 0.5) / 2 = 5.5; f1 = 0.25.
  const std::vector<double> x{0.25, 0.5, 0.5};
  EXPECT_DOUBLE_EQ(zdt1(x)[0], 0.25);
  EXPECT_NEAR(zdt1(x)[1], 5.5 * (1 - std::sqrt(0.25 / 5.5)), 1e-12);
  EXPECT_NEAR(zdt2(x)[1], 5.5 * (1 - (0.25 / 5.5) * (0.25 / 5.5)), 1e-12);
  // On the front (tail at 0): f2 = 1 - sqrt(f1) and 1 - f1^2.
  EXPECT_NEAR(zdt1({0.36, 0, 0, 0})[1], 0.4, 1e-12);
  EXPECT_NEAR(zdt2({0.6, 0, 0, 0})[1], 0.64, 1e-12);
}

TEST(TestProblems, Zdt3ByHand) {
  // f1 = 0.25: sin(2.5 pi) = 1, so on the front f2 = 1 - 0.5 - 0.25.
  EXPECT_NEAR(zdt3({0.25, 0, 0})[1], 0.25, 1e-12);
  // g = 5.5 off the front.
  EXPECT_NEAR(zdt3({0.25, 0.5, 0.5})[1], 5.5 * (1 - std::sqrt(0.25 / 5.5) - 0.25 / 5.5), 1e-12);
  // The front's last piece dips below zero.
  EXPECT_LT(zdt3({0.85, 0, 0})[1], -0.7);
}

TEST(TestProblems, Dtlz2ByHand) {
  // x1 = 0.5 (45 degrees between f3 and the rest), x2 = 0 (f2 = 0), tail 0.5 (g = 0).
  const Point f = dtlz2({0.5, 0.0, 0.5, 0.5}, 3);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_NEAR(f[0], std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(f[1], 0.0, 1e-12);
  EXPECT_NEAR(f[2], std::sqrt(0.5), 1e-12);
  // g = 2 * 0.25 = 0.5 scales every objective by 1.5.
  const Point g = dtlz2({0.5, 1.0, 1.0, 0.0}, 3);
  EXPECT_NEAR(g[2], 1.5 * std::sin(std::numbers::pi / 4), 1e-12);
}

TEST(TestProblems, TrueFrontsLieOnTheirKnownShapes) {
  for (const auto& point : sample_true_front(make_test_problem("dtlz2", 6, 3), 20)) {
    EXPECT_NEAR(point[0] * point[0] + point[1] * point[1] + point[2] * point[2], 1.0, 1e-12);
  }
  for (const auto& point : sample_true_front(make_test_problem("zdt1", 6), 50)) {
    EXPECT_NEAR(point[1], 1 - std::sqrt(point[0]), 1e-12);
  }
}

TEST(TestProblems, ClosedFormHypervolumes) {
  EXPECT_NEAR(zdt1_front_hypervolume({1.1, 1.1}), 0.876667, 1e-6);
  EXPECT_NEAR(zdt2_front_hypervolume({1.1, 1.1}), 0.543333, 1e-6);
  EXPECT_NEAR(dtlz2_front_hypervolume({1.1, 1.1, 1.1}), 0.807401, 1e-6);
  EXPECT_NEAR(dtlz2_front_hypervolume({1, 1}), 1 - std::numbers::pi / 4, 1e-12);
  // A reference that cuts the front: ZDT1 with r = (0.25, 0.75), the front
  // enters the box at f1 = 0.0625: integral of (sqrt(t) - 0.25) over [0.0625, 0.25].
  const double expected = 2.0 / 3.0 * (0.125 - 0.015625) - 0.25 * 0.1875;
  EXPECT_NEAR(zdt1_front_hypervolume({0.25, 0.75}), expected, 1e-12);
  EXPECT_DOUBLE_EQ(zdt1_front_hypervolume({-1.0, 2.0}), 0.0);
  EXPECT_THROW(dtlz2_front_hypervolume({1.1, 0.9, 1.1}), InputError);
  // ZDT3 (integrated independently with NumPy on 2 million steps: 1.3317634).
  EXPECT_NEAR(zdt3_front_hypervolume({1.1, 1.1}), 1.3317634, 1e-5);
  EXPECT_THROW(zdt1_front_hypervolume({1.1}), InputError);
}

TEST(TestProblems, FactoryDescribesTheBenchmarkSetting) {
  const auto zdt = make_test_problem("zdt2", 6);
  EXPECT_EQ(zdt.objectives, 2u);
  EXPECT_EQ(zdt.reference, (Point{1.1, 1.1}));
  EXPECT_NEAR(zdt.true_hypervolume, 0.543333, 1e-6);
  EXPECT_EQ(zdt.evaluate(std::vector<double>(6, 0.3)), zdt2(std::vector<double>(6, 0.3)));
  const auto dtlz = make_test_problem("dtlz2", 6, 3);
  EXPECT_EQ(dtlz.evaluate(std::vector<double>(6, 0.3)).size(), 3u);
  EXPECT_NEAR(dtlz.true_hypervolume, 1.331 - std::numbers::pi / 6, 1e-12);
}

TEST(TestProblems, BadInputIsRefused) {
  EXPECT_THROW(make_test_problem("zdt9", 6), InputError);
  EXPECT_THROW(make_test_problem("zdt1", 1), InputError);
  EXPECT_THROW(make_test_problem("dtlz2", 2, 3), InputError);
  EXPECT_THROW(zdt1({0.5, 1.5}), InputError);
  EXPECT_THROW(dtlz2({0.5, 0.5}, 3), InputError);
}

}  // namespace
}  // namespace ecopt
