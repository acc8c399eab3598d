#include "ecopt/math/benchmark_problems.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

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

TEST(TestProblems, BraninCurrinByHand) {
  // Branin's minimum 0.397887 at (pi, 2.275), i.e. x = ((pi + 5) / 15, 2.275 / 15).
  EXPECT_NEAR(branin_currin({(std::numbers::pi + 5.0) / 15.0, 2.275 / 15.0})[0], 0.397887357729738, 1e-9);
  // x = (0, 0): u = -5, v = 0.
  const double pi = std::numbers::pi;
  const double at_origin = std::pow(-5.1 / (4 * pi * pi) * 25 - 25 / pi - 6, 2) +
                           10 * (1 - 1 / (8 * pi)) * std::cos(-5.0) + 10;
  EXPECT_NEAR(branin_currin({0.0, 0.0})[0], at_origin, 1e-9);
  EXPECT_NEAR(at_origin, 308.129096, 1e-6);
  // Currin at (0, 1): (1 - e^-0.5) * 60 / 20; at x2 = 0 the factor is 1: 6352 / 624 at (1, 0).
  EXPECT_NEAR(branin_currin({0.0, 1.0})[1], 3.0 * (1.0 - std::exp(-0.5)), 1e-12);
  EXPECT_NEAR(branin_currin({1.0, 0.0})[1], 6352.0 / 624.0, 1e-12);
  EXPECT_NEAR(branin_currin({0.0, 0.0})[1], 3.0, 1e-12);
}

// An independent sum: the non-dominated points of a 1000 x 1000 grid, their
// staircase area by hand (a lower bound) and with the triangles between
// neighbouring front points added (the trapezoid rule, second order).
TEST(TestProblems, BraninCurrinFrontHypervolumeMatchesAGridSum) {
  const TestProblem problem = make_test_problem("branin_currin", 2);
  constexpr int kSteps = 1000;
  std::vector<std::pair<double, double>> points;
  for (int i = 0; i < kSteps; ++i) {
    for (int j = 0; j < kSteps; ++j) {
      const Point f = branin_currin({i / (kSteps - 1.0), j / (kSteps - 1.0)});
      if (f[0] < problem.reference[0] && f[1] < problem.reference[1]) points.emplace_back(f[0], f[1]);
    }
  }
  std::sort(points.begin(), points.end());
  std::vector<std::pair<double, double>> front;
  for (const auto& p : points) {
    if (front.empty() || p.second < front.back().second) front.push_back(p);
  }
  double staircase = 0.0;
  double triangles = 0.0;
  for (std::size_t k = 0; k < front.size(); ++k) {
    const double next = k + 1 < front.size() ? front[k + 1].first : problem.reference[0];
    staircase += (next - front[k].first) * (problem.reference[1] - front[k].second);
    if (k + 1 < front.size()) triangles += 0.5 * (next - front[k].first) * (front[k].second - front[k + 1].second);
  }
  EXPECT_LT(staircase, problem.true_hypervolume);
  EXPECT_NEAR(staircase + triangles, problem.true_hypervolume, 0.015);
  EXPECT_GT(staircase + triangles, 59.36);  // BoTorch's stated maximum is short
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
  const auto dtlz_two = make_test_problem("dtlz2", 6, 2);
  EXPECT_EQ(dtlz_two.evaluate(std::vector<double>(6, 0.3)), dtlz2(std::vector<double>(6, 0.3), 2));
  EXPECT_NEAR(dtlz_two.true_hypervolume, 1.21 - std::numbers::pi / 4, 1e-12);
  const auto bc = make_test_problem("branin_currin", 2);
  EXPECT_EQ(bc.reference, (Point{18.0, 6.0}));
  EXPECT_EQ(bc.evaluate({0.2, 0.7}), branin_currin({0.2, 0.7}));
  // Each objective's range over the front: Branin from its minimum to its
  // value where Currin is least, (0, 1); Currin from there to its value at
  // the Branin minimiser where it is least.
  EXPECT_NEAR(bc.front_range[0], branin_currin({0.0, 1.0})[0] - 0.397887357729738, 1e-5);
  EXPECT_NEAR(bc.front_range[1],
              branin_currin({(5.0 - std::numbers::pi) / 15.0, 12.275 / 15.0})[1] - branin_currin({0.0, 1.0})[1], 1e-5);
}

TEST(TestProblems, BadInputIsRefused) {
  EXPECT_THROW(make_test_problem("zdt9", 6), InputError);
  EXPECT_THROW(make_test_problem("zdt1", 1), InputError);
  EXPECT_THROW(make_test_problem("dtlz2", 2, 3), InputError);
  EXPECT_THROW(zdt1({0.5, 1.5}), InputError);
  EXPECT_THROW(dtlz2({0.5, 0.5}, 3), InputError);
  EXPECT_THROW(make_test_problem("branin_currin", 6), InputError);
  EXPECT_THROW(branin_currin({0.5, 0.5, 0.5}), InputError);
  EXPECT_THROW(sample_true_front(make_test_problem("branin_currin", 2), 10), InputError);
}

}  // namespace
}  // namespace ecopt
