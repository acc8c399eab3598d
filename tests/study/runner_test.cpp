// The tune loop on real components: the test-problem and command tasks,
// SQLite, the energy meters this machine has.
#include "ecopt/study/runner.hpp"

#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/energy/record.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

// `f1_threshold`: the second objective's threshold line ("" for none);
// `sampler`: the sampler's lines of [study].
StudyFile zdt1_file(const std::string& db, std::int64_t n_trials,
                    const std::string& f1_threshold = "threshold = 1.1",
                    const std::string& sampler = "sampler = \"sobol\"") {
  return parse_study_file(fmt::format(R"(
[study]
name = "zdt1"
storage = "sqlite:///{}"
{}
n_trials = {}
[[objectives]]
name = "f0"
direction = "minimize"
threshold = 1.1
[[objectives]]
name = "f1"
direction = "minimize"
{}
[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 3
)",
                                      db, sampler, n_trials, f1_threshold),
                          "zdt1-test.toml");
}

std::vector<Trial> stored_trials(const std::string& db) {
  auto storage = open_storage("sqlite:///" + db);
  return Study::load(*storage, "zdt1").trials();
}

TEST(Runner, RunsTheStudyAndResumesWithALargerBudget) {
  TempDir dir("runner");
  const std::string db = (dir / "s.db").string();
  std::ostringstream out;
  RunOptions options;
  options.out = &out;
  const RunSummary first = run_study(zdt1_file(db, 4), options);
  EXPECT_EQ(first.trials_run, 4);
  const auto before = stored_trials(db);
  ASSERT_EQ(before.size(), 4u);
  for (const auto& trial : before) {
    EXPECT_EQ(trial.state, TrialState::Complete);
    ASSERT_EQ(trial.values.size(), 2u);
    EXPECT_DOUBLE_EQ(trial.values[0], *trial.metric("f0"));
    const auto energy = find_energy_record(trial.user_attrs, kTrialRecord);
    ASSERT_TRUE(energy) << "every trial records its tuning energy";
    EXPECT_FALSE(energy->sources.empty());
  }
  EXPECT_THAT(out.str(), HasSubstr("trial 4/4"));
  EXPECT_THAT(out.str(), HasSubstr("Pareto front of zdt1"));
  EXPECT_THAT(out.str(), HasSubstr("tuning energy"));

  std::ostringstream resumed_out;
  options.out = &resumed_out;
  options.n_trials = 7;
  const RunSummary second = run_study(zdt1_file(db, 4), options);
  EXPECT_EQ(second.trials_run, 3);
  EXPECT_EQ(second.trials_finished, 7);
  const auto after = stored_trials(db);
  ASSERT_EQ(after.size(), 7u);
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(to_json(after[i]).dump(), to_json(before[i]).dump()) << "trial " << i << " changed";
  }
  EXPECT_THAT(resumed_out.str(), HasSubstr("trial 5/7"));
  const auto spec = zdt1_file(db, 7).spec;
  EXPECT_DOUBLE_EQ(second.front.hypervolume(), front_of(after, spec).hypervolume());
  EXPECT_EQ(second.front.member_numbers(), front_of(after, spec).member_numbers());
  EXPECT_THAT(resumed_out.str(), HasSubstr(second.front.describe_hypervolume()));
  EXPECT_NEAR(second.tuning_energy_j, tuning_energy(after).gross_j, 1e-9);

  // A third run with the budget met runs nothing.
  EXPECT_EQ(run_study(zdt1_file(db, 7), {.out = &resumed_out}).trials_run, 0);
}

// The progress line keeps its front and hypervolume up to date trial by
// trial; each line must show what the batch summary of the trials finished
// so far gives, with a threshold and with a reference from the worst value.
// sampler_options noisy = true: the summary also names the front by the
// models' posterior means.
TEST(Runner, AStudyWithNoisyObjectivesAlsoNamesThePosteriorMeanFront) {
  TempDir dir("runner");
  std::ostringstream out;
  run_study(zdt1_file((dir / "s.db").string(), 5, "threshold = 1.1",
                      "sampler = \"mobo\"\nsampler_options = { noisy = true }"),
            {.out = &out});
  EXPECT_THAT(out.str(), HasSubstr("noisy objectives: by the models' posterior means the front is trials #"));
  std::ostringstream quiet;
  run_study(zdt1_file((dir / "t.db").string(), 3), {.out = &quiet});
  EXPECT_THAT(quiet.str(), Not(HasSubstr("noisy objectives")));
}

