// The budget module's figures on stored-shaped trials: the running time a
// wall-time budget counts and the trials n_trials counts.
#include "ecopt/study/budget.hpp"

#include <gtest/gtest.h>

namespace ecopt {
namespace {

Trial ran(std::int64_t number, double start_s, double end_s, TrialState state = TrialState::Complete) {
  Trial trial;
  trial.number = number;
  trial.state = state;
  trial.started_at = TimePoint{} + std::chrono::milliseconds(static_cast<long long>(start_s * 1000));
  trial.finished_at = TimePoint{} + std::chrono::milliseconds(static_cast<long long>(end_s * 1000));
  return trial;
}

// Parallel trials count once, the gap between two runs not at all, and a
// RUNNING trial not yet.
TEST(StudyRunningTime, IsTheUnionOfTheFinishedTrialsWindows) {
  std::vector<Trial> trials{ran(0, 0, 10), ran(1, 5, 12), ran(2, 100, 103, TrialState::Failed)};
  Trial running = ran(3, 200, 0, TrialState::Running);
  running.finished_at.reset();
  trials.push_back(running);
  EXPECT_DOUBLE_EQ(study_running_time_s(trials), 15.0);
}

TEST(StudyRules, NTrialsCountsCompleteAndPrunedTrials) {
  EXPECT_TRUE(counts_toward_n_trials(TrialState::Complete));
  EXPECT_TRUE(counts_toward_n_trials(TrialState::Pruned));
  EXPECT_FALSE(counts_toward_n_trials(TrialState::Failed));
  EXPECT_FALSE(counts_toward_n_trials(TrialState::Running));
}

// An interrupted trial is the user's stop, not a failure of the run.
TEST(StudyRules, TheFailureLimitCountsThisRunsFailuresButNotInterruptions) {
  StudyRules rules({}, {"s.toml", 2, 100}, {});
  Trial failed = ran(0, 0, 1, TrialState::Failed);
  failed.fail_reason = "interrupted by user";
  rules.record(failed);
  EXPECT_FALSE(rules.check({}, {}, {}));
  failed.fail_reason = "out of memory";
  rules.record(failed);
  EXPECT_FALSE(rules.check({}, {}, {}));
  failed.fail_reason = "segfault";
  rules.record(failed);
  const auto stop = rules.check({}, {}, {});
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->failure);
  EXPECT_EQ(stop->rule, "max_failed_trials");
}

}  // namespace
}  // namespace ecopt
