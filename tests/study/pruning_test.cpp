// Pruning (docs/pruning.md): which candidates are not worth training
// (energy-first, step 0) and which trials stop during training
// (front-reach, pareto-halving).
#include "ecopt/study/pruning.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;

StudySpec accuracy_vs_efficiency() {
  StudySpec spec;
  spec.name = "ef";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"samples_per_j", Direction::Maximize, std::nullopt}};
  return spec;
}

Trial complete(std::int64_t number, double accuracy, double samples_per_j) {
  Trial trial;
  trial.number = number;
  trial.state = TrialState::Complete;
  trial.values = {accuracy, samples_per_j};
  trial.user_attrs = {{"accuracy", accuracy}, {"samples_per_j", samples_per_j}};
  return trial;
}

// Front: (0.9, 100) and (0.7, 1000).
const std::vector<Trial> kHistory = {complete(0, 0.9, 100), complete(1, 0.7, 1000),
                                     complete(2, 0.6, 500)};

using Curve = std::map<std::int64_t, nlohmann::json>;

// The decision for a new trial 9 whose curve is `curve`, after its report at
// `step` (the curve's last), among `history`.
std::optional<std::string> decide(const StudySpec& spec, const PruningConfig& config,
                                  std::vector<Trial> history, Curve curve,
                                  std::optional<std::int64_t> last_step = std::nullopt) {
  Trial running;
  running.number = 9;
  running.intermediate = std::move(curve);
  const std::int64_t step = running.intermediate.rbegin()->first;
  IntermediateReport report{step, running.intermediate.rbegin()->second, last_step};
  history.push_back(std::move(running));
  return prune_reason(spec, config, history, 9, report);
}

// Energy-first is the decision at step 0: what was measured before training.
std::optional<std::string> training_skip_reason(const StudySpec& spec, const PruningConfig& config,
                                                const std::vector<Trial>& history,
                                                const nlohmann::json& measured) {
  return decide(spec, config, history, {{0, measured}});
}

TEST(EnergyFirst, SkipsWhatCannotEnterTheFrontEvenAtBestPlausibleAccuracy) {
  PruningConfig policy;
  policy.best_plausible = {1.0, std::nullopt};
  // At accuracy 1.0 a candidate with 50 samples/J would beat trial 0's
  // 0.9, so it could enter the front: train it.
  EXPECT_EQ(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"samples_per_j", 50}}),
            std::nullopt);
  // With accuracy capped at 0.9 (a hard task), 50 samples/J is dominated by trial 0.
  policy.best_plausible = {0.9, std::nullopt};
  const auto reason =
      training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"samples_per_j", 50}});
  ASSERT_TRUE(reason);
  EXPECT_THAT(*reason, HasSubstr("dominated by trial 0"));
  EXPECT_THAT(*reason, HasSubstr("accuracy = 0.9"));
  // More efficient than anything seen: always worth training.
  EXPECT_EQ(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"samples_per_j", 5000}}),
            std::nullopt);
}

TEST(EnergyFirst, WithoutABoundNoCandidateIsSkippedForDominance) {
  // Hopelessly inefficient, yet its accuracy might beat everything seen.
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), PruningConfig{}, kHistory,
                                    {{"samples_per_j", 1}}));
}

TEST(EnergyFirst, FullyMeasuredCandidatesAreJudgedExactly) {
  // Both objectives known before training (no bound needed).
  const auto reason = training_skip_reason(accuracy_vs_efficiency(), PruningConfig{}, kHistory,
                                           {{"accuracy", 0.65}, {"samples_per_j", 900}});
  ASSERT_TRUE(reason);
  EXPECT_THAT(*reason, HasSubstr("dominated by trial 1"));
}

