// Real libtorch training on small data, measured by the real energy monitor
// (on a machine without sensors: the CPU-time estimate).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cnn_model.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/tasks/image_classification.hpp"
#include "ecopt/tasks/task.hpp"

namespace ecopt {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

EnergyMonitor make_monitor() {
  auto discovery = discover_meters(DiscoveryOptions{});
  return EnergyMonitor(std::move(discovery.meters));
}

nlohmann::json small_config(nlohmann::json dataset) {
  return {{"kind", "image-classification"},
          {"dataset", std::move(dataset)},
          {"epochs", 2},
          {"inference_samples", 64},
          {"training_threads", 1},
          {"energy", {{"min_window_s", 0.05}, {"repeats", 3}, {"min_counter_updates", 0}}}};
}

nlohmann::json fashion_subset() {
  return {{"name", "fashion-mnist"}, {"train_subset", 1000}, {"test_subset", 500}};
}

const ParamMap kSmallModel = {{"width", std::int64_t{8}},       {"depth", std::int64_t{2}},
                              {"kernel_size", std::int64_t{3}}, {"pool", true},
                              {"lr", 3e-3},                     {"batch_size", std::int64_t{32}},
                              {"optimizer", std::string("adam")},
                              {"inference_batch_size", std::int64_t{64}},
                              {"threads", std::int64_t{1}}};

using Decision = std::function<std::optional<std::string>(const IntermediateReport&)>;

// Runs one trial; `skip` is the runner's energy-first decision (step 0),
// `during` its decision at later steps.
struct Trial {
  EnergyMonitor monitor = make_monitor();
  std::atomic<bool> stop{false};
  std::vector<std::string> log;
  std::optional<nlohmann::json> seen_before_training;
  std::vector<IntermediateReport> reports;

