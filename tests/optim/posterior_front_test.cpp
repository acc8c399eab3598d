// The front a study with noisy objectives reports (posterior_front.hpp).
#include "ecopt/optim/posterior_front.hpp"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/problem_run.hpp"
#include "optim_test_support.hpp"

namespace ecopt {
namespace {

using testing_support::complete_trial;
using testing_support::running_trial;

// Trials on the line f0 + f1 = 1 (every point Pareto-optimal), observed
// with pseudo-noise of sd ~0.07: by observed values a few lucky draws hide
// most of them; by posterior means the line shows again.
TEST(PosteriorMeanFront, AFewLuckyDrawsNoLongerHideTheFront) {
  const SearchSpace space = unit_search_space(1);
  const StudySpec spec = minimisation_spec(2);
  std::vector<Trial> trials;
  std::vector<Point> observed;
  for (std::int64_t n = 0; n < 40; ++n) {
    const double x = (static_cast<double>(n) + 0.5) / 40.0;
    const Point values{x + 0.1 * std::sin(1e3 * static_cast<double>(n * n + 1)),
                       1.0 - x + 0.1 * std::cos(7e2 * static_cast<double>(n * n + 3))};
    trials.push_back(complete_trial(n, {{"x0", x}}, values));
    observed.push_back(values);
  }
  trials.push_back(running_trial(40, {{"x0", 0.5}}));
  const std::vector<std::size_t> by_observed = pareto_front(observed);
  const std::vector<std::size_t> by_posterior = posterior_mean_front(spec, space, trials);
  EXPECT_GE(by_posterior.size(), 2 * by_observed.size()) << by_observed.size();
  EXPECT_TRUE(std::is_sorted(by_posterior.begin(), by_posterior.end()));
  EXPECT_LT(by_posterior.back(), 40U);  // the running trial has nothing to report
}

// Past a thousand trials the models judge every trial through a spread
// subset (projected_means) instead of refusing: 3,000 trials on the line
// f0 + f1 = 1 with pseudo-noise of sd ~0.07 come back far fuller than the
// observed front, every one of them a complete trial.
TEST(PosteriorMeanFront, ThousandsOfTrialsAreStillJudgedByTheModels) {
  const SearchSpace space = unit_search_space(1);
  const StudySpec spec = minimisation_spec(2);
  std::vector<Trial> trials;
  std::vector<Point> observed;
  for (std::int64_t n = 0; n < 3000; ++n) {
    const double x = std::fmod(0.618034 * static_cast<double>(n), 1.0);
    const Point values{x + 0.1 * std::sin(1e3 * static_cast<double>(n * n + 1)),
                       1.0 - x + 0.1 * std::cos(7e2 * static_cast<double>(n * n + 3))};
    trials.push_back(complete_trial(n, {{"x0", x}}, values));
    observed.push_back(values);
  }
  const std::vector<std::size_t> by_observed = pareto_front(observed);
  const std::vector<std::size_t> by_posterior = posterior_mean_front(spec, space, trials);
  EXPECT_GE(by_posterior.size(), 4 * by_observed.size()) << by_observed.size();
  EXPECT_TRUE(std::is_sorted(by_posterior.begin(), by_posterior.end()));
}

TEST(PosteriorMeanFront, KeepsOnlyTrialsThatMeetTheConstraints) {
  const SearchSpace space = unit_search_space(1);
  StudySpec spec = minimisation_spec(2);
  spec.constraints.push_back({"memory_mb", Comparison::LessEqual, 100.0});
  std::vector<Trial> trials;
  for (std::int64_t n = 0; n < 12; ++n) {
    const double x = (static_cast<double>(n) + 0.5) / 12.0;
    trials.push_back(complete_trial(n, {{"x0", x}}, {x, 1.0 - x}, {{"memory_mb", n % 3 == 0 ? 500.0 : 50.0}}));
  }
  const std::vector<std::size_t> front = posterior_mean_front(spec, space, trials);
  EXPECT_FALSE(front.empty());
  for (std::size_t i : front) EXPECT_NE(i % 3, 0U) << i;
}

}  // namespace
}  // namespace ecopt
