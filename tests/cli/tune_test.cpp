// `ecopt tune` end to end: the shipped ZDT1 study, resume, and Ctrl-C in
// the middle of a trial.
#include <algorithm>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "fake_powercap.hpp"
#include "scoped_env.hpp"
#include "ecopt/report/report.hpp"
#include "polling.hpp"
#include "cli_test.hpp"
#include "subprocess.hpp"
#include "text_lines.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;

class Tune : public testing::CliTest {
 protected:
  Tune() : CliTest("tune") {}
};

TEST_F(Tune, ShippedZdt1StudyRunsAndResumes) {
  const std::string study_file = std::string(ECOPT_SOURCE_DIR) + "/studies/zdt1-quick.toml";
  const std::string url = "sqlite:///" + (dir_ / "zdt1.db").string();
  const auto first = ecopt({"tune", study_file, "--storage", url, "--n-trials", "10"});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_THAT(first.out, HasSubstr("trial 10/10"));
  EXPECT_THAT(first.out, HasSubstr("Pareto front of zdt1-quick"));
  EXPECT_THAT(first.out, HasSubstr("tuning energy"));
  // The front table's float parameters have 4 significant digits, as every table.
  std::string table = first.out.substr(first.out.find("Pareto front of"));
  table = table.substr(0, table.find("tuning energy"));
  const std::regex decimal(R"(\d+\.\d+)");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), decimal);
       it != std::sregex_iterator(); ++it) {
    std::string digits = it->str();
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    digits.erase(0, digits.find_first_not_of('0'));
    EXPECT_LE(digits.size(), 4u) << it->str() << " in\n" << table;
  }
  const auto before = trials(url, "zdt1-quick");
  ASSERT_EQ(before.size(), 10u);

  const auto second = ecopt({"tune", study_file, "--storage", url, "--n-trials", "13"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("trial 11/13"));
  const auto after = trials(url, "zdt1-quick");
  ASSERT_EQ(after.size(), 13u);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << i;
  // The tuner's own work for each trial (its ask: the model fits; its
  // claim through storage) is a record of its own, shown apart (issue 23).
  double tuner_j = 0.0;
  for (const auto& trial : after) {
    EXPECT_EQ(trial["state"], "COMPLETE") << trial.dump();
    EXPECT_TRUE(trial["user_attrs"]["energy"].contains("trial")) << trial.dump();
    ASSERT_TRUE(trial["user_attrs"]["energy"].contains("tuner")) << trial.dump();
    EXPECT_EQ(trial["user_attrs"]["energy"]["tuner"]["sources"], nlohmann::json::array({"estimate-cpu-time"}));
    tuner_j += trial["user_attrs"]["energy"]["tuner"]["gross_j"].get<double>();
  }
  EXPECT_GT(tuner_j, 0.0) << "the samplers' model fits cost CPU time";
  EXPECT_THAT(testing::last_line_starting(second.out, "tuning energy "), HasSubstr("of the tuner's own work"));
  const auto best = nlohmann::json::parse(
      ecopt({"best-trials", "--storage", url, "--study-name", "zdt1-quick"}).out);
  EXPECT_GE(best.size(), 1u);

  // The report counts each trial's whole-trial energy from the runner, once.
  const auto report = ecopt({"report", "--storage", url, "--study-name", "zdt1-quick", "--out",
                             (dir_ / "report").string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream html(dir_ / "report" / "report.html");
  const std::string page{std::istreambuf_iterator<char>(html), {}};
  std::smatch data;
  ASSERT_TRUE(std::regex_search(page, data, std::regex(R"re(<script type="application/json" id="ecopt-data">([\s\S]*?)</script>)re")));
  std::size_t measured = 0;
  for (const auto& [number, row] : report::trial_rows(nlohmann::json::parse(data[1].str()))) {
    if (!row["tuning_j"].is_null()) ++measured;
  }
  EXPECT_EQ(measured, after.size());
}

// A rerun of a finished study runs nothing and still states the study's
// tuning energy with its source and marks (issue 23), not "(-)".
TEST_F(Tune, AResumedFinishedStudyStatesItsTuningEnergyWithItsSource) {
  const std::string study_file = std::string(ECOPT_SOURCE_DIR) + "/studies/zdt1-quick.toml";
  const std::string url = "sqlite:///" + (dir_ / "zdt1.db").string();
  const auto first = ecopt({"tune", study_file, "--storage", url, "--n-trials", "3"});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  const auto again = ecopt({"tune", study_file, "--storage", url, "--n-trials", "3"});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_THAT(again.out, ::testing::Not(HasSubstr("trial 4/")));
  const std::string closing = testing::last_line_starting(first.out, "tuning energy ");
  ASSERT_THAT(closing, HasSubstr(" (estimate-cpu-time (estimate)), and ")) << first.out;
  ASSERT_THAT(closing, HasSubstr(" of the tuner's own work (asks, model fits, storage, idle baseline) ≈ ")) << first.out;
  EXPECT_EQ(testing::last_line_starting(again.out, "tuning energy "), closing) << again.out;
}

// A contaminated idle baseline (issue 23): the fake package draws 30 W
// while the baseline is taken, then even trials' inference phases 60 W and
// odd ones' 10 W, so odd trials measure a net energy below zero. Such a
// figure never becomes an objective value: the record is flagged, the
// trial fails saying why, and only honest trials reach the front.
TEST_F(Tune, ANetEnergyAtOrBelowZeroIsFlaggedAndNeverAnObjectiveValue) {
  testing::FakePowercapZone package(dir_.path());
  package.start_moving(30.0);
  testing::ScopedEnv powercap("ECOPT_POWERCAP_ROOT", package.root());
  testing::ScopedEnv leases("ECOPT_LEASE_DIR", (dir_ / "leases").string());
  const auto power = package.power_file().string();
  const auto script = dir_ / "trial.sh";
  std::ofstream(script) << fmt::format(
      "#!/bin/sh\n"
      "watts=10; [ $((ECOPT_TRIAL_NUMBER % 2)) = 0 ] && watts=60\n"
      "echo 'ECOPT {{\"event\": \"begin\", \"phase\": \"inference\"}}'\n"
      "echo $watts > '{0}.new' && mv '{0}.new' '{0}'\n"
      "sleep 0.2\n"
      "echo 30 > '{0}.new' && mv '{0}.new' '{0}'\n"
      "echo 'ECOPT {{\"event\": \"end\", \"phase\": \"inference\", \"samples\": 100}}'\n"
      "echo \"ECOPT {{\\\"quality\\\": $ECOPT_PARAM_X}}\"\n",
      power);
  const std::string url = "sqlite:///" + (dir_ / "contaminated.db").string();
  const auto study = testing::command_study(dir_.path(), "contaminated", url, 2, script, "", "", R"(
[energy]
idle_baseline_s = 0.3
allow_estimate = false
[[objectives]]
name = "quality"
direction = "maximize"
[[objectives]]
name = "inference_samples_per_j"
direction = "maximize")");
  const auto tuned = ecopt({"tune", study});
  ASSERT_THAT(tuned.out, HasSubstr("via rapl-powercap")) << tuned.out << tuned.err;
  // 2 COMPLETE trials, as n_trials asks, and the failed one between them.
  const auto stored = trials(url, "contaminated");
  ASSERT_EQ(stored.size(), 3u);
  for (const auto& trial : stored) {
    const auto& inference = trial["user_attrs"]["energy"]["inference"];
    const bool even = trial["number"].get<int>() % 2 == 0;
    if (even) {
      EXPECT_EQ(trial["state"], "COMPLETE") << trial.dump();
      EXPECT_GT(trial["values"][1].get<double>(), 0.0);
      EXPECT_EQ(inference["flags"], nlohmann::json::array()) << inference.dump();
      continue;
    }
    // Net below zero: flagged in the record, no objective value, a reason.
    EXPECT_LT(inference["net_j"].get<double>(), 0.0) << inference.dump();
    EXPECT_EQ(inference["flags"], nlohmann::json::array({"net_not_positive", "within_resolution"}))
        << inference.dump();
    EXPECT_EQ(trial["state"], "FAIL") << trial.dump();
    EXPECT_FALSE(trial["user_attrs"].contains("inference_samples_per_j")) << trial.dump();
    const std::string reason = trial["fail_reason"];
    EXPECT_THAT(reason, HasSubstr("energy record 'inference': net of idle")) << reason;
    EXPECT_THAT(reason, HasSubstr("at or below zero")) << reason;
    EXPECT_THAT(tuned.out, HasSubstr(fmt::format("#{} FAIL", trial["number"].get<int>())));
  }
  EXPECT_THAT(tuned.out, HasSubstr("at or below zero"));
  // The front holds the honest trials only.
  const auto best = nlohmann::json::parse(
      ecopt({"best-trials", "--storage", url, "--study-name", "contaminated"}).out);
  for (const auto& trial : best) EXPECT_EQ(trial["number"].get<int>() % 2, 0) << trial.dump();
}

// The idle baseline is the tuner's work too (issue 23): on a fake package
// drawing a steady 20 W, the worker's first trial carries the 0.3 s
// baseline in its `tuner` record with the ask, claim and tell; the later
// trials carry only their own asks, claims and tells.
TEST_F(Tune, TheIdleBaselineIsChargedToTheTunersRecordOfTheFirstTrial) {
  testing::FakePowercapZone package(dir_.path());
  package.start_moving(20.0);
  testing::ScopedEnv powercap("ECOPT_POWERCAP_ROOT", package.root());
  testing::ScopedEnv leases("ECOPT_LEASE_DIR", (dir_ / "leases").string());
  const auto script = dir_ / "trial.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"ECOPT {\\\"quality\\\": $ECOPT_PARAM_X}\"\n";
  const std::string url = "sqlite:///" + (dir_ / "baseline.db").string();
  const auto study = testing::command_study(dir_.path(), "baseline", url, 3, script, "", "", R"(
[energy]
idle_baseline_s = 0.3
allow_estimate = false
[[objectives]]
name = "quality"
direction = "maximize")");
  const auto tuned = ecopt({"tune", study});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.out << tuned.err;
  const auto stored = trials(url, "baseline");
  ASSERT_EQ(stored.size(), 3u);
  for (const auto& trial : stored) {
    const auto& tuner = trial["user_attrs"]["energy"]["tuner"];
    EXPECT_EQ(tuner["sources"], nlohmann::json::array({"rapl-powercap"})) << tuner.dump();
    if (trial["number"] == 0) {
      EXPECT_GE(tuner["duration_s"].get<double>(), 0.3) << tuner.dump();
      EXPECT_GT(tuner["gross_j"].get<double>(), 0.3 * 20.0 * 0.8) << tuner.dump();
    } else {
      EXPECT_LT(tuner["duration_s"].get<double>(), 0.3) << trial.dump();
    }
  }
  EXPECT_THAT(testing::last_line_starting(tuned.out, "tuning energy "),
              HasSubstr("of the tuner's own work (asks, model fits, storage, idle baseline)"));
}

TEST_F(Tune, BadStudyFilesAreOneLineErrors) {
  std::ofstream(dir_ / "typo.toml") << "[study]\nname = \"t\"\nn_trails = 3\n";
  const auto typo = ecopt({"tune", (dir_ / "typo.toml").string()});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err, HasSubstr("ecopt: error: "));
  EXPECT_THAT(typo.err, HasSubstr("n_trails"));
  EXPECT_THAT(typo.err, HasSubstr("typo.toml"));
  const auto missing = ecopt({"tune", (dir_ / "missing.toml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("missing.toml"));
}

// ZDT1 (4 variables unless told, Sobol start 10) with another name and seed.
void write_zdt1_study(const std::filesystem::path& path, const std::string& name, const std::string& extra = "",
                      int n_vars = 4) {
  std::ofstream(path) << fmt::format(R"([study]
name = "{}"
sampler = "mobo"
seed = 3
{}
[[objectives]]
name = "f0"
direction = "minimize"
[[objectives]]
name = "f1"
direction = "minimize"
[task]
kind = "test-problem"
problem = "zdt1"
n_vars = {}
)",
                                     name, extra, n_vars);
}

// Whether `params` are those of a trial of `trials` (`ecopt trials` JSON,
// two minimised objectives) that no other trial dominates.
bool on_pareto_set(const nlohmann::json& trials, const nlohmann::json& params) {
  const auto dominates = [](const nlohmann::json& a, const nlohmann::json& b) {
    return a[0] <= b[0] && a[1] <= b[1] && a != b;
  };
  for (const auto& trial : trials) {
    if (trial["params"] != params) continue;
    return std::none_of(trials.begin(), trials.end(),
                        [&](const auto& other) { return dominates(other["values"], trial["values"]); });
  }
  return false;
}

// --warm-start-from: a finished related study's COMPLETE trials inform the
// models of a new study without becoming its trials; its start is halved
// (5 of 10): two points of the related Pareto set, then the Sobol design's
// first three, so the 6th trial on is the model's where a cold study of
// the same seed is still on its Sobol start. The study file's
// warm_start_from does the same; a study that searches other parameters is
// refused in one line.
TEST_F(Tune, AWarmStartInformsTheModelsWithoutAddingTrials) {
  const std::string url = "sqlite:///" + (dir_ / "warm.db").string();
  write_zdt1_study(dir_ / "related.toml", "related");
  ASSERT_EQ(ecopt({"tune", (dir_ / "related.toml").string(), "--storage", url, "--n-trials", "14"}).exit_code, 0);
  write_zdt1_study(dir_ / "cold.toml", "cold");
  ASSERT_EQ(ecopt({"tune", (dir_ / "cold.toml").string(), "--storage", url, "--n-trials", "7"}).exit_code, 0);
  write_zdt1_study(dir_ / "warm.toml", "warm");
  const auto warm = ecopt({"tune", (dir_ / "warm.toml").string(), "--storage", url, "--n-trials", "7",
                           "--warm-start-from", "related"});
  ASSERT_EQ(warm.exit_code, 0) << warm.err << warm.out;
  EXPECT_THAT(warm.out, HasSubstr("warm start: 14 COMPLETE trials of study 'related' inform the models"));
  EXPECT_THAT(warm.out, HasSubstr("mobo's start design begins with a spread of their Pareto set"));
  const auto cold_trials = trials(url, "cold");
  const auto warm_trials = trials(url, "warm");
  const auto related_trials = trials(url, "related");
  ASSERT_EQ(warm_trials.size(), 7u);
  EXPECT_EQ(related_trials.size(), 14u);
  EXPECT_TRUE(on_pareto_set(related_trials, warm_trials[0]["params"])) << warm_trials[0];
  EXPECT_TRUE(on_pareto_set(related_trials, warm_trials[1]["params"])) << warm_trials[1];
  EXPECT_NE(warm_trials[0]["params"], warm_trials[1]["params"]);
  for (std::size_t i = 2; i < 5; ++i) EXPECT_EQ(warm_trials[i]["params"], cold_trials[i - 2]["params"]) << i;
  EXPECT_NE(warm_trials[5]["params"], cold_trials[5]["params"]);

  write_zdt1_study(dir_ / "file.toml", "file", "warm_start_from = \"related\"");
  const auto by_file = ecopt({"tune", (dir_ / "file.toml").string(), "--storage", url, "--n-trials", "6"});
  ASSERT_EQ(by_file.exit_code, 0) << by_file.err;
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(trials(url, "file")[i]["params"], warm_trials[i]["params"]) << i;

  write_zdt1_study(dir_ / "other.toml", "other", "", 3);
  ASSERT_EQ(ecopt({"tune", (dir_ / "other.toml").string(), "--storage", url, "--n-trials", "2"}).exit_code, 0);
  const auto refused = ecopt({"tune", (dir_ / "warm.toml").string(), "--storage", url, "--n-trials", "8",
                              "--warm-start-from", "other"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("a warm start needs the same parameter names"));
  EXPECT_EQ(trials(url, "warm").size(), 7u);
  // Refused for a new study, with a configuration to queue: no study is created.
  write_zdt1_study(dir_ / "new.toml", "new", "[[enqueue]]\nx0 = 0.5\nx1 = 0.5\nx2 = 0.5\nx3 = 0.5");
  const auto refused_new = ecopt({"tune", (dir_ / "new.toml").string(), "--storage", url, "--n-trials", "3",
                                  "--warm-start-from", "other"});
  EXPECT_EQ(refused_new.exit_code, 1);
  EXPECT_THAT(refused_new.err, HasSubstr("a warm start needs the same parameter names"));
  EXPECT_THAT(study_names(url), Not(::testing::Contains("new")));
}

// ecopt ask --warm-start-from does what tune's does, ask by ask: the first
// two asks of a new study (of a start of 5) come from the related Pareto set. A sampler that
// cannot use a warm start, or a related study that is not there, is refused
// in one line before the study is created.
TEST_F(Tune, AskWarmStartsFromARelatedStudyAndRefusesWhatCannotUseIt) {
  const std::string url = "sqlite:///" + (dir_ / "ask.db").string();
  write_zdt1_study(dir_ / "related.toml", "related");
  ASSERT_EQ(ecopt({"tune", (dir_ / "related.toml").string(), "--storage", url, "--n-trials", "14"}).exit_code, 0);
  const auto related = trials(url, "related");
  nlohmann::json space_json;
  for (const char* name : {"x0", "x1", "x2", "x3"}) {
    space_json[name] = {{"name", "FloatDistribution"},
                        {"attributes", {{"low", 0.0}, {"high", 1.0}, {"log", false}, {"step", nullptr}}}};
  }
  const std::string space = space_json.dump();
  auto ask = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"ask", "--storage", url, "--study-name", "asked", "--directions", "minimize",
                                     "minimize", "--search-space", space};
    args.insert(args.end(), extra.begin(), extra.end());
    return ecopt(args);
  };
  for (const auto& [extra, message] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--sampler", "random", "--warm-start-from", "related"}, "sampler 'random' cannot use one"},
           {{"--warm-start-from", "nowhere"}, "nowhere"}}) {
    const auto refused = ask(extra);
    EXPECT_EQ(refused.exit_code, 1) << refused.out;
    EXPECT_THAT(refused.err, HasSubstr(message));
    EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  }
  EXPECT_THAT(study_names(url), Not(::testing::Contains("asked")));

  std::vector<nlohmann::json> asked;
  for (int number = 0; number < 2; ++number) {
    const auto result = ask({"--warm-start-from", "related"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    asked.push_back(nlohmann::json::parse(result.out)["params"]);
    const auto told = ecopt({"tell", "--storage", url, "--study-name", "asked", "--trial-number",
                             std::to_string(number), "--values", "0.5,0.5"});
    ASSERT_EQ(told.exit_code, 0) << told.err;
  }
  EXPECT_TRUE(on_pareto_set(related, asked[0])) << asked[0];
  EXPECT_TRUE(on_pareto_set(related, asked[1])) << asked[1];
  EXPECT_NE(asked[0], asked[1]);
}

// A program that runs fine but never reports the objective: the stored
// failure says which objective is missing and ends with its stderr, and a
// study with no completed trial is not a success (issue 16: it exited 0).
TEST_F(Tune, AMissingObjectiveFailsTheTrialWithTheProgramsStderr) {
  std::ofstream(dir_ / "quiet.sh") << "#!/bin/sh\necho 'loss exploded at step 7' >&2\n"
                                      "echo 'ECOPT {\"loss\": 1}'\n";
  const std::string url = "sqlite:///" + (dir_ / "quiet.db").string();
  const auto study = testing::command_study(dir_.path(), "quiet", url, 1, dir_ / "quiet.sh");
  const auto run = ecopt({"tune", study});
  EXPECT_EQ(run.exit_code, 1) << "no trial completed: " << run.err;
  EXPECT_THAT(run.err, HasSubstr("1 failed trial in this run, the limit ([study] max_failed_trials = 1)"));
  const auto stored = trials(url, "quiet");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["state"], "FAIL");
  const auto reason = stored[0]["fail_reason"].get<std::string>();
  EXPECT_THAT(reason, HasSubstr("objective 'f0'"));
  EXPECT_THAT(reason, HasSubstr("loss exploded at step 7"));
}

// A command task whose trials sleep while a flag file exists: long enough
// to be interrupted, and quick again once the test removes the file.
std::string slow_study(const TempDir& dir, const std::string& url) {
  const auto script = dir / "trial.sh";
  std::ofstream(script) << fmt::format(
      "#!/bin/sh\n"
      "if [ \"$ECOPT_TRIAL_NUMBER\" -ge 2 ] && [ -f '{}' ]; then sleep 60; fi\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X}}\"\n",
      (dir / "slow").string());
  std::ofstream(dir / "slow") << "1";
  return testing::command_study(dir.path(), "slow", url, 4, script);
}

TEST_F(Tune, CtrlCFailsTheRunningTrialKeepsTheRestAndResumes) {
  const std::string url = "sqlite:///" + (dir_ / "slow.db").string();
  const std::string study_file = slow_study(dir_, url);
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study_file}, dir_.path());
  // The progress line of trial 1 means trial 2 (the slow one) is next.
  ASSERT_TRUE(tune.wait_for_output("trial 2/4", std::chrono::seconds(60))) << tune.out_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto interrupted_at = std::chrono::steady_clock::now();
  tune.signal(SIGINT);
  const auto result = tune.wait();
  EXPECT_EQ(result.exit_code, 130) << result.err << result.out;
  EXPECT_LT(std::chrono::steady_clock::now() - interrupted_at, std::chrono::seconds(30));
  EXPECT_THAT(result.err, HasSubstr("interrupted"));

  const auto stopped = trials(url, "slow");
  ASSERT_EQ(stopped.size(), 3u) << stopped.dump();
  EXPECT_EQ(stopped[0]["state"], "COMPLETE");
  EXPECT_EQ(stopped[1]["state"], "COMPLETE");
  EXPECT_EQ(stopped[2]["state"], "FAIL");
  EXPECT_EQ(stopped[2]["fail_reason"], "interrupted by user");

  // Issue 29: the interrupted trial runs again first, with its params, and
  // n_trials counts the 4 COMPLETE trials, not the FAILED one.
  std::filesystem::remove(dir_ / "slow");
  const auto resumed = ecopt({"tune", study_file});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("trial 3 retries trial 2, interrupted by Ctrl-C, with the same params"));
  const auto after = trials(url, "slow");
  ASSERT_EQ(after.size(), 5u) << resumed.out;
  for (std::size_t i = 0; i < stopped.size(); ++i) EXPECT_EQ(after[i], stopped[i]) << i;
  EXPECT_EQ(after[3]["params"], stopped[2]["params"]);
  EXPECT_EQ(after[3]["state"], "COMPLETE");
  EXPECT_EQ(after[4]["state"], "COMPLETE");
}

