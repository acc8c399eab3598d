// `ecopt tune` stopping on each rule of the study budget (issue 26 item 3)
// and counting n_trials by the stated rule (issue 29 item 2): COMPLETE and
// PRUNED trials count, FAILED ones do not (up to a failure limit), and a
// trial stopped by Ctrl-C runs again first on resume.
#include <csignal>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "subprocess.hpp"
#include "text_lines.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

// Trials that burn a little CPU (so the CPU-time estimate charges them a
// few millijoules) and report f0 = x.
constexpr const char* kBusyTrial =
    "#!/bin/sh\n"
    "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done\n"
    "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n";

constexpr const char* kMinimiseF0WithThreshold =
    "[[objectives]]\nname = \"f0\"\ndirection = \"minimize\"\nthreshold = 1.0";

class TuneBudget : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  nlohmann::json trials(const std::string& study) {
    const auto listed = ecopt({"trials", "--storage", url_, "--study-name", study});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out);
  }
  std::string study(const std::string& name, int n_trials, const std::string& script,
                    const std::string& study_extra = "", const std::string& tables = testing::kMinimiseF0) {
    std::ofstream(dir_ / (name + ".sh")) << script;
    return testing::command_study(dir_.path(), name, url_, n_trials, dir_ / (name + ".sh"), "", study_extra,
                                  tables);
  }

  TempDir dir_{"tune-budget"};
  std::string url_ = "sqlite:///" + (dir_ / "budget.db").string();
};

// The budget given on the command line is stored with the study: a rerun
// without the flag stops at once on the same rule.
TEST_F(TuneBudget, AnEnergyBudgetStopsTheStudyAndAResumedStudyKeepsIt) {
  const auto file = study("energy", 5, kBusyTrial);
  const auto run = ecopt({"tune", file, "--energy-budget-kwh", "1e-12"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("budget energy 1e-12 kWh"));
  EXPECT_THAT(testing::last_line_starting(run.out, "stopped by "),
              HasSubstr("stopped by [budget] energy_kwh: the energy budget is spent: tuning energy "));
  EXPECT_EQ(trials("energy").size(), 1u);

  const auto resumed = ecopt({"tune", file});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("stopped by [budget] energy_kwh"));
  EXPECT_EQ(trials("energy").size(), 1u) << resumed.out;
}

TEST_F(TuneBudget, ACarbonBudgetInTheStudyFileStopsTheStudy) {
  const auto file = study("carbon", 5, kBusyTrial, "",
                          std::string(testing::kMinimiseF0) +
                              "\n[energy]\nintensity_g_per_kwh = 400\n[budget]\ncarbon_kg = 1e-12\n");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("stopped by [budget] carbon_kg: the carbon budget is spent: tuning carbon "));
  EXPECT_EQ(trials("carbon").size(), 1u);
}

TEST_F(TuneBudget, AWallTimeBudgetCountsTheTimeTrialsRan) {
  const auto file = study("wall", 5,
                          "#!/bin/sh\nsleep 1.2\necho \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n", "",
                          std::string(testing::kMinimiseF0) + "\n[budget]\nwall_time = \"1s\"\n");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("stopped by [budget] wall_time: the wall-time budget is spent: trials ran "));
  EXPECT_EQ(trials("wall").size(), 1u);
}

// With the objective's threshold as the fixed reference, no trial can add a
// hypervolume of 1e300 per kWh: the rule stops once it can judge, after
// window + 1 finished trials.
TEST_F(TuneBudget, DiminishingReturnsStopAfterTheWindow) {
  const auto file = study("returns", 10, kBusyTrial, "", kMinimiseF0WithThreshold);
  const auto run = ecopt({"tune", file, "--min-hypervolume-per-kwh", "1e300", "--hypervolume-window", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("stopped by [budget] min_hypervolume_per_kwh: diminishing returns: the last 2 "
                                 "trials added hypervolume "));
  EXPECT_EQ(trials("returns").size(), 3u);
}

// Issue 29: after 6 failures from a mistake, a rerun with n_trials = 8 ran
// 2 real trials. Failed trials no longer use up n_trials.
TEST_F(TuneBudget, FailedTrialsDoNotUseUpNTrials) {
  const auto file = study("failing", 3,
                          "#!/bin/sh\n"
                          "if [ \"$ECOPT_TRIAL_NUMBER\" -lt 2 ]; then echo \"bad setting $ECOPT_TRIAL_NUMBER\" >&2; "
                          "exit 1; fi\n"
                          "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("trial 3/3"));
  const auto stored = trials("failing");
  ASSERT_EQ(stored.size(), 5u) << run.out;
  EXPECT_EQ(stored[0]["state"], "FAIL");
  EXPECT_EQ(stored[1]["state"], "FAIL");
  for (std::size_t i = 2; i < 5; ++i) EXPECT_EQ(stored[i]["state"], "COMPLETE") << i;
}

TEST_F(TuneBudget, AStudyThatKeepsFailingStopsAtTheFailureLimit) {
  const auto file = study("broken", 10,
                          "#!/bin/sh\necho \"out of memory at trial $ECOPT_TRIAL_NUMBER\" >&2\nexit 1\n");
  const auto run = ecopt({"tune", file, "--max-failed-trials", "4"});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_THAT(run.err, HasSubstr("4 failed trials in this run, the limit ([study] max_failed_trials = 4); the last with: "));
  EXPECT_THAT(run.err, HasSubstr("out of memory at trial 3"));
  EXPECT_EQ(trials("broken").size(), 4u);
}

}  // namespace
}  // namespace ecopt
