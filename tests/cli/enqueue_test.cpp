// Known configurations queued to run first (issue 29, item 2): `ecopt
// enqueue`, [[enqueue]] in the study file, handed out once each by ask,
// tune and several worker processes racing for them.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "ecopt/core/attributes.hpp"
#include "ecopt/storage/storage.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

constexpr const char* kSpace =
    R"({"lr": {"type": "float", "low": 0.0001, "high": 0.1, "log": true}, "width": {"type": "int", "low": 1, "high": 64}, "act": {"type": "categorical", "choices": ["relu", "tanh"]}, "batch": {"type": "fixed", "value": 32}})";

class Enqueue : public ::testing::Test {
 public:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  std::vector<std::string> study_flags() const { return {"--storage", url_, "--study-name", "s"}; }
  ProcessResult with_study(std::vector<std::string> args) {
    const auto flags = study_flags();
    args.insert(args.begin() + 1, flags.begin(), flags.end());
    return ecopt(args);
  }
  nlohmann::json ask() {
    const auto asked = with_study({"ask", "--sampler", "random"});
    EXPECT_EQ(asked.exit_code, 0) << asked.err;
    return asked.exit_code == 0 ? nlohmann::json::parse(asked.out) : nlohmann::json();
  }
  std::vector<Trial> stored_trials(const std::string& study) {
    auto storage = open_storage(url_);
    const auto record = storage->find_study(study);
    EXPECT_TRUE(record.has_value());
    return record ? storage->trials(record->id) : std::vector<Trial>{};
  }

  TempDir dir_{"enqueue"};
  std::string url_ = "sqlite:///" + (dir_ / "e.db").string();
};

