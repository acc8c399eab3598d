// The budget module's figures on stored-shaped trials: the running time a
// wall-time budget counts and the trials n_trials counts.
#include "ecopt/study/budget.hpp"

#include <gtest/gtest.h>

#include "ecopt/energy/record.hpp"
#include "ecopt/energy/tuning_energy.hpp"

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

// A finished trial of values (f0, f1) whose whole-trial record drew 1 J.
Trial scored(std::int64_t number, double f0, double f1) {
  Trial trial = ran(number, number, number + 0.5);
  trial.values = {f0, f1};
  EnergyRecord record;
  record.name = kTrialRecord;
  record.sources = {EnergySource::RaplPowercap};
  record.devices = {"cpu:0"};
  record.duration_s = 0.5;
  record.gross_j = 1.0;
  write_energy_records(trial.user_attrs, {record});
  return trial;
}

// Two minimised objectives with thresholds 1.1 (the reference point).
StudySpec thresholded_spec() {
  StudySpec spec;
  spec.name = "dr";
  spec.objectives = {{"f0", Direction::Minimize, 1.1}, {"f1", Direction::Minimize, 1.1}};
  return spec;
}

// Diminishing returns that stop at any window without gain.
StudyBudget any_gain_budget() {
  StudyBudget budget;
  budget.min_hypervolume_per_kwh = 1e-9;
  return budget;
}

// Diminishing returns judge a front that has formed: while no trial lies
// within the reference (hypervolume 0), nothing was gained yet nor can
// returns diminish (the benchmark's seed 1 stopped at trial 11 of 100 with
// hypervolume 0, where growth fell below 1 % only after trial 85).
TEST(StudyRules, DiminishingReturnsWaitForAFrontWithVolume) {
  const StudySpec spec = thresholded_spec();
  StudyBudget budget = any_gain_budget();
  budget.hypervolume_window = 2;
  const StudyRules rules(budget, {"s.toml", 100, 100}, {});
  std::vector<Trial> trials;
  for (int i = 0; i < 6; ++i) trials.push_back(scored(i, 2.0, 2.0));  // beyond the thresholds
  EXPECT_FALSE(rules.check(trials, spec, tuning_energy(trials))) << "no front has formed yet";
  trials.push_back(scored(6, 0.5, 0.5));
  EXPECT_FALSE(rules.check(trials, spec, tuning_energy(trials))) << "the last two trials gained volume";
  trials.push_back(scored(7, 2.0, 2.0));
  trials.push_back(scored(8, 2.0, 2.0));
  const auto stop = rules.check(trials, spec, tuning_energy(trials));
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->rule, "min_hypervolume_per_kwh");
}

// Ten trials without a better front are common early on (a sampler's
// generation, a run of exploration): the default window outlasts them.
TEST(StudyRules, DiminishingReturnsByDefaultOutlastTenTrialsWithoutGain) {
  const StudySpec spec = thresholded_spec();
  const StudyBudget budget = any_gain_budget();
  const StudyRules rules(budget, {"s.toml", 100, 100}, {});
  std::vector<Trial> trials;
  for (int i = 0; i < 10; ++i) trials.push_back(scored(i, 1.0 - 0.09 * i, 0.1 + 0.09 * i));  // a front grows
  for (int i = 10; i < 25; ++i) trials.push_back(scored(i, 1.05, 1.05));  // then 15 trials add nothing
  EXPECT_FALSE(rules.check(trials, spec, tuning_energy(trials)));
}

// The rule counts a window's tuning energy as the energy budget and the
// report's tuning curve do: each trial's own record and the tuner's work
// for it (asks, model fits, storage), so that its figures are the curve's.
TEST(StudyRules, DiminishingReturnsCountTheTunersWorkAsTheTuningCurveDoes) {
  const StudySpec spec = thresholded_spec();
  std::vector<Trial> trials;
  for (int i = 0; i < 4; ++i) {
    Trial trial = scored(i, 1.0 - 0.2 * i, 0.2 + 0.2 * i);
    auto records = energy_records(trial.user_attrs);
    EnergyRecord tuner = records.front();
    tuner.name = kTunerRecord;
    tuner.gross_j = 3.0;
    records.push_back(tuner);
    write_energy_records(trial.user_attrs, records);
    trials.push_back(trial);
  }
  const auto gain = recent_hypervolume_gain(trials, spec, 2);
  ASSERT_TRUE(gain);
  const TuningCurve curve = tuning_curve(trials, spec, {});
  ASSERT_EQ(curve.points.size(), 4u);
  EXPECT_DOUBLE_EQ(gain->kwh * 3.6e6, curve.points[3].tuning_j - curve.points[1].tuning_j) << "1 J + 3 J a trial";
  EXPECT_DOUBLE_EQ(gain->hypervolume, curve.points[3].hypervolume - curve.points[1].hypervolume);
}

}  // namespace
}  // namespace ecopt