// Its hypervolume is measured against one reference for the run (issue
// 23: against a reference that drifted, it rose when a dominated trial
// widened the observed range): the thresholds when every objective has
// one, else the reference of the first 5 trials.
TEST(Runner, EachProgressLineShowsTheFrontOfTheTrialsFinishedSoFar) {
  for (const std::string threshold : {"threshold = 1.1", ""}) {
    TempDir dir("runner-progress");
    const std::string db = (dir / "s.db").string();
    std::ostringstream out;
    RunOptions options;
    options.out = &out;
    const StudyFile file = zdt1_file(db, 40, threshold);
    run_study(file, options);
    const auto trials = stored_trials(db);
    const std::size_t held_from = threshold.empty() ? 5 : 1;
    const ReferencePoint held =
        front_of(std::vector<Trial>(trials.begin(), trials.begin() + held_from), file.spec).reference();
    std::istringstream lines(out.str());
    std::size_t finished = 0;
    double last_hypervolume = 0.0;
    std::vector<std::int64_t> last_front;
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with(fmt::format("trial {}/", finished + 1))) continue;
      ++finished;
      const std::vector<Trial> so_far(trials.begin(), trials.begin() + finished);
      const StudyFront expected = front_of(so_far, file.spec);
      if (finished < held_from) {
        EXPECT_THAT(line, HasSubstr(fmt::format("front {} · HV - (reference set after 5 feasible trials) ·",
                                                expected.size())));
        continue;
      }
      const double hypervolume = expected.hypervolume(held);
      EXPECT_THAT(line, HasSubstr(fmt::format("front {} · HV {:.4g} (reference {}) ·", expected.size(),
                                              hypervolume, held.coordinates(file.spec))))
          << threshold;
      EXPECT_GE(hypervolume, last_hypervolume) << line;
      if (expected.member_numbers() == last_front) {
        EXPECT_EQ(hypervolume, last_hypervolume) << "a trial off the front changed the HV: " << line;
      }
      last_hypervolume = hypervolume;
      last_front = expected.member_numbers();
    }
    EXPECT_EQ(finished, 40u);
  }
}

// Issue 22: a caller watches a run through a RunObserver, beside the
// terminal's report, without reading its output: each told trial with
// where the study stands, a budget's stop, and the end.
class RecordingObserver final : public RunObserver {
 public:
  void trial_told(const Trial& told, const RunProgress& progress) override {
    told_numbers.push_back(told.number);
    answered.push_back(progress.answered);
    front_sizes.push_back(progress.front.size());
  }
  void stopped(const StopReason& reason) override { stop_rules.push_back(reason.rule); }
  void finished(const RunSummary& summary, const std::vector<Trial>& trials) override {
    finished_with = summary.trials_finished;
    trials_at_end = trials.size();
  }
  std::vector<std::int64_t> told_numbers;
  std::vector<std::int64_t> answered;
  std::vector<std::size_t> front_sizes;
  std::vector<std::string> stop_rules;
  std::int64_t finished_with = -1;
  std::size_t trials_at_end = 0;
};