TEST_F(Enqueue, AskHandsOutQueuedConfigurationsFirstInOrderThenSamples) {
  ASSERT_EQ(with_study({"create-study", "--direction", "minimize"}).exit_code, 0);
  const auto first = with_study({"enqueue", "--search-space", kSpace, "--params",
                                 R"({"lr": 0.01, "width": 8, "act": "tanh"})"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("enqueued configuration 0 of study 's'"));
  // The study's declared space checks the second one; a whole number for a
  // float parameter is stored as a float, the fixed batch filled in.
  const auto second = with_study({"enqueue", "--params", R"({"lr": 1e-3, "width": 64, "act": "relu", "batch": 32})"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto again = with_study({"enqueue", "--skip-if-queued", "--params", R"({"lr": 0.01, "width": 8, "act": "tanh"})"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("already queued: configuration 0"));

  const nlohmann::json expected_first = {{"lr", 0.01}, {"width", 8}, {"act", "tanh"}, {"batch", 32}};
  const nlohmann::json expected_second = {{"lr", 0.001}, {"width", 64}, {"act", "relu"}, {"batch", 32}};
  const auto trial0 = ask();
  EXPECT_EQ(trial0["number"], 0);
  EXPECT_EQ(trial0["params"], expected_first);
  EXPECT_EQ(ask()["params"], expected_second);
  const auto sampled = ask()["params"];
  EXPECT_NE(sampled, expected_first);
  EXPECT_NE(sampled, expected_second);
  const auto trials = stored_trials("s");
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].system_attrs.value(kEnqueuedAttr, -1), 0);
  EXPECT_EQ(trials[1].system_attrs.value(kEnqueuedAttr, -1), 1);
  EXPECT_FALSE(trials[2].system_attrs.contains(kEnqueuedAttr));
}

TEST_F(Enqueue, AConfigurationOutsideTheSpaceIsRefusedAndNothingIsQueued) {
  ASSERT_EQ(with_study({"create-study", "--direction", "minimize"}).exit_code, 0);
  const auto no_space = with_study({"enqueue", "--params", R"({"lr": 0.01})"});
  EXPECT_EQ(no_space.exit_code, 1);
  EXPECT_THAT(no_space.err, HasSubstr("declares no search space yet; give one with --search-space"));
  const auto typo = with_study({"enqueue", "--search-space", kSpace, "--params",
                                R"({"lr": 0.01, "widht": 8, "act": "tanh"})"});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err, HasSubstr("unknown parameter 'widht' (did you mean 'width'?)"));
  const auto outside =
      with_study({"enqueue", "--search-space", kSpace, "--params", R"({"lr": 0.5, "width": 8, "act": "tanh"})"});
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_THAT(outside.err, HasSubstr("parameter 'lr' = 0.5 is outside its distribution"));
  const auto choice =
      with_study({"enqueue", "--search-space", kSpace, "--params", R"({"lr": 0.01, "width": 8, "act": "gelu"})"});
  EXPECT_EQ(choice.exit_code, 1);
  EXPECT_THAT(choice.err, HasSubstr("parameter 'act' = gelu is outside its distribution"));
  EXPECT_TRUE(stored_trials("s").empty());
  const auto asked = with_study({"ask", "--sampler", "random", "--search-space", kSpace});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_NE(nlohmann::json::parse(asked.out)["params"]["lr"], 0.01);  // nothing was queued
  EXPECT_FALSE(stored_trials("s").at(0).system_attrs.contains(kEnqueuedAttr));
}

// The study file's [[enqueue]] runs first; a rerun does not queue it again.
TEST_F(Enqueue, TuneRunsTheStudyFilesQueuedConfigurationsFirstAndOnce) {
  std::ofstream(dir_ / "trial.sh") << "#!/bin/sh\necho \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n";
  const auto study = testing::command_study(dir_.path(), "file", url_, 3, dir_ / "trial.sh", "", "",
                                            std::string(testing::kMinimiseF0) +
                                                "\n[[enqueue]]\nx = 0.25\n[[enqueue]]\nx = 1\n");
  const auto run = ecopt({"tune", study});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("enqueued: [[enqueue]] 1 as queued configuration 1"));
  const auto rerun = ecopt({"tune", study, "--n-trials", "5"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_THAT(rerun.out, ::testing::Not(HasSubstr("enqueued:")));
  const auto trials = stored_trials("file");
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(trials[0].params.at("x"), ParamValue(0.25));
  EXPECT_EQ(trials[1].params.at("x"), ParamValue(1.0));
  for (std::size_t i = 2; i < trials.size(); ++i) EXPECT_FALSE(trials[i].system_attrs.contains(kEnqueuedAttr));
}

// Two real worker processes race for six queued configurations: each runs
// exactly once, and the study holds exactly n_trials trials.
TEST_F(Enqueue, TwoWorkersTakeEachQueuedConfigurationOnce) {
  testing::ScopedEnv leases{"ECOPT_LEASE_DIR", (dir_ / "leases").string()};
  // Each trial waits (at most 30 s) until trials of both workers have
  // started, so that the two claim configurations at the same time.
  std::ofstream(dir_ / "trial.sh") << fmt::format(
      "#!/bin/sh\necho $PPID >> '{0}/pids'\ni=0\n"
      "while [ $(sort -u '{0}/pids' | wc -l) -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X, \\\"worker_pid\\\": $PPID}}\"\n",
      dir_.path().string());
  std::string queue;
  for (int i = 0; i < 6; ++i) queue += fmt::format("\n[[enqueue]]\nx = 0.{}\n", i + 1);
  const auto study = testing::command_study(dir_.path(), "pair", url_, 6, dir_ / "trial.sh", "", "",
                                            std::string(testing::kMinimiseF0) + queue);
  const auto run = ecopt({"tune", study, "--workers", "2", "--allow-shared"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto trials = stored_trials("pair");
  ASSERT_EQ(trials.size(), 6u);
  std::map<std::int64_t, int> taken;
  std::set<double> xs;
  std::set<std::int64_t> workers;
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.state, TrialState::Complete) << trial.fail_reason.value_or("");
    ++taken[trial.system_attrs.value(kEnqueuedAttr, -1)];
    xs.insert(std::get<double>(trial.params.at("x")));
    workers.insert(trial.user_attrs.value("worker_pid", std::int64_t{-1}));
  }
  EXPECT_EQ(taken, (std::map<std::int64_t, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}));
  EXPECT_EQ(xs, (std::set<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}));
  EXPECT_EQ(workers.size(), 2u) << "both workers should have taken queued configurations";
}

}  // namespace
}  // namespace ecopt
