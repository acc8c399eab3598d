// Energy-first evaluation through the study runner (docs/energy-first.md):
// the image-classification task measures inference energy on the untrained
// model, asks the runner's skip hook, and a candidate that cannot pay off is
// stored PRUNED with its reason, untrained, while the study goes on. Real
// libtorch on tiny Fashion-MNIST subsets, real SQLite, this machine's meters.
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/energy/record.hpp"

#include "ecopt/study/runner.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::TempDir;

// A study small enough for a second per trial. `extra` goes into [study],
// `tail` after the objectives (constraints, space). Only the file's [space]
// parameters vary ("replace"); the rest keep the task's default values, so
// no trial draws a model too big for a quick test.
std::string tiny_image_study(const std::string& db, const std::string& extra,
                             const std::string& objectives, const std::string& tail,
                             int train_subset = 200) {
  return fmt::format(R"(
[study]
name = "ef"
storage = "sqlite:///{}"
sampler = "random"
seed = 3
space_mode = "replace"
{}
{}
{}
[energy]
min_window_s = 0.05
repeats = 2
[task]
kind = "image-classification"
epochs = 1
training_threads = 1
inference_samples = 32
dataset = {{ name = "fashion-mnist", train_subset = {}, test_subset = 100, validation_size = 50 }}
fixed = {{ threads = 1 }}
)",
                     db, extra, objectives, tail, train_subset);
}

constexpr const char* kAccuracyAndEfficiency = R"(
[[objectives]]
name = "accuracy"
direction = "maximize"
[[objectives]]
name = "inference_samples_per_j"
direction = "maximize"
)";

constexpr const char* kTwoWidths = R"(
[space.width]
type = "ordinal"
choices = [2, 4]
)";

// No untrained CNN classifies 10^12 images per joule.
const std::string kImpossibleEfficiency = std::string(R"(
[[constraints]]
metric = "inference_samples_per_j"
op = ">="
bound = 1e12
)") + kTwoWidths;

// Runs a tiny image study through the runner into its own SQLite file.
class EnergyFirstRunner : public ::testing::Test {
 protected:
  RunSummary run(int n_trials, const std::string& extra, const std::string& objectives,
                 const std::string& tail, int train_subset = 200) {
    RunOptions options;
    options.out = &out;
    options.n_trials = n_trials;
    return run_study(
        parse_study_file(tiny_image_study(db, extra, objectives, tail, train_subset), "ef.toml"),
        options);
  }
  std::vector<Trial> stored() const {
    auto storage = open_storage("sqlite:///" + db);
    return Study::load(*storage, "ef").trials();
  }

  TempDir dir{"ef-runner"};
  const std::string db = (dir / "ef.db").string();
  std::ostringstream out;
};

// What the skip leaves: the inference measurement, none of training's metrics.
void expect_skipped_untrained(const Trial& trial, const std::string& reason_start) {
  SCOPED_TRACE(to_json(trial).dump());
  EXPECT_EQ(trial.state, TrialState::Pruned);
  ASSERT_TRUE(trial.user_attrs.contains(kPrunedReasonAttr));
  const auto reason = trial.user_attrs[kPrunedReasonAttr].get<std::string>();
  EXPECT_THAT(reason, StartsWith(reason_start));
  EXPECT_EQ(trial.fail_reason, reason);
  EXPECT_GT(trial.metric("inference_samples_per_j").value_or(0.0), 0.0);
  EXPECT_GT(trial.metric("params").value_or(0.0), 0.0);
  EXPECT_GT(find_energy_record(trial.user_attrs, kTrialRecord)->gross_j, 0.0)
      << "the measurement's energy counts";
  for (const char* training_metric :
       {"training_j", "training_j_gross", "train_s", "epochs_run", "val_loss", "accuracy"}) {
    EXPECT_FALSE(trial.user_attrs.contains(training_metric)) << training_metric;
  }
  EXPECT_TRUE(trial.values.empty());
}

TEST_F(EnergyFirstRunner, AConstraintTheUntrainedModelBreaksSkipsTrainingAndTheStudyGoesOn) {
  const RunSummary summary = run(2, "", kAccuracyAndEfficiency, kImpossibleEfficiency);

  EXPECT_EQ(summary.trials_run, 2) << out.str();
  EXPECT_EQ(summary.trials_finished, 2);
  EXPECT_EQ(summary.front.size(), 0u) << "pruned trials never enter the front";
  const auto trials = stored();
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& trial : trials) {
    expect_skipped_untrained(trial,
                             "energy-first: constraint inference_samples_per_j >= 1e+12 broken (");
  }
  EXPECT_THAT(out.str(), HasSubstr("trial 0: training skipped: energy-first: constraint"));
  EXPECT_THAT(out.str(), HasSubstr("trial 1: training skipped: energy-first: constraint"));
  EXPECT_THAT(out.str(), HasSubstr("trial 2/2 · #1 PRUNED"));
  EXPECT_THAT(out.str(), Not(HasSubstr("epoch 1/1")));
}

