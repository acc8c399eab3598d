// Pruning end to end (docs/pruning.md): `ecopt tune` and a worker pool run command trials
// whose learning curves the front-reach rule cuts short, and `ecopt
// intermediate` answers an ask/tell user from the same rule.
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "ecopt/storage/storage.hpp"
#include "cli_test.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::ProcessResult;

class Pruning : public testing::CliTest {
 protected:
  Pruning() : CliTest("pruning") {}
};

// Every trial costs the same; its accuracy rises linearly to x by step 10,
// so at step 2 front-reach's extrapolation is exact: a trial whose x is
// below the best x so far cannot reach the front and is stopped there.
constexpr const char* kLinearCurve = R"(import json, os, time
q = float(os.environ["ECOPT_PARAM_X"])
print("ECOPT " + json.dumps({"step": 0, "cost": 1.0}), flush=True)
for step in range(1, 11):
    print("ECOPT " + json.dumps({"step": step, "last_step": 10, "accuracy": q * step / 10}), flush=True)
    time.sleep(0.1)
print("ECOPT " + json.dumps({"accuracy": q, "cost": 1.0, "finished": 1}), flush=True)
)";

constexpr const char* kAccuracyAndCost = R"([[objectives]]
name = "accuracy"
direction = "maximize"
[[objectives]]
name = "cost"
direction = "minimize")";