// Issue 16: a rerun right after a kill -9 exited 0 ("3 of 4 trials
// finished") with a trial left RUNNING and no word about it.
TEST_F(Tune, ARerunAfterAKillSaysWhatItFoundAndFailsTheTrialOfTheDeadRun) {
  const auto pid_file = dir_ / "program.pid";
  std::ofstream(dir_ / "trial.sh") << fmt::format(
      "#!/bin/sh\n"
      "if [ \"$ECOPT_TRIAL_NUMBER\" -eq 1 ] && [ -f '{}' ]; then echo $$ > '{}'; exec sleep 60; fi\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X}}\"\n",
      (dir_ / "slow").string(), pid_file.string());
  std::ofstream(dir_ / "slow") << "1";
  const std::string url = "sqlite:///" + (dir_ / "killed.db").string();
  const auto study = testing::command_study(dir_.path(), "killed", url, 3, dir_ / "trial.sh");
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study}, dir_.path());
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::error_code error;
        return std::filesystem::file_size(pid_file, error) > 0 && !error;
      },
      std::chrono::seconds(60)))
      << tune.out_so_far();
  tune.signal(SIGKILL);
  tune.wait();
  pid_t program = 0;
  std::ifstream(pid_file) >> program;
  if (program > 0) ::kill(program, SIGKILL);  // orphaned by the kill -9
  std::filesystem::remove(dir_ / "slow");

  const auto rerun = ecopt({"tune", study});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err << rerun.out;
  EXPECT_THAT(rerun.out, HasSubstr("trial 1 was left RUNNING by process "));
  EXPECT_THAT(rerun.out, HasSubstr("which is no longer running; marked FAILED"));
  const auto stored = trials(url, "killed");
  for (const auto& trial : stored) EXPECT_NE(trial["state"], "RUNNING") << trial.dump();
  ASSERT_GE(stored.size(), 3u);
  EXPECT_EQ(stored[1]["state"], "FAIL");
}

