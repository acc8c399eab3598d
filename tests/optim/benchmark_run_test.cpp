// The benchmark harness itself: pending trials as parallel workers leave
// them, noisy observations, and scoring on the reported front's noise-free
// values.
#include "ecopt/optim/benchmark_run.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "ecopt/math/hypervolume.hpp"

namespace ecopt {
namespace {

// The real Sobol sampler, noting how many RUNNING trials each ask saw.
class CountingSampler final : public Sampler {
 public:
  CountingSampler() : inner_(make_sampler("sobol", {})) {}
  std::string name() const override { return "counting"; }
  HistoryNeed history_need() const override { return HistoryNeed::Trials; }
  std::vector<double> suggest(const SamplingContext& context) override {
    std::size_t running = 0;
    for (const Trial& trial : context.history) running += trial.state == TrialState::Running ? 1 : 0;
    running_seen.push_back(running);
    return inner_->suggest(context);
  }
  std::vector<std::size_t> running_seen;

 private:
  std::unique_ptr<Sampler> inner_;
};

TEST(ProblemRun, EveryAskSeesThePendingTrialsOnceTheyHaveStarted) {
  CountingSampler sampler;
  ProblemRunOptions options;
  options.pending = 3;
  const ProblemRun run = run_test_problem(sampler, make_test_problem("zdt1", 4), 10, options);
  ASSERT_EQ(run.trials.size(), 10u);
  ASSERT_EQ(sampler.running_seen.size(), 13u);  // 10 finished + 3 still running at the end
  for (std::size_t ask = 0; ask < sampler.running_seen.size(); ++ask) {
    EXPECT_EQ(sampler.running_seen[ask], std::min<std::size_t>(ask, 3)) << ask;
  }
  // Oldest first: trials finish in the order they were asked.
  for (std::size_t i = 0; i < run.trials.size(); ++i) EXPECT_EQ(run.trials[i].number, static_cast<std::int64_t>(i));
}

TEST(ProblemRun, NoiseHasTheAskedSpreadAndTheScoreUsesNoiseFreeValues) {
  const TestProblem problem = make_test_problem("zdt3", 4);
  CountingSampler sampler;
  ProblemRunOptions options;
  options.noise = 0.05;
  options.noise_seed = 3;
  const ProblemRun run = run_test_problem(sampler, problem, 400, options);
  for (std::size_t j = 0; j < 2; ++j) {
    double sum_sq = 0.0;
    for (std::size_t i = 0; i < run.trials.size(); ++i) {
      const double error = run.trials[i].values[j] - run.noise_free_values[i][j];
      sum_sq += error * error;
    }
    const double expected = 0.05 * problem.front_range[j];
    EXPECT_NEAR(std::sqrt(sum_sq / 400.0), expected, 0.15 * expected) << j;
  }
  // The observed front's members, scored on their noise-free values.
  std::vector<Point> observed;
  for (const Trial& trial : run.trials) observed.push_back(trial.values);
  std::vector<Point> reported;
  for (std::size_t i : pareto_front(observed)) reported.push_back(run.noise_free_values[i]);
  EXPECT_DOUBLE_EQ(hypervolume_ratio(problem, run, 400),
                   hypervolume(reported, problem.reference) / problem.true_hypervolume);
  // Every evaluated trial's noise-free values (the qNEHVI literature's
  // score), at least what the observed front scores, and more here: noise
  // hides some of the best trials behind lucky draws.
  const double all_evaluated = hypervolume(run.noise_free_values, problem.reference) / problem.true_hypervolume;
  EXPECT_DOUBLE_EQ(hypervolume_ratio(problem, run, 400, ReportedFront::AllEvaluated), all_evaluated);
  EXPECT_LT(hypervolume_ratio(problem, run, 400), all_evaluated);
}

// A problem over a mixed space with a maximised objective: the sampler
// sees thresholds in the objective's own direction, trials keep the values
// as measured and the score reads them in minimisation form.
TEST(ProblemRun, MixedSpacesAndMaximisedObjectives) {
  SpaceProblem problem;
  problem.name = "mixed-demo";
  problem.space = SearchSpace({{"lr", FloatDistribution{1e-4, 1e-1, true, std::nullopt}, std::nullopt},
                               {"layers", IntDistribution{1, 4, false, 1}, std::nullopt},
                               {"kind", CategoricalDistribution{{std::string("a"), std::string("b")}}, std::nullopt}});
  problem.spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt}, {"energy_j", Direction::Minimize, std::nullopt}};
  problem.evaluate = [](const ParamMap& params) {
    const double layers = as_double(params.at("layers"));
    const double bonus = std::get<std::string>(params.at("kind")) == "b" ? 0.05 : 0.0;
    return Point{0.5 + 0.1 * layers + bonus - 0.01 * std::abs(std::log10(as_double(params.at("lr"))) + 2.0), 100.0 * layers};
  };
  problem.reference = {-0.5, 500.0};
  problem.true_hypervolume = 0.5 * 400.0;  // a loose bound is enough here
  problem.front_range = {0.3, 300.0};

  class ThresholdReader final : public Sampler {
   public:
    std::string name() const override { return "threshold-reader"; }
    HistoryNeed history_need() const override { return HistoryNeed::None; }
    std::vector<double> suggest(const SamplingContext& context) override {
      thresholds = {*context.spec.objectives[0].threshold, *context.spec.objectives[1].threshold};
      return random_->suggest(context);
    }
    std::vector<double> thresholds;
    std::unique_ptr<Sampler> random_ = make_sampler("random", {});
  } sampler;
  ProblemRunOptions options;
  options.reference_as_thresholds = true;
  const ProblemRun run = run_problem(sampler, problem, 20, options);
  EXPECT_EQ(sampler.thresholds, (std::vector<double>{0.5, 500.0}));
  std::vector<Point> minimised;
  for (std::size_t i = 0; i < run.trials.size(); ++i) {
    problem.space.check(run.trials[i].params);
    EXPECT_EQ(run.trials[i].values, problem.evaluate(run.trials[i].params));
    EXPECT_EQ(run.noise_free_values[i], (Point{-run.trials[i].values[0], run.trials[i].values[1]}));
    minimised.push_back(run.noise_free_values[i]);
  }
  EXPECT_DOUBLE_EQ(hypervolume_ratio(problem, run, 20), hypervolume(minimised, problem.reference) / 200.0);
}

}  // namespace
}  // namespace ecopt
