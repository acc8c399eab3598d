// The README's main job, `ecopt tune studies/demo-fashion-mnist.toml`, on
// the real binary, real SQLite and real libtorch training on Debian's
// Fashion-MNIST: a run, a resume, Ctrl-C in the middle of training; and
// Ctrl-C stopping a command trial's whole process tree.
#include <csignal>
#include <filesystem>
#include <functional>
#include <fstream>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;

const fs::path kShippedDemo = fs::path(ECOPT_SOURCE_DIR) / "studies" / "demo-fashion-mnist.toml";
constexpr const char* kDemoName = "demo-fashion-mnist";

// The shipped demo study with its sizes replaced, so a trial takes a second
// instead of minutes; everything else (space, objectives, sampler, seed,
// best_plausible) is the shipped file's. Each replaced line must be there:
// when the shipped file changes, this test is told.
std::string scaled_demo(const std::vector<std::pair<std::string, std::string>>& replacements) {
  std::string text = testing::read_file(kShippedDemo);
  EXPECT_FALSE(text.empty()) << kShippedDemo;
  for (const auto& [from, to] : replacements) {
    const auto at = text.find(from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "the shipped demo study no longer has '" << from << "'; update this test";
      continue;
    }
    text.replace(at, from.size(), to);
  }
  return text;
}

const std::vector<std::pair<std::string, std::string>> kSmallSizes = {
    {"min_window_s = 0.5", "min_window_s = 0.1"},
    {"repeats = 3", "repeats = 2"},
    {"epochs = 2", "epochs = 1"},
    {"inference_samples = 512", "inference_samples = 64"},
    {"train_subset = 4000, test_subset = 1000, validation_size = 800",
     "train_subset = 300, test_subset = 200, validation_size = 100"},
};

// Enough training images that one epoch lasts far longer than the test
// waits after Ctrl-C: the stop must come between batches, not after.
const std::vector<std::pair<std::string, std::string>> kLongTraining = {
    {"min_window_s = 0.5", "min_window_s = 0.1"},
    {"repeats = 3", "repeats = 2"},
    {"epochs = 2", "epochs = 5"},
    {"inference_samples = 512", "inference_samples = 64"},
    {"train_subset = 4000, test_subset = 1000, validation_size = 800",
     "train_subset = 50000, test_subset = 200, validation_size = 100"},
};

class DemoStudy : public ::testing::Test {
 protected:
  std::string write_study(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  nlohmann::json trials(const std::string& study) {
    const auto listed = ecopt({"trials", "--storage", url_, "--study-name", study});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out);
  }

  TempDir dir_{"demo"};
  const std::string url_ = "sqlite:///" + (dir_ / "x.db").string();
};

void expect_complete_demo_trial(const nlohmann::json& trial) {
  SCOPED_TRACE(trial.dump());
  ASSERT_EQ(trial["state"], "COMPLETE");
  const auto& attrs = trial["user_attrs"];
  const double accuracy = attrs["accuracy"].get<double>();
  EXPECT_GT(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  ASSERT_EQ(trial["values"].size(), 2u);
  EXPECT_DOUBLE_EQ(trial["values"][0].get<double>(), accuracy);
  const double samples_per_j = attrs["inference_samples_per_j"].get<double>();
  EXPECT_GT(samples_per_j, 0.0);
  EXPECT_DOUBLE_EQ(trial["values"][1].get<double>(), samples_per_j);
  EXPECT_NEAR(attrs["inference_j_per_sample"].get<double>() * samples_per_j, 1.0, 1e-9);
  EXPECT_GT(attrs["training_j"].get<double>(), 0.0);
  const auto& energy = attrs["energy"];
  EXPECT_GT(energy["trial"]["gross_j"].get<double>(), attrs["training_j"].get<double>())
      << "the trial's window holds the inference measurement and the training";
  EXPECT_GT(attrs["params"].get<double>(), 0.0);
  EXPECT_GT(attrs["flops_per_sample"].get<double>(), 0.0);
  EXPECT_EQ(attrs["dataset"], "fashion-mnist");
  EXPECT_EQ(attrs["test_images"], 200);
  // Every energy record names its sources and devices. The test main hides
  // this host's sensors: the CPU-time estimate only, and every record says so.
  for (const char* name : {"inference", "training", "trial"}) {
    ASSERT_TRUE(energy.contains(name)) << name << " in " << energy.dump();
    EXPECT_EQ(energy[name]["sources"], nlohmann::json::array({"estimate-cpu-time"})) << name;
    EXPECT_TRUE(energy[name]["estimate"].get<bool>()) << name;
    EXPECT_THAT(energy[name]["devices"][0].get<std::string>(), HasSubstr("estimate")) << name;
  }
}

TEST_F(DemoStudy, ShippedDemoRunsOnFashionMnistAndResumes) {
  const auto study = write_study("demo.toml", scaled_demo(kSmallSizes));
  const auto first = ecopt({"tune", study, "--n-trials", "2", "--storage", url_});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_THAT(first.out, HasSubstr("trial 2/2"));
  EXPECT_THAT(first.out, HasSubstr("Pareto front of demo-fashion-mnist (2 of 2 trials finished"));
  EXPECT_THAT(first.out, HasSubstr("inference_samples_per_j"));
  EXPECT_THAT(first.out, HasSubstr("ESTIMATE"));
  const auto before = trials(kDemoName);
  ASSERT_EQ(before.size(), 2u) << before.dump();
  for (const auto& trial : before) expect_complete_demo_trial(trial);
  EXPECT_NE(before[0]["params"], before[1]["params"]) << "the sampler proposes, not a fixed point";

  const auto resumed = ecopt({"tune", study, "--n-trials", "3", "--storage", url_});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("trial 3/3"));
  EXPECT_THAT(resumed.out, Not(HasSubstr("trial 0:")));
  const auto after = trials(kDemoName);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[1], before[1]);
  expect_complete_demo_trial(after[2]);
}