TEST_F(Pruning, FrontReachStopsCommandTrialsThatCannotReachTheFront) {
  std::ofstream(dir_ / "curve.py") << kLinearCurve;
  std::ofstream(dir_ / "curve.sh") << "exec /usr/bin/python3 " << (dir_ / "curve.py").string() << "\n";
  const std::string url = "sqlite:///" + (dir_ / "p.db").string();
  const auto file = testing::command_study(dir_.path(), "curves", url, 8, dir_ / "curve.sh",
                                           "grace_s = 5", "seed = 4", kAccuracyAndCost);
  const auto run = ecopt({"tune", file, "--pruner", "front-reach"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const auto stored = trials(url, "curves");
  ASSERT_EQ(stored.size(), 8u);
  double best_x = -1.0;
  int pruned = 0;
  for (const auto& trial : stored) {
    const double x = trial["params"]["x"].get<double>();
    if (trial["state"] == "PRUNED") {
      ++pruned;
      EXPECT_LT(x, best_x) << trial.dump();
      EXPECT_THAT(trial["fail_reason"].get<std::string>(),
                  StartsWith("front-reach: cannot enter the Pareto front at step"));
      EXPECT_EQ(trial["user_attrs"]["pruned_reason"], trial["fail_reason"]);
      // It keeps what it reported, its last values and the energy it spent.
      EXPECT_TRUE(trial["intermediate"].contains("2")) << trial.dump();
      EXPECT_FALSE(trial["intermediate"].contains("10")) << trial.dump();
      ASSERT_EQ(trial["values"].size(), 2u) << trial.dump();
      EXPECT_EQ(trial["values"][1], 1.0);
      EXPECT_FALSE(trial["user_attrs"].contains("finished")) << trial.dump();
      EXPECT_TRUE(trial["user_attrs"]["energy"].contains("trial")) << trial.dump();
    } else {
      ASSERT_EQ(trial["state"], "COMPLETE") << trial.dump();
      EXPECT_EQ(trial["intermediate"].size(), 11u) << trial.dump();
      best_x = std::max(best_x, x);
    }
  }
  EXPECT_GE(pruned, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("front-reach: cannot enter the Pareto front"));

  // Without pruning every trial runs its whole curve.
  const std::string plain_url = "sqlite:///" + (dir_ / "plain.db").string();
  const auto plain = ecopt({"tune", file, "--storage", plain_url, "--pruner", "none"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  for (const auto& trial : trials(plain_url, "curves")) EXPECT_EQ(trial["state"], "COMPLETE");
}

// The accuracy a trial last reported, from its learning curve.
double last_reported_accuracy(const nlohmann::json& trial) {
  int last_step = -1;
  double accuracy = 0.0;
  for (const auto& [step, values] : trial["intermediate"].items()) {
    if (values.contains("accuracy") && std::stoi(step) > last_step) {
      last_step = std::stoi(step);
      accuracy = values["accuracy"].get<double>();
    }
  }
  return accuracy;
}

// Issue 26: a worker pool prunes by either rule, from the curves of each
// other's trials: `tune --workers 2` (front-reach) and two `ecopt worker`
// processes (pareto-halving). A PRUNED trial keeps its last values, the
// energy it spent and the rule's reason; it counts as finished toward
// n_trials (no trial is added in its place) and its energy counts in the
// study's tuning energy.
TEST_F(Pruning, AWorkerPoolPrunesAndCountsPrunedTrials) {
  std::ofstream(dir_ / "curve.py") << kLinearCurve;
  std::ofstream(dir_ / "curve.sh") << "exec /usr/bin/python3 " << (dir_ / "curve.py").string() << "\n";
  const int n_trials = 8;
  for (const std::string rule : {"front-reach", "pareto-halving"}) {
    SCOPED_TRACE(rule);
    const std::string url = fmt::format("sqlite:///{}/{}.db", dir_.path().string(), rule);
    const auto file = testing::command_study(
        dir_.path(), "pool", url, n_trials, dir_ / "curve.sh", "grace_s = 5", "seed = 4",
        fmt::format("{}\n[pruning]\nrule = \"{}\"\nmin_trials = 3", kAccuracyAndCost, rule));
    if (rule == "front-reach") {
      const auto tuned = ecopt({"tune", file, "--workers", "2", "--allow-shared"});
      ASSERT_EQ(tuned.exit_code, 0) << tuned.err << tuned.out;
      EXPECT_THAT(tuned.out, HasSubstr("front-reach: cannot enter the Pareto front"));
    } else {
      std::vector<testing::ChildProcess> pool;
      for (int i = 0; i < 2; ++i)
        pool.emplace_back(std::vector<std::string>{ECOPT_CLI_PATH, "worker", file, "--allow-shared"}, dir_.path());
      for (auto& worker : pool) {
        const auto ended = worker.wait();
        ASSERT_EQ(ended.exit_code, 0) << ended.err << ended.out;
      }
    }
    const auto stored = trials(url, "pool");
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(n_trials)) << "n_trials counts PRUNED trials as finished";
    int pruned = 0;
    double trials_j = 0.0;
    for (const auto& trial : stored) {
      const auto& energy = trial["user_attrs"]["energy"]["trial"];
      ASSERT_TRUE(energy.contains("gross_j")) << trial.dump();
      trials_j += energy["gross_j"].get<double>() * energy.value("attributed_fraction", 1.0);
      if (trial["state"] == "COMPLETE") continue;
      ASSERT_EQ(trial["state"], "PRUNED") << trial.dump();
      ++pruned;
      EXPECT_THAT(trial["fail_reason"].get<std::string>(), StartsWith(rule + ": ")) << trial.dump();
      EXPECT_EQ(trial["user_attrs"]["pruned_reason"], trial["fail_reason"]);
      ASSERT_EQ(trial["values"].size(), 2u) << trial.dump();
      EXPECT_EQ(trial["values"][0].get<double>(), last_reported_accuracy(trial)) << trial.dump();
      EXPECT_EQ(trial["values"][1], 1.0);
      EXPECT_GT(energy["gross_j"].get<double>(), 0.0) << trial.dump();
      EXPECT_FALSE(trial["intermediate"].contains("10")) << trial.dump();
    }
    EXPECT_GE(pruned, 1);
    EXPECT_LT(pruned, n_trials);
    auto storage = open_storage(url, {.access = StorageAccess::ReadOnly});
    const auto study = storage->find_study("pool");
    ASSERT_TRUE(study.has_value());
    EXPECT_NEAR(study->user_attrs.value("tuning_energy_j", -1.0), trials_j, 1e-9 * trials_j)
        << "the study's tuning energy counts every trial's, the pruned ones' too";
  }
}

TEST_F(Pruning, IntermediatePrintsContinueOrPruneForAskAndTell) {
  const std::string url = "sqlite:///" + (dir_ / "a.db").string();
  ASSERT_EQ(ecopt({"create-study", "--storage", url, "--study-name", "s", "--directions",
                   "maximize,minimize"})
                .exit_code,
            0);
  const std::string space = R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "log": false, "step": null}}})";
  const auto on_study = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--storage", url, "--study-name", "s"});
    return ecopt(args);
  };
  ASSERT_EQ(on_study({"ask", "--search-space", space, "--sampler", "random"}).exit_code, 0);
  ASSERT_EQ(on_study({"tell", "--trial-number", "0", "--values", "0.9,1.0"}).exit_code, 0);
  ASSERT_EQ(on_study({"ask", "--search-space", space, "--sampler", "random"}).exit_code, 0);
  const auto report = [&](const std::string& step, const std::string& values) {
    return on_study({"intermediate", "--trial-number", "1", "--step", step, "--values", values,
                     "--last-step", "4"});
  };
  EXPECT_EQ(report("0", R"({"objective_1": 1.0})").out, "continue\n");
  EXPECT_EQ(report("1", R"({"objective_0": 0.1})").out, "continue\n");
  const auto stop = report("2", R"({"objective_0": 0.2})");
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_THAT(stop.out, StartsWith("prune: front-reach: cannot enter the Pareto front at step 2"));
  EXPECT_THAT(stop.out, HasSubstr("objective_0 reaches 0.4 by step 4"));

  const auto bad = report("3", R"({"objective_0": "high"})");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("report a finite number"));
  const auto negative = report("-1", R"({"objective_0": 0.3})");
  EXPECT_NE(negative.exit_code, 0);

  ASSERT_EQ(on_study({"tell", "--trial-number", "1", "--state", "pruned"}).exit_code, 0);
  const auto stored = trials(url, "s");
  EXPECT_EQ(stored[1]["intermediate"]["2"], nlohmann::json({{"objective_0", 0.2}}));
  EXPECT_FALSE(stored[1]["intermediate"].contains("3"));
  EXPECT_NE(report("3", R"({"objective_0": 0.3})").exit_code, 0);  // finished
}

}  // namespace
}  // namespace ecopt