TEST_F(EnergyFirstRunner, AnObjectiveWorseThanItsThresholdSkipsTraining) {
  run(1, "", R"(
[[objectives]]
name = "accuracy"
direction = "maximize"
[[objectives]]
name = "inference_samples_per_j"
direction = "maximize"
threshold = 1e12
)",
      kTwoWidths);
  const auto trials = stored();
  ASSERT_EQ(trials.size(), 1u);
  expect_skipped_untrained(
      trials[0], "energy-first: inference_samples_per_j = ");
  EXPECT_THAT(trials[0].user_attrs.value(kPrunedReasonAttr, std::string()),
              HasSubstr("is worse than its threshold 1e+12"));
}

TEST_F(EnergyFirstRunner, WithEnergyFirstOffTheSameCandidateIsTrained) {
  // The control for the test above: the skip comes from energy-first, not
  // from the constraint or the task.
  run(1, "energy_first = false", kAccuracyAndEfficiency, kImpossibleEfficiency);
  const auto trials = stored();
  ASSERT_EQ(trials.size(), 1u);
  const Trial& trained = trials[0];
  SCOPED_TRACE(to_json(trained).dump());
  EXPECT_EQ(trained.state, TrialState::Complete);
  EXPECT_FALSE(trained.user_attrs.contains(kPrunedReasonAttr));
  EXPECT_GT(trained.metric("training_j").value_or(0.0), 0.0);
  EXPECT_TRUE(find_energy_record(trained.user_attrs, kTrainingRecord).has_value());
  EXPECT_GT(trained.metric("accuracy").value_or(0.0), 0.0);
  EXPECT_THAT(out.str(), HasSubstr("trial 0: epoch 1/1"));
}

// Objectives whose second is exact and known before training (the model's
// parameter count), so the Pareto rule's decision is deterministic: every
// trial is the default CNN (only the learning rate varies), so once trial 0
// is trained, a later one matches its size and could at best reach
// `best_plausible` accuracy, which trial 0 beats.
constexpr const char* kAccuracyAndSize = R"(
[[objectives]]
name = "accuracy"
direction = "maximize"
best_plausible = 0.05
[[objectives]]
name = "params"
direction = "minimize"
)";

constexpr const char* kOnlyTheLearningRate = R"(
[space.lr]
type = "float"
low = 0.001
high = 0.002
)";

TEST_F(EnergyFirstRunner, ACandidateThatCannotEnterTheFrontAtBestPlausibleAccuracyIsNotTrained) {
  const RunSummary summary = run(3, "", kAccuracyAndSize, kOnlyTheLearningRate, 1000);
  EXPECT_EQ(summary.trials_run, 3) << out.str();

  const auto trials = stored();
  ASSERT_EQ(trials.size(), 3u);
  const Trial& trained = trials[0];
  ASSERT_EQ(trained.state, TrialState::Complete) << to_json(trained).dump();
  ASSERT_GT(trained.values.at(0), 0.05) << "the test needs trial 0 to beat best_plausible";
  EXPECT_GT(trained.metric("training_j").value_or(0.0), 0.0);
  EXPECT_TRUE(find_energy_record(trained.user_attrs, kTrainingRecord).has_value());
  for (std::size_t i = 1; i < trials.size(); ++i) {
    expect_skipped_untrained(
        trials[i],
        "energy-first: cannot enter the Pareto front: even assuming accuracy = 0.05, it is "
        "dominated by trial 0 (accuracy ");
    EXPECT_EQ(trials[i].metric("params"), trained.metric("params"));
    EXPECT_NE(to_string(trials[i].params.at("lr")), to_string(trained.params.at("lr"))) << "a new candidate each trial";
    // Same model, same inference knobs: the skipped trial spent the
    // measurement only, the trained one the measurement and training. (Its
    // records say so; comparing the two trials' CPU-time estimates failed
    // under load, where the measurement alone can take longer.)
    EXPECT_FALSE(find_energy_record(trials[i].user_attrs, kTrainingRecord).has_value());
    EXPECT_TRUE(find_energy_record(trials[i].user_attrs, kTrialRecord).has_value());
  }
  EXPECT_EQ(summary.front.member_numbers(), std::vector<std::int64_t>{0});
}

}  // namespace
}  // namespace ecopt