TEST(Runner, AnObserverHearsEachToldTrialABudgetStopAndTheEnd) {
  TempDir dir("runner-observer");
  const std::string db = (dir / "s.db").string();
  std::ostringstream out;
  RecordingObserver observer;
  RunOptions options;
  options.out = &out;
  options.observers = {&observer};
  const RunSummary summary = run_study(zdt1_file(db, 4), options);
  EXPECT_EQ(observer.told_numbers, (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(observer.answered, (std::vector<std::int64_t>{1, 2, 3, 4}));
  const auto trials = stored_trials(db);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(observer.front_sizes[i],
              front_of(std::vector<Trial>(trials.begin(), trials.begin() + static_cast<std::ptrdiff_t>(i) + 1),
                       zdt1_file(db, 4).spec)
                  .size());
  }
  EXPECT_TRUE(observer.stop_rules.empty());
  EXPECT_EQ(observer.finished_with, summary.trials_finished);
  EXPECT_EQ(observer.trials_at_end, 4u);

  // An energy budget smaller than any trial stops the resumed run after one.
  RecordingObserver resumed;
  options.observers = {&resumed};
  options.n_trials = 10;
  options.budget.energy_kwh = 1e-15;
  run_study(zdt1_file(db, 4), options);
  EXPECT_EQ(resumed.stop_rules, std::vector<std::string>{"energy_kwh"});
  EXPECT_TRUE(resumed.told_numbers.empty()) << "spent before the first trial of this run";
  EXPECT_EQ(resumed.trials_at_end, 4u);
}

TEST(Runner, AStopRequestedBeforehandStartsNoTrial) {
  TempDir dir("runner-stop");
  const std::string db = (dir / "s.db").string();
  std::ostringstream out;
  const std::atomic<bool> stop{true};
  RunOptions options;
  options.out = &out;
  options.stop = &stop;
  EXPECT_THROW(run_study(zdt1_file(db, 3), options), StudyInterrupted);
  EXPECT_TRUE(stored_trials(db).empty());
}

// A one-objective study (f0, minimised) of random trials whose [task] and
// [space] tables are `task_and_space`.
StudyFile command_study(const std::string& db, std::int64_t n_trials,
                        const std::string& task_and_space) {
  return parse_study_file(fmt::format(R"(
[study]
name = "zdt1"
storage = "sqlite:///{}"
sampler = "random"
n_trials = {}
[[objectives]]
name = "f0"
direction = "minimize"
{})",
                                      db, n_trials, task_and_space),
                          "command.toml");
}

// A task whose every trial fails the same way.
constexpr const char* kAlwaysFails = R"(
[task]
kind = "command"
argv = ["/bin/false"]
[space.x]
type = "float"
low = 0.0
high = 1.0
)";

TEST(Runner, FailingTrialsAreRecordedAndARepeatedFailureStopsTheStudy) {
  TempDir dir("runner-fail");
  const std::string db = (dir / "s.db").string();
  const auto file = command_study(db, 10, kAlwaysFails);
  std::ostringstream out;
  try {
    run_study(file, {.out = &out});
    FAIL() << "a task that always fails must stop the study";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("3 trials in a row failed"));
  }
  const auto trials = stored_trials(db);
  ASSERT_EQ(trials.size(), 3u) << out.str();
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.state, TrialState::Failed);
    ASSERT_TRUE(trial.fail_reason);
    EXPECT_FALSE(trial.fail_reason->empty());
  }
}

TEST(Runner, TheSameFailureStreakThatStopsAStudyIsASetting) {
  TempDir dir("runner-streak");
  const std::string db = (dir / "s.db").string();
  auto file = command_study(db, 10, kAlwaysFails);
  file.stop_after_same_failures = 5;
  std::ostringstream out;
  EXPECT_THROW(run_study(file, {.out = &out}), Error);
  EXPECT_EQ(stored_trials(db).size(), 5u) << out.str();
}

// docs/command-protocol.md: an argv element naming a conditional
// parameter that is inactive in a trial is left out, so the runner gives
// the task the study's space to tell it from a typo.
TEST(Runner, ACommandLeavesOutTheFlagOfAnInactiveParameter) {
  TempDir dir("runner-conditional");
  const std::string db = (dir / "s.db").string();
  const auto file = command_study(db, 6, R"(
[task]
kind = "command"
argv = ["/bin/sh", "-c", "echo 'ECOPT {{\"f0\": '$#'}}'", "sh", "--optimizer={optimizer}",
        "--momentum={momentum}"]
[space.optimizer]
type = "categorical"
choices = ["adam", "sgd"]
[space.momentum]
type = "float"
low = 0.0
high = 1.0
condition = { parent = "optimizer", values = ["sgd"] }
)");
  std::ostringstream out;
  run_study(file, {.out = &out});
  std::set<double> flag_counts;
  for (const auto& trial : stored_trials(db)) {
    ASSERT_EQ(trial.state, TrialState::Complete) << trial.fail_reason.value_or("");
    const bool sgd = trial.params.at("optimizer") == ParamValue(std::string("sgd"));
    EXPECT_EQ(trial.values, std::vector<double>{sgd ? 2.0 : 1.0}) << "--momentum only with sgd";
    flag_counts.insert(trial.values.at(0));
  }
  EXPECT_EQ(flag_counts, (std::set<double>{1.0, 2.0})) << "both branches ran";
}

}  // namespace
}  // namespace ecopt