// Issue 24 (17): a trial read the tuner's storage URL and password from
// /proc/<ppid>/environ; the trial's parent is ecopt itself. Root reads any
// process's environ, so as root the tuner runs as nobody, an ordinary user.
TEST_F(Tune, ATrialCannotReadTheTunersEnvironment) {
  std::vector<std::string> as_ordinary_user;
  if (::getuid() == 0) {
    as_ordinary_user = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
  }
  testing::ScopedEnv password("PGPASSWORD", "secret-xyz");
  const auto seen = dir_ / "seen.txt";
  std::ofstream(dir_ / "peek.sh") << fmt::format(
      "#!/bin/sh\n"
      "if tr '\\0' '\\n' < /proc/$PPID/environ 2>/dev/null | grep -q secret-xyz; then\n"
      "  echo secret > '{0}'; else echo hidden > '{0}'; fi\n"
      "echo 'ECOPT {{\"f0\": 1}}'\n",
      seen.string());
  const std::string url = "sqlite:///" + (dir_ / "peek.db").string();
  const auto study = testing::command_study(dir_.path(), "peek", url, 1, dir_ / "peek.sh");
  std::filesystem::permissions(dir_ / "peek.sh", std::filesystem::perms::all);
  as_ordinary_user.insert(as_ordinary_user.end(), {ECOPT_CLI_PATH, "tune", study});
  const auto run = testing::run_process(as_ordinary_user, dir_.path());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::string verdict;
  std::ifstream(seen) >> verdict;
  EXPECT_EQ(verdict, "hidden");
}