  TaskOutcome run(Task& task, const ParamMap& params,
                  std::function<std::optional<std::string>()> skip = [] { return std::nullopt; },
                  Decision during = [](const IntermediateReport&) { return std::nullopt; }) {
    TaskContext context{params, 7, monitor, stop,
                        [&, skip, during](const IntermediateReport& report) {
                          reports.push_back(report);
                          if (report.step > 0) return during(report);
                          seen_before_training = report.values;
                          return skip();
                        },
                        [&](const std::string& line) { log.push_back(line); }};
    return task.run(context);
  }
};

TEST(ImageClassificationTask, TrainsOnFashionMnistWellAboveChance) {
  auto task = make_task(small_config(fashion_subset()));
  Trial trial;
  const auto outcome = trial.run(*task, kSmallModel);
  const auto& m = outcome.metrics;
  EXPECT_FALSE(outcome.pruned_reason.has_value());
  RecordProperty("accuracy", std::to_string(m["accuracy"].get<double>()));
  RecordProperty("inference_j_per_sample", std::to_string(m["inference_j_per_sample"].get<double>()));
  EXPECT_GT(m["accuracy"].get<double>(), 0.5) << m.dump();
  EXPECT_EQ(m["test_images"], 500);
  EXPECT_GE(m["epochs_run"].get<int>(), 1);
  EXPECT_GT(m["val_loss"].get<double>(), 0.0);
  EXPECT_GT(m["train_s"].get<double>(), 0.0);
  EXPECT_GT(m["training_j"].get<double>(), 0.0);
  // Energy figures carry their source, device and idle handling.
  ASSERT_EQ(outcome.energy.size(), 2u);
  const EnergyRecord& inference = outcome.energy[0];
  EXPECT_EQ(inference.name, "inference");
  EXPECT_EQ(inference.sources, std::vector<EnergySource>{EnergySource::EstimateCpuTime});
  EXPECT_EQ(outcome.energy[1].name, "training");
  EXPECT_TRUE(outcome.energy[1].is_estimate());
  EXPECT_FALSE(inference.idle_subtracted);
  EXPECT_FALSE(inference.devices.empty());
  const double per_sample = m["inference_j_per_sample"];
  EXPECT_GT(per_sample, 0.0);
  EXPECT_DOUBLE_EQ(*inference.j_per_unit, per_sample);
  EXPECT_DOUBLE_EQ(m["inference_samples_per_j"].get<double>(), 1.0 / per_sample);
  ASSERT_TRUE(inference.spread);
  EXPECT_LE(inference.spread->min_j, per_sample);
  EXPECT_GE(inference.spread->max_j, per_sample);
  EXPECT_GE(inference.spread->mad_j, 0.0);
  EXPECT_EQ(inference.windows, 3);
  EXPECT_EQ(m["inference_windows"], 3);
  EXPECT_GT(m["inference_windows_s"].get<double>(), 0.0);
  // 28x28 → conv1 28x28 → conv2, pool → 14x14: 80 + 584 + 8·14·14·10 + 10.
  EXPECT_EQ(m["params"], 80 + 584 + 15680 + 10);
  EXPECT_EQ(m["flops_per_sample"], model_cost({1, 28, 28, 10, 8, 2, 3, true}).flops);
  EXPECT_TRUE(m["layers"].contains("pool2"));
  EXPECT_EQ(m["inference_batch_size"], 64);
  EXPECT_EQ(m["threads"], 1);
  EXPECT_THAT(trial.log, Contains(HasSubstr("epoch 1/2")));
  ASSERT_TRUE(trial.seen_before_training.has_value());
  EXPECT_TRUE(trial.seen_before_training->contains("inference_j_per_sample"));
}

TEST(ImageClassificationTask, SearchedEpochsOverrideTheTaskSetting) {
  auto task = make_task(small_config(fashion_subset()));  // task.epochs = 2
  Trial trial;
  ParamMap params = kSmallModel;
  params["epochs"] = std::int64_t{1};
  const auto m = trial.run(*task, params).metrics;
  EXPECT_EQ(m["epochs_run"], 1);
  EXPECT_FALSE(m["stopped_early"].get<bool>());
  EXPECT_THAT(trial.log, Contains(HasSubstr("epoch 1/1")));
}

TEST(ImageClassificationTask, EnergyFirstSkipMeansNoTraining) {
  auto task = make_task(small_config(fashion_subset()));
  Trial trial;
  const auto outcome =
      trial.run(*task, kSmallModel, [] { return std::string("cannot reach the Pareto front"); });
  ASSERT_TRUE(outcome.pruned_reason.has_value());
  EXPECT_EQ(*outcome.pruned_reason, "cannot reach the Pareto front");
  const auto& m = outcome.metrics;
  EXPECT_TRUE(m.contains("inference_j_per_sample"));
  EXPECT_TRUE(m.contains("flops_per_sample"));
  EXPECT_FALSE(m.contains("training_j"));
  EXPECT_FALSE(m.contains("accuracy"));
  EXPECT_FALSE(m.contains("epochs_run"));
  EXPECT_THAT(trial.log, ::testing::Not(Contains(HasSubstr("epoch"))));
}

// Intermediate results: validation accuracy and training energy so far
// every epoch and every N batches (steps are batches), with the schedule's
// last step; a "stop" ends training there and the test set is never used.
TEST(ImageClassificationTask, ReportsValidationAccuracyDuringTrainingAndStopsWhenPruned) {
  auto config = small_config(fashion_subset());
  config["report_every_steps"] = 10;
  auto task = make_task(config);
  Trial trial;
  const auto full = trial.run(*task, kSmallModel);
  ASSERT_GE(trial.reports.size(), 3u);
  const std::int64_t last_step = trial.reports.back().step;  // 2 epochs of batches of 32
  const std::int64_t per_epoch = last_step / 2;
  std::vector<std::int64_t> steps;
  for (const auto& report : trial.reports) steps.push_back(report.step);
  std::vector<std::int64_t> expected{0};
  for (std::int64_t step = 1; step <= last_step; ++step) {
    if (step % per_epoch == 0 || step % 10 == 0) expected.push_back(step);
  }
  EXPECT_EQ(steps, expected);
  for (const auto& report : trial.reports) {
    if (report.step == 0) continue;
    EXPECT_EQ(report.last_step, last_step);
    EXPECT_GE(report.values["accuracy"].get<double>(), 0.0);
    EXPECT_GT(report.values["training_j_so_far"].get<double>(), 0.0);
    EXPECT_TRUE(report.values.contains("val_loss"));
  }
  EXPECT_FALSE(full.pruned_reason);

  Trial pruned;
  const auto outcome = pruned.run(*task, kSmallModel, [] { return std::nullopt; },
                                  [](const IntermediateReport& report) -> std::optional<std::string> {
                                    if (report.step >= 20) return "front-reach: cannot reach";
                                    return std::nullopt;
                                  });
  EXPECT_EQ(outcome.pruned_reason, "front-reach: cannot reach");
  EXPECT_EQ(pruned.reports.back().step, 20);
  EXPECT_FALSE(outcome.metrics.contains("test_images"));  // never scored on the test set
  EXPECT_TRUE(outcome.metrics.contains("training_j"));    // the energy it spent
}

TEST(ImageClassificationTask, StopRequestedInterruptsTrainingAndLeavesTheMonitorUsable) {
  auto task = make_task(small_config(fashion_subset()));
  Trial trial;
  EXPECT_THROW(trial.run(*task, kSmallModel,
                         [&] {
                           trial.stop = true;  // as if Ctrl-C came during training
                           return std::nullopt;
                         }),
               TrialInterrupted);
  EXPECT_THAT(trial.log, ::testing::Not(Contains(HasSubstr("epoch"))));
  // The training window was closed: the next trial opens it again.
  trial.stop = false;
  ParamMap one_epoch = kSmallModel;
  one_epoch["width"] = std::int64_t{2};
  const auto outcome = trial.run(*task, one_epoch);
  EXPECT_TRUE(outcome.metrics.contains("training_j"));
}

TEST(ImageClassificationTask, StopRequestedDuringTheInferenceMeasurementEndsItAtOnce) {
  auto config = small_config(fashion_subset());
  config["energy"]["min_window_s"] = 30.0;  // three windows: minutes if not stopped
  auto slow_task = make_task(config);
  Trial trial;
  std::thread ctrl_c([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    trial.stop = true;
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(trial.run(*slow_task, kSmallModel), TrialInterrupted);
  ctrl_c.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  // The measurement's window was closed: the next trial measures again.
  trial.stop = false;
  auto task = make_task(small_config(fashion_subset()));
  EXPECT_TRUE(trial.run(*task, kSmallModel).metrics.contains("inference_j_per_sample"));
}

TEST(ImageClassificationTask, SyntheticCifarShapedDataWithBfloat16InferenceAndVerification) {
  auto config = small_config({{"name", "synthetic"}, {"synthetic_train", 400}, {"synthetic_test", 200}});
  config["epochs"] = 1;
  config["verify_inference_energy"] = true;
  auto task = make_task(config);
  Trial trial;
  ParamMap params = kSmallModel;
  params["dtype"] = std::string("bfloat16");
  params["optimizer"] = std::string("sgd");
  params["momentum"] = 0.9;
  params["lr"] = 1e-2;
  const auto m = trial.run(*task, params).metrics;
  EXPECT_EQ(m["dtype"], "bfloat16");
  EXPECT_EQ(m["dataset"], "synthetic");
  RecordProperty("accuracy", std::to_string(m["accuracy"].get<double>()));
  RecordProperty("inference_trained_vs_untrained",
                 std::to_string(m["inference_trained_vs_untrained"].get<double>()));
  EXPECT_GT(m["accuracy"].get<double>(), 0.5) << m.dump();
  EXPECT_GT(m["inference_trained_j_per_sample"].get<double>(), 0.0);
  EXPECT_GT(m["inference_trained_vs_untrained"].get<double>(), 0.0);
  // 3x32x32 → 16x16 after the one pool.
  EXPECT_EQ(m["params"], (3 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + (8 * 16 * 16 * 10 + 10));
}

TEST(ImageClassificationTask, SameTrialNumberGivesTheSameModel) {
  auto config = small_config({{"name", "synthetic"}, {"synthetic_train", 200}, {"synthetic_test", 50}});
  config["epochs"] = 1;
  auto task = make_task(config);
  Trial trial;
  const auto first = trial.run(*task, kSmallModel).metrics;
  const auto second = trial.run(*task, kSmallModel).metrics;
  EXPECT_DOUBLE_EQ(first["val_loss"].get<double>(), second["val_loss"].get<double>());
  EXPECT_DOUBLE_EQ(first["accuracy"].get<double>(), second["accuracy"].get<double>());
}

TEST(ImageClassificationTask, CudaWithoutAGpuIsUnavailable) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has a CUDA device";
  auto config = small_config({{"name", "synthetic"}, {"synthetic_train", 20}, {"synthetic_test", 5}});
  config["device"] = "cuda";
  EXPECT_THAT([&] { make_task(config); },
              ::testing::ThrowsMessage<UnavailableError>(HasSubstr("use device = \"cpu\"")));
}

TEST(CnnModel, BuiltModelMatchesTheCountedParametersAndShapes) {
  for (const auto& arch : {CnnArchitecture{1, 8, 8, 10, 4, 3, 3, true},
                           CnnArchitecture{3, 2, 2, 10, 3, 4, 1, true},
                           CnnArchitecture{3, 6, 6, 7, 2, 2, 5, false}}) {
    auto model = detail::build_cnn(arch);
    std::int64_t params = 0;
    for (const auto& parameter : model->parameters()) params += parameter.numel();
    EXPECT_EQ(params, model_cost(arch).params);
    const auto output = model->forward(torch::zeros({2, arch.in_channels, arch.in_height, arch.in_width}));
    EXPECT_EQ(output.sizes(), (std::vector<std::int64_t>{2, arch.num_classes}));
  }
}

}  // namespace
}  // namespace ecopt