TEST(EnergyFirst, ThresholdsAndConstraintsOnMeasuredMetrics) {
  auto spec = accuracy_vs_efficiency();
  spec.objectives[1].threshold = 200.0;
  spec.constraints = {{"j_per_sample", Comparison::LessEqual, 0.01}};
  const PruningConfig policy;
  const auto below = training_skip_reason(spec, policy, {}, {{"samples_per_j", 150}});
  ASSERT_TRUE(below);
  EXPECT_THAT(*below, HasSubstr("worse than its threshold 200"));
  const auto broken = training_skip_reason(spec, policy, {}, {{"samples_per_j", 300}, {"j_per_sample", 0.02}});
  ASSERT_TRUE(broken);
  EXPECT_THAT(*broken, HasSubstr("constraint j_per_sample <= 0.01 broken"));
  EXPECT_FALSE(training_skip_reason(spec, policy, {}, {{"samples_per_j", 300}, {"j_per_sample", 0.005}}));
}

TEST(EnergyFirst, NothingMeasuredOrNothingCompleteOrDisabledNeverSkips) {
  PruningConfig policy;
  policy.best_plausible = {0.5, std::nullopt};
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"params", 1000}}));
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, {}, {{"samples_per_j", 1}}));
  std::vector<Trial> running = kHistory;
  for (auto& trial : running) trial.state = TrialState::Running;
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, running, {{"samples_per_j", 1}}));
  policy.energy_first = false;
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"samples_per_j", 1}}));
}

// A curve rising 0.05 per epoch from 0.40 at epoch 2 of 10 can reach at most
// 0.80 by epoch 10 (0.50 + 0.05 x 6): with 50 samples/J it is dominated by
// trial 0 (0.9, 100), so front-reach stops it; one that can still reach
// the front goes on.
TEST(FrontReach, StopsACurveThatCannotReachTheFrontByItsLastStep) {
  PruningConfig config;
  config.best_plausible = {1.0, std::nullopt};
  const Curve slow{{0, {{"samples_per_j", 50}}},
                   {2, {{"accuracy", 0.40}}},
                   {3, {{"accuracy", 0.45}}},
                   {4, {{"accuracy", 0.50}}}};
  const auto reason = decide(accuracy_vs_efficiency(), config, kHistory, slow, 10);
  ASSERT_TRUE(reason);
  EXPECT_THAT(*reason, HasSubstr("front-reach: cannot enter the Pareto front at step 4"));
  EXPECT_THAT(*reason, HasSubstr("accuracy reaches 0.8 by step 10"));
  EXPECT_THAT(*reason, HasSubstr("dominated by trial 0"));
  // The same curve with 30 epochs left could reach 1.0 (capped): it goes on.
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory, slow, 40));
  // Without a known last step only the bound is used: 1.0 beats 0.9.
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory, slow));
  // A single point after step 0 tells no slope: the bound again.
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory,
                      {{0, {{"samples_per_j", 50}}}, {2, {{"accuracy", 0.40}}}}, 10));
  config.rule = PruningRule::None;
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory, slow, 10));
}

// A report at the schedule's last step comes after all the training: a
// stop there saves only the final evaluation, which the objective is read
// from (the test set, not the validation split the curve reports), and
// loses a trained model (the demo benchmark's seed 2 pruned one at step 75
// of 75). No rule stops it there (one check before the rules).
TEST(Pruning, NoRuleStopsATrialAtItsLastStep) {
  PruningConfig config;
  config.best_plausible = {1.0, std::nullopt};
  const Curve finished{{0, {{"samples_per_j", 50}}},
                       {8, {{"accuracy", 0.40}}},
                       {9, {{"accuracy", 0.45}}},
                       {10, {{"accuracy", 0.50}}}};
  EXPECT_TRUE(decide(accuracy_vs_efficiency(), config, kHistory, Curve(finished.begin(), std::prev(finished.end())), 10))
      << "one step before the end it can still be stopped";
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory, finished, 10));
}

