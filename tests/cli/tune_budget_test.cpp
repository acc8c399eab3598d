// `ecopt tune` stopping on each rule of the study budget (issue 26 item 3),
// carbon over time (item 4)
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

// Issue 26 item 4: the trials' carbon integrates a CSV series over each
// trial's window and says which source it used.
TEST_F(TuneBudget, TrialsAreChargedTheCsvSeriesIntensityAndSaySo) {
  std::ofstream(dir_ / "grid.csv") << "time,g_per_kwh\n2026-01-01T00:00:00Z,200\n";
  const auto file = study("series", 2, kBusyTrial, "",
                          std::string(testing::kMinimiseF0) + "\n[energy]\nintensity_csv = \"" +
                              (dir_ / "grid.csv").string() + "\"\n");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  for (const auto& trial : trials("series")) {
    const auto& carbon = trial["user_attrs"]["carbon"];
    EXPECT_NEAR(carbon["g_per_kwh"].get<double>(), 200.0, 1e-9) << carbon.dump();  // a time-weighted mean
    EXPECT_THAT(carbon["source"].get<std::string>(), HasSubstr("grid.csv (time-weighted over the trial)"));
  }
  EXPECT_THAT(testing::last_line_starting(run.out, "tuning energy "), HasSubstr("grid.csv (time-weighted"));
}

// The hold asks a real command until the grid is clean enough: 500, then 100.
TEST_F(TuneBudget, TheCarbonHoldWaitsWhileTheGridIsIntenseAndSaysWhy) {
  const auto counter = dir_ / "asked";
  std::ofstream(dir_ / "grid.sh") << fmt::format(
      "#!/bin/sh\necho x >> '{0}'\nif [ $(wc -l < '{0}') -le 2 ]; then echo 500; else echo 100; fi\n",
      counter.string());
  const auto file = study("hold", 1, kBusyTrial, "",
                          std::string(testing::kMinimiseF0) + "\n[energy]\nintensity_command = [\"/bin/sh\", \"" +
                              (dir_ / "grid.sh").string() +
                              "\"]\nhold_above_g_per_kwh = 300\nhold_poll = 0.05\nhold_max_wait = \"1h\"\n");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("carbon hold: intensity 500 gCO2e/kWh (command /bin/sh) is above 300 ([energy] "
                                 "hold_above_g_per_kwh); holding new trials"));
  EXPECT_THAT(run.out, HasSubstr("carbon hold: intensity 100 gCO2e/kWh (command /bin/sh) is at or below 300; going on"));
  const auto stored = trials("hold");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["state"], "COMPLETE");
  EXPECT_EQ(stored[0]["user_attrs"]["carbon"]["g_per_kwh"], 100.0) << "readings at the start and the end";
}

TEST_F(TuneBudget, AFailingIntensityCommandStopsTheRunBeforeATrial) {
  const auto file = study("nogrid", 2, kBusyTrial, "",
                          std::string(testing::kMinimiseF0) +
                              "\n[energy]\nintensity_command = [\"/bin/sh\", \"-c\", \"exit 7\"]\n");
  const auto run = ecopt({"tune", file});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_THAT(run.err, HasSubstr("the carbon-intensity command '/bin/sh -c exit 7' failed (exit code 7)"));
  EXPECT_EQ(trials("nogrid").size(), 0u);
}

}  // namespace
}  // namespace ecopt
