#include "ecopt/math/benchmark_problems.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

void require_unit_box(const std::vector<double>& x, std::size_t min_size, std::string_view problem) {
  if (x.size() < min_size) {
    throw InputError(std::string(problem) + " needs at least " + std::to_string(min_size) +
                     " variables, got " + std::to_string(x.size()));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= 0.0 && x[i] <= 1.0)) {
      throw InputError(std::string(problem) + " variable " + std::to_string(i) + " = " +
                       std::to_string(x[i]) + " is outside [0, 1]; keep inputs in the unit box");
    }
  }
}

// Shared ZDT structure: f1 = x1, f2 = g * h(f1, g).
template <typename Shape>
Point zdt(const std::vector<double>& x, std::string_view name, Shape shape) {
  require_unit_box(x, 2, name);
  double tail = 0.0;
  for (std::size_t i = 1; i < x.size(); ++i) tail += x[i];
  const double g = 1.0 + 9.0 * tail / static_cast<double>(x.size() - 1);
  return {x[0], g * shape(x[0], g)};
}

double zdt3_shape(double f1, double g) {
  return 1.0 - std::sqrt(f1 / g) - f1 / g * std::sin(10.0 * std::numbers::pi * f1);
}

void require_reference_size(const Point& reference, std::size_t size, std::string_view problem) {
  if (reference.size() != size) {
    throw InputError(std::string(problem) + " front hypervolume needs a reference with " +
                     std::to_string(size) + " coordinates, got " + std::to_string(reference.size()));
  }
}

// Area of [0, r1] x [0, r2] dominated by a ZDT front f2 = 1 - F(f1),
// f1 in [0, 1] (F = sqrt for ZDT1, square for ZDT2): the integral of
// r2 - 1 + F(f1) where the front lies below r2 (f1 > F^-1(1 - r2)), plus
// the full-height strip right of f1 = 1, where the front has reached f2 = 0.
template <typename Antiderivative, typename Inverse>
double zdt_front_hypervolume(const Point& r, Antiderivative integral_of_f, Inverse inverse_of_f) {
  if (r[0] <= 0.0 || r[1] <= 0.0) return 0.0;
  const double start = r[1] >= 1.0 ? 0.0 : inverse_of_f(1.0 - r[1]);  // front enters the box
  const double end = std::min(r[0], 1.0);
  double area = std::max(0.0, r[0] - 1.0) * r[1];
  if (end > start) {
    area += (r[1] - 1.0) * (end - start) + integral_of_f(end) - integral_of_f(start);
  }
  return area;
}

}  // namespace

Point zdt1(const std::vector<double>& x) {
  return zdt(x, "zdt1", [](double f1, double g) { return 1.0 - std::sqrt(f1 / g); });
}

Point zdt2(const std::vector<double>& x) {
  return zdt(x, "zdt2", [](double f1, double g) { return 1.0 - (f1 / g) * (f1 / g); });
}

Point zdt3(const std::vector<double>& x) { return zdt(x, "zdt3", zdt3_shape); }

Point dtlz2(const std::vector<double>& x, std::size_t objectives) {
  if (objectives < 2) throw InputError("dtlz2 needs at least 2 objectives");
  require_unit_box(x, objectives, "dtlz2");
  double g = 0.0;
  for (std::size_t i = objectives - 1; i < x.size(); ++i) g += (x[i] - 0.5) * (x[i] - 0.5);
  // f_i = (1 + g) cos(x_1 pi/2) ... cos(x_(m-i) pi/2) sin(x_(m-i+1) pi/2).
  Point f(objectives, 1.0 + g);
  for (std::size_t i = 0; i < objectives; ++i) {
    const std::size_t cosines = objectives - 1 - i;
    for (std::size_t j = 0; j < cosines; ++j) f[i] *= std::cos(x[j] * std::numbers::pi / 2);
    if (i > 0) f[i] *= std::sin(x[cosines] * std::numbers::pi / 2);
  }
  return f;
}

Point branin_currin(const std::vector<double>& x) {
  require_unit_box(x, 2, "branin_currin");
  if (x.size() != 2) throw InputError("branin_currin has exactly 2 variables, got " + std::to_string(x.size()));
  constexpr double pi = std::numbers::pi;
  const double u = 15.0 * x[0] - 5.0;
  const double v = 15.0 * x[1];
  const double branin = std::pow(v - 5.1 / (4.0 * pi * pi) * u * u + 5.0 / pi * u - 6.0, 2) +
                        10.0 * (1.0 - 1.0 / (8.0 * pi)) * std::cos(u) + 10.0;
  // 1 - exp(-1 / (2 x2)) tends to 1 as x2 falls to 0.
  const double decay = x[1] > 0.0 ? 1.0 - std::exp(-1.0 / (2.0 * x[1])) : 1.0;
  const double a = x[0];
  const double currin = decay * (2300.0 * a * a * a + 1900.0 * a * a + 2092.0 * a + 60.0) /
                        (100.0 * a * a * a + 500.0 * a * a + 4.0 * a + 20.0);
  return {branin, currin};
}

double zdt1_front_hypervolume(const Point& reference) {
  require_reference_size(reference, 2, "zdt1");
  return zdt_front_hypervolume(
      reference, [](double t) { return 2.0 / 3.0 * std::pow(t, 1.5); },
      [](double value) { return value * value; });
}