// Issue 24 (17): a trial killed with its tuner (kill -9) left its scratch
// folder in the temporary directory for good.
TEST_F(Tune, ARerunRemovesTheScratchFolderOfAKilledTrial) {
  const auto scratch_file = dir_ / "scratch.txt";
  std::ofstream(dir_ / "trial.sh") << fmt::format(
      "#!/bin/sh\n"
      "if [ -f '{0}' ]; then echo $$ > '{1}.pid'; dirname \"$ECOPT_RESULT_FILE\" > '{1}'; "
      "exec sleep 60; fi\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X}}\"\n",
      (dir_ / "slow").string(), scratch_file.string());
  std::ofstream(dir_ / "slow") << "1";
  const std::string url = "sqlite:///" + (dir_ / "scratch.db").string();
  const auto study = testing::command_study(dir_.path(), "scratch", url, 2, dir_ / "trial.sh");
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study}, dir_.path());
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::error_code error;
        return std::filesystem::file_size(scratch_file, error) > 0 && !error;
      },
      std::chrono::seconds(60)))
      << tune.out_so_far();
  tune.signal(SIGKILL);
  tune.wait();
  pid_t program = 0;
  std::ifstream(dir_ / "scratch.txt.pid") >> program;
  if (program > 0) ::kill(program, SIGKILL);  // orphaned by the kill -9
  std::filesystem::remove(dir_ / "slow");
  std::string scratch;
  std::ifstream(scratch_file) >> scratch;
  ASSERT_TRUE(std::filesystem::exists(scratch)) << scratch;

  const auto rerun = ecopt({"tune", study});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err << rerun.out;
  EXPECT_FALSE(std::filesystem::exists(scratch)) << scratch;
}

