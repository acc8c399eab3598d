#include "ecopt/math/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::ElementsAre;

TEST(Pareto, ToMinimizationNegatesMaximisedObjectives) {
  EXPECT_EQ(to_minimization({0.9, 0.01}, {Direction::Maximize, Direction::Minimize}),
            (Point{-0.9, 0.01}));
  EXPECT_THROW(to_minimization({1.0}, {Direction::Minimize, Direction::Minimize}), InputError);
}

TEST(Pareto, Dominance) {
  EXPECT_TRUE(dominates({1, 2}, {2, 2}));
  EXPECT_TRUE(dominates({1, 1}, {2, 2}));
  EXPECT_FALSE(dominates({1, 2}, {1, 2}));  // equal: neither dominates
  EXPECT_FALSE(dominates({1, 3}, {2, 2}));  // a trade-off
  EXPECT_FALSE(dominates({2, 2}, {1, 2}));
  EXPECT_THROW(dominates({1, 2}, {1, 2, 3}), InputError);
}

TEST(Pareto, FrontOfKnownSet) {
  const std::vector<Point> points{{1, 5}, {2, 3}, {3, 4}, {4, 1}, {2, 3}, {5, 5}, {0, 9}};
  // (3,4) is dominated by (2,3), (5,5) by several; the duplicate (2,3) stays.
  EXPECT_THAT(pareto_front(points), ElementsAre(0, 1, 3, 4, 6));
  EXPECT_TRUE(pareto_front({}).empty());
}

TEST(Pareto, FrontHonoursMaximisation) {
  const std::vector<Direction> directions{Direction::Maximize, Direction::Minimize};
  // accuracy up, energy down: (0.9, 5) and (0.8, 2) trade off; (0.7, 3) loses to (0.8, 2).
  const std::vector<Point> points{to_minimization({0.9, 5}, directions),
                                  to_minimization({0.8, 2}, directions),
                                  to_minimization({0.7, 3}, directions)};
  EXPECT_THAT(pareto_front(points), ElementsAre(0, 1));
}

TEST(Pareto, RejectsNaNAndRaggedPoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pareto_front({{1, 2}, {nan, 1}}), InputError);
  EXPECT_THROW(non_dominated_sort({{1, 2}, {1, 2, 3}}), InputError);
}

TEST(Pareto, NonDominatedSortGivesLayeredFronts) {
  const std::vector<Point> points{
      {1, 4}, {2, 2}, {4, 1},  // front 1
      {2, 5}, {3, 3}, {5, 2},  // front 2
      {6, 6},                  // front 3
      {2, 2},                  // duplicate of a front-1 point, also front 1
  };
  const auto fronts = non_dominated_sort(points);
  ASSERT_EQ(fronts.size(), 3u);
  EXPECT_THAT(fronts[0], ElementsAre(0, 1, 2, 7));
  EXPECT_THAT(fronts[1], ElementsAre(3, 4, 5));
  EXPECT_THAT(fronts[2], ElementsAre(6));
}

TEST(Pareto, NonDominatedSortAgreesWithRepeatedFrontPeeling) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Point> points(300);
  for (auto& p : points) p = {unit(rng), unit(rng), std::round(unit(rng) * 4)};  // with ties
  const auto fronts = non_dominated_sort(points);
  std::vector<std::size_t> remaining(points.size());
  for (std::size_t i = 0; i < remaining.size(); ++i) remaining[i] = i;
  for (const auto& front : fronts) {
    std::vector<Point> subset;
    for (std::size_t i : remaining) subset.push_back(points[i]);
    std::vector<std::size_t> expected, rest;
    for (std::size_t k : pareto_front(subset)) expected.push_back(remaining[k]);
    EXPECT_EQ(front, expected);
    for (std::size_t i : remaining) {
      if (!std::binary_search(expected.begin(), expected.end(), i)) rest.push_back(i);
    }
    remaining = rest;
  }
  EXPECT_TRUE(remaining.empty());
}

TEST(Pareto, CrowdingDistanceByHand) {
  const std::vector<Point> points{{0, 10}, {1, 6}, {3, 3}, {4, 2}, {10, 0}, {99, 99}};
  const std::vector<std::size_t> front{0, 1, 2, 3, 4};
  const auto distance = crowding_distance(points, front);
  ASSERT_EQ(distance.size(), 5u);
  EXPECT_TRUE(std::isinf(distance[0]));
  EXPECT_TRUE(std::isinf(distance[4]));
  // (1,6): (3-0)/10 + (10-3)/10; (3,3): (4-1)/10 + (6-2)/10; (4,2): (10-3)/10 + (3-0)/10.
  EXPECT_NEAR(distance[1], 1.0, 1e-12);
  EXPECT_NEAR(distance[2], 0.7, 1e-12);
  EXPECT_NEAR(distance[3], 1.0, 1e-12);
}

TEST(Pareto, CrowdingDistanceOfTinyFrontsIsInfinite) {
  const std::vector<Point> points{{0, 1}, {1, 0}};
  for (double d : crowding_distance(points, {0, 1})) EXPECT_TRUE(std::isinf(d));
  EXPECT_THROW(crowding_distance({{0, 1}, {1, 0}, {2, 2}}, {0, 1, 5}), InputError);
}

}  // namespace
}  // namespace ecopt