double zdt2_front_hypervolume(const Point& reference) {
  require_reference_size(reference, 2, "zdt2");
  return zdt_front_hypervolume(
      reference, [](double t) { return t * t * t / 3.0; }, [](double value) { return std::sqrt(value); });
}

// A point (f1, y) is dominated when some t <= f1 has front value <= y, so
// the area is the integral over f1 of r2 minus the running minimum.
double zdt3_front_hypervolume(const Point& reference) {
  require_reference_size(reference, 2, "zdt3");
  constexpr int kSteps = 1'000'000;
  const double end = std::min(reference[0], 1.0);
  if (!(end > 0.0)) return 0.0;
  const double step = end / kSteps;
  double running_min = std::numeric_limits<double>::infinity();
  double area = 0.0;
  for (int i = 0; i < kSteps; ++i) {
    running_min = std::min(running_min, zdt3_shape((i + 0.5) * step, 1.0));
    area += std::max(0.0, reference[1] - running_min) * step;
  }
  return area + std::max(0.0, reference[0] - 1.0) * std::max(0.0, reference[1] - running_min);
}

double dtlz2_front_hypervolume(const Point& reference) {
  if (reference.size() < 2) throw InputError("dtlz2 front hypervolume needs at least 2 objectives");
  double box = 1.0;
  for (double r : reference) {
    if (!(r >= 1.0)) {
      throw InputError("dtlz2 front hypervolume is known in closed form only for reference "
                       "coordinates >= 1; compute it from a dense front sample instead");
    }
    box *= r;
  }
  // Volume of the unit m-ball, pi^(m/2) / Gamma(m/2 + 1), over 2^m orthants.
  const double m = static_cast<double>(reference.size());
  const double orthant = std::pow(std::numbers::pi, m / 2) / std::tgamma(m / 2 + 1) / std::pow(2.0, m);
  return box - orthant;
}

TestProblem make_test_problem(std::string_view name, std::size_t variables, std::size_t objectives) {
  TestProblem problem;
  problem.name = std::string(name);
  problem.variables = variables;
  if (name == "zdt1" || name == "zdt2" || name == "zdt3") {
    if (variables < 2) throw InputError(problem.name + " needs at least 2 variables");
    problem.objectives = 2;
    problem.evaluate = name == "zdt1" ? zdt1 : name == "zdt2" ? zdt2 : zdt3;
    problem.reference = {1.1, 1.1};
    problem.true_hypervolume = name == "zdt1"   ? zdt1_front_hypervolume(problem.reference)
                               : name == "zdt2" ? zdt2_front_hypervolume(problem.reference)
                                                : zdt3_front_hypervolume(problem.reference);
    // ZDT3's front spans f1 in [0, 0.8518] and f2 in [-0.7734, 1].
    problem.front_range = name == "zdt3" ? Point{0.8518, 1.7734} : Point{1.0, 1.0};
    problem.position_variables = 1;
    problem.optimal_rest_value = 0.0;
  } else if (name == "dtlz2") {
    if (objectives < 2 || variables < objectives) {
      throw InputError("dtlz2 needs at least 2 objectives and at least as many variables as "
                       "objectives, got " + std::to_string(variables) + " variables and " +
                       std::to_string(objectives) + " objectives");
    }
    problem.objectives = objectives;
    problem.evaluate = [objectives](const std::vector<double>& x) { return dtlz2(x, objectives); };
    problem.reference = Point(objectives, 1.1);
    problem.true_hypervolume = dtlz2_front_hypervolume(problem.reference);
    problem.front_range = Point(objectives, 1.0);
    problem.position_variables = objectives - 1;
    problem.optimal_rest_value = 0.5;
  } else if (name == "branin_currin") {
    if (variables != 2) {
      throw InputError("branin_currin has exactly 2 variables, got " + std::to_string(variables));
    }
    problem.objectives = 2;
    problem.evaluate = branin_currin;
    problem.reference = {18.0, 6.0};
    problem.true_hypervolume = kBraninCurrinFrontHypervolume;
    // Branin from its minimum 0.397887 to 17.508299 at x = (0, 1); Currin
    // from 1.180408 there to 5.686144 at Branin's minimiser (0.123894, 0.818333).
    problem.front_range = {17.110412, 4.505736};
  } else {
    throw InputError("unknown test problem '" + problem.name +
                     "'; use zdt1, zdt2, zdt3, dtlz2 or branin_currin");
  }
  return problem;
}

std::vector<Point> sample_true_front(const TestProblem& problem, std::size_t points_per_axis) {
  if (points_per_axis < 2) throw InputError("sample_true_front needs at least 2 points per axis");
  if (problem.position_variables == 0) {
    throw InputError(problem.name + "'s Pareto set is not a grid of position variables; sample its inputs densely instead");
  }
  std::size_t count = 1;
  for (std::size_t i = 0; i < problem.position_variables; ++i) count *= points_per_axis;
  std::vector<Point> front;
  front.reserve(count);
  std::vector<double> x(problem.variables, problem.optimal_rest_value);
  for (std::size_t n = 0; n < count; ++n) {
    std::size_t digits = n;  // n in base points_per_axis gives the grid coordinates
    for (std::size_t i = 0; i < problem.position_variables; ++i) {
      x[i] = static_cast<double>(digits % points_per_axis) / static_cast<double>(points_per_axis - 1);
      digits /= points_per_axis;
    }
    front.push_back(problem.evaluate(x));
  }
  return front;
}

}  // namespace ecopt