// Issue 16: a trial's stderr (terminal escapes included) went raw into the
// progress line.
TEST_F(Tune, ControlCharactersInTrialOutputArePrintedEscaped) {
  std::ofstream(dir_ / "rude.sh") << "#!/bin/sh\nprintf '\\033]0;TITLE\\007\\033[2J' >&2\nexit 1\n";
  const std::string url = "sqlite:///" + (dir_ / "rude.db").string();
  const auto study = testing::command_study(dir_.path(), "rude", url, 1, dir_ / "rude.sh");
  const auto run = ecopt({"tune", study});
  EXPECT_THAT(run.out, HasSubstr("\\x1b]0;TITLE\\x07\\x1b[2J"));
  for (const auto& printed : {run.out, run.err}) {
    EXPECT_EQ(printed.find('\x1b'), std::string::npos) << printed;
    EXPECT_EQ(printed.find('\x07'), std::string::npos) << printed;
  }
}

// Issue 24 (10): the study and objective names went raw into tune's
// banner, the front's title and the front table's header.
TEST_F(Tune, NamesWithControlCharactersArePrintedEscaped) {
  std::ofstream(dir_ / "ok.sh") << "#!/bin/sh\necho 'ECOPT {\"f\\u001b[2J0\": 0.5}'\n";
  const std::string url = "sqlite:///" + (dir_ / "names.db").string();
  const auto file = testing::command_study(dir_.path(), R"(names\u001b]0;STUDY\u0007)", url, 1, dir_ / "ok.sh", "", "",
                                           R"([[objectives]]
name = "f\u001b[2J0"
direction = "minimize")");
  const auto run = ecopt({"tune", file});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("study names\\x1b]0;STUDY\\x07 ·"));
  EXPECT_THAT(run.out, HasSubstr("Pareto front of names\\x1b]0;STUDY\\x07 ("));
  EXPECT_THAT(run.out, HasSubstr("f\\x1b[2J0"));
  for (const auto& printed : {run.out, run.err}) {
    EXPECT_EQ(printed.find('\x1b'), std::string::npos) << printed;
    EXPECT_EQ(printed.find('\x07'), std::string::npos) << printed;
  }
}

