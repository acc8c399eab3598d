// A command trial's output (issue 29, item 1): kept in a bounded log that
// `ecopt logs` prints or follows, streamed by `tune --stream-output`, and a
// failure reason that keeps its lines.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "polling.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;

class TrialOutput : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  std::string study_file(const std::string& name, const std::string& script_text, int n_trials = 1) {
    std::ofstream(dir_ / (name + ".sh")) << "#!/bin/sh\n" << script_text;
    return testing::command_study(dir_.path(), name, url_, n_trials, dir_ / (name + ".sh"));
  }

  TempDir dir_{"trial-output"};
  std::string url_ = "sqlite:///" + (dir_ / "logs.db").string();
};

TEST_F(TrialOutput, LogsPrintsBothStreamsOfATrialKeptBesideTheDatabase) {
  const auto study = study_file("talk", "echo 'epoch 1 loss 0.5'\necho 'a warning' >&2\n"
                                        "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n");
  const auto run = ecopt({"tune", study});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("epoch 1 loss")));  // not streamed unless asked
  EXPECT_TRUE(std::filesystem::exists(dir_ / "logs.db-logs" / "talk" / "trial-0.log"));

  const auto logs = ecopt({"logs", "talk", "--storage", url_, "--trial", "0"});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_THAT(logs.out, HasSubstr("epoch 1 loss 0.5\n"));
  EXPECT_THAT(logs.out, HasSubstr("a warning\n"));
  EXPECT_THAT(logs.out, HasSubstr("ECOPT {\"f0\""));

  const auto missing = ecopt({"logs", "talk", "--storage", url_, "--trial", "7"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("study 'talk' has no trial 7"));
}

TEST_F(TrialOutput, StreamOutputPrintsEachLineAfterItsTrial) {
  const auto study = study_file("stream", "echo \"step of $ECOPT_TRIAL_NUMBER\"\necho 'to stderr' >&2\n"
                                          "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n",
                                2);
  const auto run = ecopt({"tune", study, "--stream-output"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("[trial 0] step of 0\n"));
  EXPECT_THAT(run.out, HasSubstr("[trial 1] step of 1\n"));
  EXPECT_THAT(run.out, HasSubstr("[trial 1] to stderr\n"));
}

// The log keeps the first and the last 512 KiB (study/trial_log.hpp) and
// says how much it cut between them.
TEST_F(TrialOutput, ALongOutputIsKeptAsItsHeadAndTailWithTheCutStated) {
  const auto study = study_file(
      "long", "echo 'the first line'\n"
              "i=0; while [ $i -lt 40000 ]; do echo \"line $i of filler filler filler\"; i=$((i+1)); done\n"
              "echo 'the last line'\necho \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n");
  const auto run = ecopt({"tune", study});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto log = testing::read_file(dir_ / "logs.db-logs" / "long" / "trial-0.log");
  EXPECT_LE(log.size(), (1u << 20) + 400);
  EXPECT_TRUE(log.starts_with("the first line\n")) << log.substr(0, 100);
  EXPECT_THAT(log, HasSubstr("bytes cut"));
  EXPECT_THAT(log, HasSubstr("the last line\nECOPT"));
}

// Issue 29: the reason held the last stderr lines joined by a literal
// "\n" on the terminal, and tables showed only "/bin/sh ended ...".
TEST_F(TrialOutput, AFailureReasonKeepsItsLinesAndNamesTheErrorFirst) {
  const auto study = study_file("fails", "echo 'Traceback (most recent call last):' >&2\n"
                                         "echo 'ValueError: lr must be positive' >&2\nexit 3\n");
  const auto run = ecopt({"tune", study});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, Not(HasSubstr("\\n")));
  EXPECT_THAT(run.out, HasSubstr("exit code 3; stderr: ValueError: lr must be positive\n"));
  EXPECT_THAT(run.out, HasSubstr("\n    Traceback (most recent call last):\n"));

  const auto listed = ecopt({"trials", "--storage", url_, "--study-name", "fails"});
  const auto reason = nlohmann::json::parse(listed.out)[0]["fail_reason"].get<std::string>();
  EXPECT_THAT(reason, HasSubstr("\nTraceback (most recent call last):\nValueError: lr must be positive"));
  const auto table = ecopt({"trials", "--storage", url_, "--study-name", "fails", "--format", "table"});
  EXPECT_THAT(table.out, Not(HasSubstr("\\n")));
}

// --follow prints what the trial has written so far, then each new line,
// and ends when the trial does.
TEST_F(TrialOutput, FollowPrintsNewLinesUntilTheTrialEnds) {
  const auto go = dir_ / "go";
  const auto study = study_file(
      "follow", fmt::format("echo 'before the wait'\nwhile [ ! -f '{}' ]; do sleep 0.05; done\n"
                            "echo 'after the wait'\necho \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X}}\"\n",
                            go.string()));
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study}, dir_.path());
  const auto log = dir_ / "logs.db-logs" / "follow" / "trial-0.log";
  ASSERT_TRUE(testing::wait_until([&] { return testing::read_file(log).find("before") != std::string::npos; },
                                  std::chrono::seconds(60)));
  ChildProcess follow({ECOPT_CLI_PATH, "logs", "follow", "--storage", url_, "--trial", "0", "--follow"},
                      dir_.path());
  ASSERT_TRUE(follow.wait_for_output("before the wait", std::chrono::seconds(30))) << follow.out_so_far();
  std::ofstream(go) << "1";
  const auto followed = follow.wait_for(std::chrono::seconds(60));
  ASSERT_TRUE(followed);
  EXPECT_EQ(followed->exit_code, 0) << followed->err;
  EXPECT_THAT(followed->out, HasSubstr("before the wait\nafter the wait\n"));
  EXPECT_EQ(tune.wait().exit_code, 0);
}

}  // namespace
}  // namespace ecopt