TEST(FrontReach, TheLargestRecentGainExtrapolatesNotTheAverage) {
  PruningConfig config;
  config.window = 2;
  // Gains 0.01 then 0.10 per step: the optimistic slope is 0.10, so 0.56 +
  // 0.10 x 4 = 0.96 > 0.9: it may still enter the front.
  const Curve jump{{0, {{"samples_per_j", 50}}},
                   {1, {{"accuracy", 0.45}}},
                   {2, {{"accuracy", 0.46}}},
                   {3, {{"accuracy", 0.56}}}};
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, kHistory, jump, 7));
  // Two steps left: 0.76 cannot.
  EXPECT_TRUE(decide(accuracy_vs_efficiency(), config, kHistory, jump, 5));
}

// Pareto-rank halving with reduction factor 2 and rungs at 1, 2, 4, ...:
// at rung 2 a trial dominated by two of the three others (ranked in the
// second layer or worse, with more than n/2 better) stops; a trial on the
// first layer goes on even when its quality is lower, if its energy is better.
TEST(ParetoHalving, RanksTrialsAtARungByQualityAndMeasuredEnergy) {
  PruningConfig config;
  config.rule = PruningRule::ParetoHalving;
  config.reduction_factor = 2.0;
  config.min_trials = 3;
  const auto trial = [](std::int64_t number, double samples_per_j, double accuracy_at_2) {
    Trial t;
    t.number = number;
    t.state = TrialState::Complete;
    t.intermediate = {{0, {{"samples_per_j", samples_per_j}}},
                      {2, {{"accuracy", accuracy_at_2}}},
                      {4, {{"accuracy", accuracy_at_2 + 0.1}}}};
    return t;
  };
  const std::vector<Trial> others{trial(0, 100, 0.8), trial(1, 200, 0.7), trial(2, 50, 0.6)};
  const auto reason = decide(accuracy_vs_efficiency(), config, others,
                             {{0, {{"samples_per_j", 90}}}, {2, {{"accuracy", 0.65}}}});
  ASSERT_TRUE(reason);
  EXPECT_THAT(*reason, HasSubstr("pareto-halving: at rung step 2"));
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, others,
                      {{0, {{"samples_per_j", 400}}}, {2, {{"accuracy", 0.5}}}}));
  // Between rungs (step 3 after 2) nothing is decided.
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, others,
                      {{0, {{"samples_per_j", 90}}}, {2, {{"accuracy", 0.81}}}, {3, {{"accuracy", 0.1}}}}));
  // Too few trials at the rung: it promotes.
  config.min_trials = 5;
  EXPECT_FALSE(decide(accuracy_vs_efficiency(), config, others,
                      {{0, {{"samples_per_j", 90}}}, {2, {{"accuracy", 0.65}}}}));
}

TEST(Pruning, APrunedTrialKeepsEachObjectivesLatestValue) {
  Trial trial;
  trial.intermediate = {{0, {{"samples_per_j", 90}}}, {2, {{"accuracy", 0.6}}}, {3, {{"accuracy", 0.65}}}};
  EXPECT_EQ(last_objective_values(accuracy_vs_efficiency(), trial), (std::vector<double>{0.65, 90}));
  trial.intermediate.erase(0);
  EXPECT_TRUE(last_objective_values(accuracy_vs_efficiency(), trial).empty());
}

TEST(Pruning, ThePruningTableIsCheckedKeyByKey) {
  const auto config = read_pruning_table({{"rule", "pareto-halving"}, {"reduction_factor", 4}},
                                         PruningConfig{}, "s.toml");
  EXPECT_EQ(config.rule, PruningRule::ParetoHalving);
  EXPECT_EQ(config.reduction_factor, 4.0);
  EXPECT_THROW(read_pruning_table({{"rule", "median"}}, PruningConfig{}, "s.toml"), InputError);
  EXPECT_THROW(read_pruning_table({{"windows", 3}}, PruningConfig{}, "s.toml"), InputError);
  EXPECT_THROW(read_pruning_table({{"reduction_factor", 1}}, PruningConfig{}, "s.toml"), InputError);
}

}  // namespace
}  // namespace ecopt
