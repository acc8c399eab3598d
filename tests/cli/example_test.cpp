// The shipped PyTorch example (examples/pytorch-fashion-mnist), tuned end to
// end through `ecopt tune` with its own study file: a plain Python script,
// Debian's python3-torch, phases measured apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;

TEST(PytorchExample, TunesThePlainScriptEndToEnd) {
  testing::TempDir dir{"example"};
  const std::string url = "sqlite:///" + (dir / "example.db").string();
  // The study file's argv is relative to the repository root.
  const auto tuned = testing::run_process(
      {ECOPT_CLI_PATH, "tune", "examples/pytorch-fashion-mnist/study.toml", "--storage", url,
       "--n-trials", "2"},
      dir.path(), ECOPT_SOURCE_DIR);
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err << tuned.out;
  EXPECT_THAT(tuned.out, HasSubstr("trial 2/2"));

  const auto listed = testing::run_process(
      {ECOPT_CLI_PATH, "trials", "--storage", url, "--study-name", "pytorch-fashion-mnist"},
      dir.path());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto trials = nlohmann::json::parse(listed.out);
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& trial : trials) {
    ASSERT_EQ(trial["state"], "COMPLETE") << trial.dump();
    const auto& m = trial["user_attrs"];
    // Sampled settings may be poor (lr near 0.1, width 2): any accuracy,
    // but a real one.
    EXPECT_GE(m["accuracy"].get<double>(), 0.0) << m.dump();
    EXPECT_LE(m["accuracy"].get<double>(), 1.0) << m.dump();
    EXPECT_EQ(m["inference_samples"], 1000);
    EXPECT_GT(m["inference_j"].get<double>(), 0.0);
    EXPECT_GT(m["training_j"].get<double>(), m["inference_j"].get<double>());
    EXPECT_LT(m["inference_j"].get<double>() + m["training_j"].get<double>(),
              m["command_j"].get<double>() * 1.0001);
    // Typed records for each phase, the program and the trial.
    for (const char* name : {"inference", "training", "command", "trial"}) {
      ASSERT_TRUE(m["energy"].contains(name)) << name << " in " << m.dump();
      EXPECT_FALSE(m["energy"][name]["sources"].empty()) << name;
    }
    EXPECT_EQ(trial["values"][1].get<double>(), m["inference_samples_per_j"].get<double>());
  }
}

}  // namespace
}  // namespace ecopt
