#include "ecopt/optim/nsga2.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "ecopt/optim/benchmark_run.hpp"

namespace ecopt {
namespace {

using Fronts = std::vector<std::vector<std::size_t>>;

TEST(ConstrainedDomination, FeasibleLayersFirstThenInfeasibleByViolation) {
  const std::vector<Point> values{{1, 1}, {0, 0}, {2, 2}, {0, 3}, {5, 5}, {0.5, 0.5}};
  // Point 1 dominates everything but is infeasible.
  const std::vector<double> violations{0, 2.0, 0, 0, 0.5, 0.5};
  Fronts fronts = constrained_fronts(values, violations);
  for (auto& front : fronts) std::sort(front.begin(), front.end());
  EXPECT_EQ(fronts, (Fronts{{0, 3}, {2}, {4, 5}, {1}}));
}

TEST(ConstrainedDomination, SurvivorsCutTheLastFrontByCrowding) {
  // One front of five points on a line: the ends have infinite crowding,
  // the middle point (index 2) the largest finite one.
  const std::vector<Point> values{{0, 4}, {1, 3}, {2, 2}, {3.9, 0.1}, {4, 0}, {9, 9}};
  const std::vector<double> violations(6, 0.0);
  std::vector<std::size_t> survivors = select_survivors(values, violations, 3);
  std::sort(survivors.begin(), survivors.end());
  EXPECT_EQ(survivors, (std::vector<std::size_t>{0, 2, 4}));
  EXPECT_EQ(select_survivors(values, violations, 10).size(), 6u);
}

TEST(Nsga2Sampler, DeterministicAndInRange) {
  const TestProblem problem = make_test_problem("zdt1", 6);
  SamplerOptions options;
  options.seed = 4;
  options.extra = {{"population_size", 10}};
  auto a = make_sampler("nsga2", options);
  auto b = make_sampler("nsga2", options);
  const ProblemRun first = run_test_problem(*a, problem, 45);
  const ProblemRun second = run_test_problem(*b, problem, 45);
  for (std::size_t i = 0; i < first.trials.size(); ++i) {
    EXPECT_EQ(first.trials[i].params, second.trials[i].params) << i;
    for (const auto& [name, value] : first.trials[i].params) {
      EXPECT_GE(as_double(value), 0.0);
      EXPECT_LE(as_double(value), 1.0);
    }
  }
}

TEST(Nsga2Sampler, BeatsRandomSearchOnZdt1WithTheSameBudget) {
  const TestProblem problem = make_test_problem("zdt1", 6);
  SamplerOptions options;
  options.seed = 1;
  auto nsga2 = make_sampler("nsga2", options);
  auto random = make_sampler("random", options);
  const std::size_t budget = 600;
  const double nsga2_ratio = hypervolume_ratio(problem, run_test_problem(*nsga2, problem, budget), budget);
  const double random_ratio = hypervolume_ratio(problem, run_test_problem(*random, problem, budget), budget);
  EXPECT_GT(nsga2_ratio, random_ratio + 0.1) << "nsga2 " << nsga2_ratio << " random " << random_ratio;
}

}  // namespace
}  // namespace ecopt