// The program ignores SIGTERM, so the first Ctrl-C waits out its grace; the
// second exits at once and must take the program down with it.
TEST_F(Tune, ASecondCtrlCExitsAtOnceAndKillsTheTrialProgram) {
  const auto pid_file = dir_ / "trial.pid";
  std::ofstream(dir_ / "stubborn.sh") << fmt::format(
      "#!/bin/sh\ntrap '' TERM\necho $$ > '{}'\nwhile :; do sleep 0.1; done\n", pid_file.string());
  const auto study = testing::command_study(dir_.path(), "stubborn", "sqlite:///" + (dir_ / "stubborn.db").string(),
                                   1, dir_ / "stubborn.sh", "grace_s = 60");
  ChildProcess tune({ECOPT_CLI_PATH, "tune", study}, dir_.path());
  testing::wait_until(
      [&] {
        std::error_code error;
        return std::filesystem::file_size(pid_file, error) > 0 && !error;
      },
      std::chrono::seconds(60));
  pid_t program = 0;
  std::ifstream(pid_file) >> program;
  ASSERT_GT(program, 0) << tune.out_so_far();
  tune.signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(testing::process_alive(program)) << "the first Ctrl-C waits for the program's grace";
  tune.signal(SIGINT);
  EXPECT_EQ(tune.wait().exit_code, 130);
  EXPECT_TRUE(testing::wait_until([&] { return !testing::process_alive(program); }))
      << "the trial program outlived ecopt";
}

