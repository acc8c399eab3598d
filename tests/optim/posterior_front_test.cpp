// The front a study with noisy objectives reports (posterior_front.hpp).
#include "ecopt/optim/posterior_front.hpp"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/benchmark_run.hpp"
#include "optim_test_support.hpp"

namespace ecopt {
namespace {

using testing_support::complete_trial;
using testing_support::running_trial;

// `count` trials on the line f0 + f1 = 1 (every point Pareto-optimal),
// x from `x_of`, observed with pseudo-noise of sd ~0.07.
template <class XOf>
std::vector<Trial> noisy_line_trials(std::int64_t count, XOf x_of) {
  std::vector<Trial> trials;
  for (std::int64_t n = 0; n < count; ++n) {
    const double x = x_of(n);
    trials.push_back(complete_trial(n, {{"x0", x}},
                                    {x + 0.1 * std::sin(1e3 * static_cast<double>(n * n + 1)),
                                     1.0 - x + 0.1 * std::cos(7e2 * static_cast<double>(n * n + 3))}));
  }
  return trials;
}

std::vector<std::size_t> observed_front(const std::vector<Trial>& trials) {
  std::vector<Point> observed;
  for (const Trial& trial : trials) observed.push_back(trial.values);
  return pareto_front(observed);
}

// By observed values a few lucky draws hide most of the line; by posterior
// means it shows again.
TEST(PosteriorMeanFront, AFewLuckyDrawsNoLongerHideTheFront) {
  std::vector<Trial> trials =
      noisy_line_trials(40, [](std::int64_t n) { return (static_cast<double>(n) + 0.5) / 40.0; });
  const std::vector<std::size_t> by_observed = observed_front(trials);
  trials.push_back(running_trial(40, {{"x0", 0.5}}));
  const std::vector<std::size_t> by_posterior =
      posterior_mean_front(minimisation_spec(2), unit_search_space(1), trials);
  EXPECT_GE(by_posterior.size(), 2 * by_observed.size()) << by_observed.size();
  EXPECT_TRUE(std::is_sorted(by_posterior.begin(), by_posterior.end()));
  EXPECT_LT(by_posterior.back(), 40U);  // the running trial has nothing to report
}

// Past a thousand trials the models judge every trial through a spread
// subset (projected_means) instead of refusing: 3,000 trials come back far
// fuller than the observed front.
TEST(PosteriorMeanFront, ThousandsOfTrialsAreStillJudgedByTheModels) {
  const std::vector<Trial> trials =
      noisy_line_trials(3000, [](std::int64_t n) { return std::fmod(0.618034 * static_cast<double>(n), 1.0); });
  const std::vector<std::size_t> by_observed = observed_front(trials);
  const std::vector<std::size_t> by_posterior =
      posterior_mean_front(minimisation_spec(2), unit_search_space(1), trials);
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
