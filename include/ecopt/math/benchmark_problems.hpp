#pragma once
// Standard multi-objective benchmark problems (all objectives minimised,
// variables in [0, 1]) with the exact hypervolume of their true Pareto
// fronts, for the optimiser benchmark, the built-in demo study and tests.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt {

// ZDT1 (Zitzler, Deb, Thiele 2000): n >= 2 variables, 2 objectives; convex
// front f2 = 1 - sqrt(f1) at x_2..x_n = 0.
Point zdt1(const std::vector<double>& x);
// ZDT2: as ZDT1 with the concave front f2 = 1 - f1^2.
Point zdt2(const std::vector<double>& x);
// ZDT3: as ZDT1 with f2 = g (1 - sqrt(f1/g) - (f1/g) sin(10 pi f1)): a
// front of five disconnected pieces on which f2 falls to about -0.77.
Point zdt3(const std::vector<double>& x);
// DTLZ2 (Deb, Thiele, Laumanns, Zitzler 2002): n >= m variables, m >= 2
// objectives; front the unit sphere's positive part at x_m..x_n = 0.5.
Point dtlz2(const std::vector<double>& x, std::size_t objectives);
// Branin-Currin (as in the qNEHVI literature, Daulton et al. 2020/2021): 2
// variables, 2 objectives; Branin on x rescaled to [-5, 10] x [0, 15], and
// Currin's exponential function on x itself.
Point branin_currin(const std::vector<double>& x);

// Hypervolumes of the true fronts, in closed form. ZDT: any reference point
// with two coordinates. DTLZ2: a reference >= 1 in every coordinate (the box
// then holds the whole front: prod(r) - volume of the unit ball's orthant).
// Throw InputError otherwise.
double zdt1_front_hypervolume(const Point& reference);
double zdt2_front_hypervolume(const Point& reference);
// ZDT3's front has no closed form: the integral of the front's running
// minimum, on a grid of a million f1 steps (within 1e-5 of the limit).
double zdt3_front_hypervolume(const Point& reference);
double dtlz2_front_hypervolume(const Point& reference);
// Branin-Currin's front with respect to (18, 6) (BoTorch's reference point),
// measured on a dense grid refined around its Pareto set: 59.4064 (BoTorch
// states 59.36, 0.08 % short). Its Pareto set is a curve, not a grid of
// position variables, so sample_true_front does not cover it.
inline constexpr double kBraninCurrinFrontHypervolume = 59.4064;

struct TestProblem {
  std::string name;  // "zdt1", "zdt2", "zdt3", "dtlz2", "branin_currin"
  std::size_t variables = 0;
  std::size_t objectives = 0;
  std::function<Point(const std::vector<double>&)> evaluate;
  Point reference;              // as in the benchmark literature: 1.1 in every objective; Branin-Currin (18, 6)
  double true_hypervolume = 0;  // of the true front with respect to reference
  Point front_range;            // max - min of each objective over the true front
  // Pareto-optimal inputs: the first position_variables move along the
  // front, the rest are fixed at optimal_rest_value (none for Branin-Currin).
  std::size_t position_variables = 0;
  double optimal_rest_value = 0;
};

// Throws InputError for an unknown name or too few variables/objectives.
// objectives is used by dtlz2 only (ZDT problems and Branin-Currin have 2;
// Branin-Currin has exactly 2 variables).
TestProblem make_test_problem(std::string_view name, std::size_t variables,
                              std::size_t objectives = 2);

// Points of the optimal-input set from a regular grid of points_per_axis
// values in each position variable (points_per_axis^position_variables
// points). All lie on the true front except for ZDT3, whose curve between
// the front's pieces is dominated. Throws InputError for Branin-Currin.
std::vector<Point> sample_true_front(const TestProblem& problem, std::size_t points_per_axis);

}  // namespace ecopt