// Trials asked for with `ecopt ask` send no heartbeats; a worker must leave
// them to the user's tell however long they run (docs/scaling.md).
TEST_F(Tune, AnAskedTrialIsNotFailedAsStaleByAWorker) {
  const std::string url = "sqlite:///" + (dir_ / "mixed.db").string();
  std::ofstream(dir_ / "ok.sh") << "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n";
  const auto study = testing::command_study(dir_.path(), "mixed", url, 1, dir_ / "ok.sh", "",
                                            "heartbeat_interval_s = 0.1\nstale_after_s = 0.3");
  ASSERT_EQ(ecopt({"tune", study}).exit_code, 0);
  const auto asked = ecopt({"ask", "--storage", url, "--study-name", "mixed", "--search-space",
                            R"({"x": {"type": "float", "low": 0.0, "high": 1.0}})",
                            "--sampler", "random"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const auto number = nlohmann::json::parse(asked.out)["number"].get<int>();
  // Let the asked trial grow older than stale_after_s.
  const auto asked_at = std::chrono::steady_clock::now();
  testing::wait_until(
      [&] { return std::chrono::steady_clock::now() - asked_at > std::chrono::milliseconds(450); },
      std::chrono::seconds(3));
  const auto tuned = ecopt({"tune", study, "--n-trials", "3"});
  // It runs its own trial and ends one short, naming the asked one as RUNNING.
  EXPECT_EQ(tuned.exit_code, 1) << tuned.err;
  EXPECT_THAT(tuned.err, HasSubstr("is RUNNING with no process recorded (asked for with 'ecopt ask')"));
  EXPECT_THAT(tuned.out, Not(HasSubstr("stopped sending heartbeats")));
  const auto told = ecopt({"tell", "--storage", url, "--study-name", "mixed", "--trial-number",
                           std::to_string(number), "--values", "0.5"});
  EXPECT_EQ(told.exit_code, 0) << told.err;
  for (const auto& trial : trials(url, "mixed")) {
    EXPECT_NE(trial["state"], "FAIL") << trial.dump();
  }
}

}  // namespace
}  // namespace ecopt
