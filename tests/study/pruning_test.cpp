// Energy-first evaluation: which candidates are not worth training.
#include "ecopt/study/energy_first.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(EnergyFirst, SkipsWhatCannotEnterTheFrontEvenAtBestPlausibleAccuracy) {
  SkipPolicy policy;
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
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), SkipPolicy{}, kHistory,
                                    {{"samples_per_j", 1}}));
}

TEST(EnergyFirst, FullyMeasuredCandidatesAreJudgedExactly) {
  // Both objectives known before training (no bound needed).
  const auto reason = training_skip_reason(accuracy_vs_efficiency(), SkipPolicy{}, kHistory,
                                           {{"accuracy", 0.65}, {"samples_per_j", 900}});
  ASSERT_TRUE(reason);
  EXPECT_THAT(*reason, HasSubstr("dominated by trial 1"));
}

TEST(EnergyFirst, ThresholdsAndConstraintsOnMeasuredMetrics) {
  auto spec = accuracy_vs_efficiency();
  spec.objectives[1].threshold = 200.0;
  spec.constraints = {{"j_per_sample", Comparison::LessEqual, 0.01}};
  const SkipPolicy policy;
  const auto below = training_skip_reason(spec, policy, {}, {{"samples_per_j", 150}});
  ASSERT_TRUE(below);
  EXPECT_THAT(*below, HasSubstr("worse than its threshold 200"));
  const auto broken = training_skip_reason(spec, policy, {}, {{"samples_per_j", 300}, {"j_per_sample", 0.02}});
  ASSERT_TRUE(broken);
  EXPECT_THAT(*broken, HasSubstr("constraint j_per_sample <= 0.01 broken"));
  EXPECT_FALSE(training_skip_reason(spec, policy, {}, {{"samples_per_j", 300}, {"j_per_sample", 0.005}}));
}

TEST(EnergyFirst, NothingMeasuredOrNothingCompleteOrDisabledNeverSkips) {
  SkipPolicy policy;
  policy.best_plausible = {0.5, std::nullopt};
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"params", 1000}}));
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, {}, {{"samples_per_j", 1}}));
  std::vector<Trial> running = kHistory;
  for (auto& trial : running) trial.state = TrialState::Running;
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, running, {{"samples_per_j", 1}}));
  policy.enabled = false;
  EXPECT_FALSE(training_skip_reason(accuracy_vs_efficiency(), policy, kHistory, {{"samples_per_j", 1}}));
}

}  // namespace
}  // namespace ecopt