TEST_F(DemoStudy, CtrlCDuringTrainingFailsThatTrialKeepsTheRestAndResumes) {
  const auto small = write_study("small.toml", scaled_demo(kSmallSizes));
  const auto first = ecopt({"tune", small, "--n-trials", "1", "--storage", url_});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;

  // Same study (name, objectives, space), but trial 1 trains on 50k images:
  // Ctrl-C once its inference measurement is logged lands in training.
  const auto long_training = write_study("long.toml", scaled_demo(kLongTraining));
  ChildProcess tune({ECOPT_CLI_PATH, "tune", long_training, "--n-trials", "3", "--storage", url_},
                    dir_.path());
  ASSERT_TRUE(tune.wait_for_output("trial 1: inference:", std::chrono::seconds(60)))
      << tune.out_so_far();
  const auto interrupted_at = std::chrono::steady_clock::now();
  tune.signal(SIGINT);
  const auto result = tune.wait();
  const auto stop_took = std::chrono::steady_clock::now() - interrupted_at;
  EXPECT_EQ(result.exit_code, 130) << result.err << result.out;
  EXPECT_LT(stop_took, std::chrono::seconds(10)) << "the stop is checked between batches";
  EXPECT_THAT(result.err, HasSubstr("interrupted"));
  EXPECT_THAT(result.out, Not(HasSubstr("trial 1: epoch"))) << "stopped inside the first epoch";

  const auto stopped = trials(kDemoName);
  ASSERT_EQ(stopped.size(), 2u) << stopped.dump();
  expect_complete_demo_trial(stopped[0]);
  EXPECT_EQ(stopped[1]["state"], "FAIL");
  EXPECT_EQ(stopped[1]["fail_reason"], "interrupted by user");
  EXPECT_FALSE(stopped[1]["user_attrs"].contains("training_j")) << stopped[1].dump();
  EXPECT_GT(stopped[1]["user_attrs"]["energy"]["trial"]["gross_j"].get<double>(), 0.0)
      << "the energy spent before the stop is still counted";

  const auto resumed = ecopt({"tune", small, "--n-trials", "3", "--storage", url_});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  // The interrupted trial runs again first, with its params (issue 29).
  const auto after = trials(kDemoName);
  ASSERT_EQ(after.size(), 4u) << after.dump();
  EXPECT_EQ(after[0], stopped[0]);
  EXPECT_EQ(after[1], stopped[1]);
  EXPECT_EQ(after[2]["params"], stopped[1]["params"]);
  expect_complete_demo_trial(after[2]);
  expect_complete_demo_trial(after[3]);
}

