// The box mobo measures 3-objective improvement in without thresholds
// (src/optim/reference_box.hpp): the front's dense part, never widened
// after the start, so extreme points the search adds do not grow it.
#include "reference_box.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/math/front.hpp"

namespace ecopt::optim_detail {
namespace {

// 12 non-dominated points spread over the positive octant of the sphere
// of radius 1.2 (a front still some way from DTLZ2's true one).
std::vector<Point> spread_front() {
  std::vector<Point> points;
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 3; ++b) {
      const double polar = (a + 0.5) * std::numbers::pi / 8.0;
      const double azimuth = (b + 0.5) * std::numbers::pi / 6.0;
      points.push_back({1.2 * std::cos(polar) * std::cos(azimuth), 1.2 * std::cos(polar) * std::sin(azimuth),
                        1.2 * std::sin(polar)});
    }
  }
  return points;
}

StudySpec three_objectives() {
  StudySpec spec;
  spec.objectives = {{"a", Direction::Minimize, std::nullopt},
                     {"b", Direction::Minimize, std::nullopt},
                     {"c", Direction::Minimize, std::nullopt}};
  return spec;
}

TEST(SettledDenseReference, AnExtremePointFoundLaterDoesNotWidenTheBox) {
  std::vector<Point> values = spread_front();
  const Point nadir_box = reference_point(three_objectives(), values, ReferenceRule::FrontNadir).minimization;
  // Non-dominated only because their other objectives are (nearly) 0;
  // Ax's rule moves the box past them, and they are too many to leave out
  // as the front's sparse tail.
  for (const Point& extreme : {Point{1.9, 0.0, 0.0}, Point{1.7, 1e-3, 1e-3}, Point{0.0, 1.9, 0.0}, Point{0.0, 0.0, 1.9}}) {
    values.push_back(extreme);
  }
  EXPECT_GT(reference_point(three_objectives(), values, ReferenceRule::FrontNadir).minimization[0], 1.9);
  const Point settled = settled_dense_reference(values, spread_front().size());
  for (std::size_t j = 0; j < 3; ++j) EXPECT_LE(settled[j], nadir_box[j]) << j;
  EXPECT_LT(settled[0], 1.3);
}

TEST(SettledDenseReference, ABetterFrontNarrowsTheBox) {
  std::vector<Point> values = spread_front();
  const Point settled = settled_dense_reference(values, values.size());
  for (const Point& point : spread_front()) values.push_back({0.8 * point[0], 0.8 * point[1], 0.8 * point[2]});
  const Point narrowed = settled_dense_reference(values, spread_front().size());
  for (std::size_t j = 0; j < 3; ++j) EXPECT_LT(narrowed[j], 0.85 * settled[j]) << j;
}

TEST(SettledDenseReference, LeavesTheFrontsSparseTailOut) {
  std::vector<Point> values = spread_front();
  values.push_back({2.5, 0.0, 0.0});
  const Point dense = settled_dense_reference(values, values.size());
  const Point nadir = reference_point(three_objectives(), values, ReferenceRule::FrontNadir).minimization;
  EXPECT_LT(dense[0], 1.3);
  EXPECT_GT(nadir[0], 2.5);
  // Most of the rest of the front lies inside the box, in every objective.
  for (std::size_t j = 0; j < 3; ++j) {
    int inside = 0;
    for (const Point& point : spread_front()) inside += point[j] < dense[j] ? 1 : 0;
    EXPECT_GE(inside, 10) << j;
  }
}

TEST(SettledDenseReference, BeforeTheStartEndsItIsTheDenseBoxOfAllValues) {
  const std::vector<Point> values = spread_front();
  EXPECT_EQ(settled_dense_reference(values, 100), settled_dense_reference(values, values.size()));
}

}  // namespace
}  // namespace ecopt::optim_detail