pid_t pid_in(const fs::path& file) {
  const std::string text = testing::read_file(file);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

TEST_F(DemoStudy, CtrlCStopsACommandTrialsWholeProcessTree) {
  // The program ignores SIGTERM, and so does its background grandchild
  // (ignored signals survive exec): only the escalation to SIGKILL of the
  // whole process group after grace_s stops them.
  const auto program = dir_ / "tree.sh";
  std::ofstream(program) << fmt::format(
      "#!/bin/sh\n"
      "trap '' TERM\n"
      "sleep 300 &\n"
      "echo $! > '{0}/grandchild.tmp' && mv '{0}/grandchild.tmp' '{0}/grandchild.pid'\n"
      "echo $$ > '{0}/program.tmp' && mv '{0}/program.tmp' '{0}/program.pid'\n"
      "wait\n"
      "echo 'ECOPT {{\"f0\": 1}}'\n",
      dir_.path().string());
  const auto study = testing::command_study(dir_.path(), "tree", url_, 2, program, "grace_s = 0.5");
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study, "--storage", url_}, dir_.path());
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(dir_ / "program.pid"); }, std::chrono::seconds(30)))
      << tune.out_so_far();
  const pid_t program_pid = pid_in(dir_ / "program.pid");
  const pid_t grandchild_pid = pid_in(dir_ / "grandchild.pid");
  ASSERT_GT(program_pid, 0);
  ASSERT_GT(grandchild_pid, 0);
  ASSERT_TRUE(testing::process_alive(program_pid));
  ASSERT_TRUE(testing::process_alive(grandchild_pid));

  tune.signal(SIGINT);
  const auto result = tune.wait();
  EXPECT_EQ(result.exit_code, 130) << result.err << result.out;
  EXPECT_THAT(result.err, HasSubstr("interrupted"));
  // ecopt has exited: whatever it did not stop would still run now. The
  // short wait only covers the kernel finishing a SIGKILL already sent.
  EXPECT_TRUE(testing::wait_until([&] { return !testing::process_alive(program_pid); }, std::chrono::milliseconds(500)))
      << "the trial program " << program_pid << " outlived ecopt";
  EXPECT_TRUE(testing::wait_until([&] { return !testing::process_alive(grandchild_pid); }, std::chrono::milliseconds(500)))
      << "the program's child " << grandchild_pid << " outlived ecopt";
  if (testing::process_alive(grandchild_pid)) ::kill(grandchild_pid, SIGKILL);
  if (testing::process_alive(program_pid)) ::kill(program_pid, SIGKILL);

  const auto stopped = trials("tree");
  ASSERT_EQ(stopped.size(), 1u) << stopped.dump();
  EXPECT_EQ(stopped[0]["state"], "FAIL");
  EXPECT_EQ(stopped[0]["fail_reason"], "interrupted by user");
}

TEST_F(DemoStudy, CtrlCGivesACommandTrialsProgramSigtermAndItsGraceFirst) {
  // A program that cleans up on SIGTERM must get the chance: the stop is
  // SIGTERM first, SIGKILL only after grace_s (here far longer than needed).
  const auto program = dir_ / "tidy.sh";
  std::ofstream(program) << fmt::format(
      "#!/bin/sh\n"
      "trap 'echo tidied > \"{0}/tidied\"; exit 1' TERM\n"
      "echo $$ > '{0}/program.tmp' && mv '{0}/program.tmp' '{0}/program.pid'\n"
      "while true; do sleep 0.05; done\n",
      dir_.path().string());
  const auto study = testing::command_study(dir_.path(), "tidy", url_, 1, program, "grace_s = 20");
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study, "--storage", url_}, dir_.path());
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(dir_ / "program.pid"); }, std::chrono::seconds(30)))
      << tune.out_so_far();
  const pid_t program_pid = pid_in(dir_ / "program.pid");
  const auto interrupted_at = std::chrono::steady_clock::now();
  tune.signal(SIGINT);
  const auto result = tune.wait();
  EXPECT_EQ(result.exit_code, 130) << result.err << result.out;
  EXPECT_LT(std::chrono::steady_clock::now() - interrupted_at, std::chrono::seconds(10))
      << "a program that exits on SIGTERM is not waited on for the whole grace";
  EXPECT_EQ(testing::read_file(dir_ / "tidied"), "tidied\n") << "the program got no SIGTERM";
  EXPECT_TRUE(testing::wait_until([&] { return !testing::process_alive(program_pid); }, std::chrono::milliseconds(500)));
  const auto stopped = trials("tidy");
  ASSERT_EQ(stopped.size(), 1u) << stopped.dump();
  EXPECT_EQ(stopped[0]["state"], "FAIL");
  EXPECT_EQ(stopped[0]["fail_reason"], "interrupted by user");
}

}  // namespace
}  // namespace ecopt
