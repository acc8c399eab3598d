// A misspelt objective is found before the first trial where the task
// declares its metrics, after the first trial for a command (issue 29,
// item 5): with "did you mean" and the hint at [[objectives]].
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

class MisspeltObjective : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  TempDir dir_{"objectives"};
  std::string url_ = "sqlite:///" + (dir_ / "o.db").string();
};

TEST_F(MisspeltObjective, ABuiltInTasksObjectiveIsCheckedBeforeAnyTrial) {
  std::string text = testing::read_file(std::string(ECOPT_SOURCE_DIR) + "/studies/zdt1-quick.toml");
  text.replace(text.find("name = \"f1\""), 11, "name = \"f_1\"");
  std::ofstream(dir_ / "zdt1.toml") << text;
  const auto run = ecopt({"tune", (dir_ / "zdt1.toml").string(), "--storage", url_});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("objective 'f_1' is not a metric of the test-problem task (did you mean 'f1'?); "
                                 "fix its name in [[objectives]]"));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("trial 1/")));
}

TEST_F(MisspeltObjective, ACommandsObjectiveIsCheckedAfterTheFirstTrial) {
  std::ofstream(dir_ / "acc.sh") << "#!/bin/sh\necho \"ECOPT {\\\"accuracy\\\": $ECOPT_PARAM_X}\"\n";
  const auto study = testing::command_study(dir_.path(), "acc", url_, 5, dir_ / "acc.sh", "", "",
                                            "[[objectives]]\nname = \"acuracy\"\ndirection = \"maximize\"");
  const auto run = ecopt({"tune", study});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("objective 'acuracy' is not a metric the task reported (did you mean "
                                 "'accuracy'?); fix its name in [[objectives]]"));
  const auto listed = ecopt({"trials", "--storage", url_, "--study-name", "acc", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 1u) << "one trial, not three";
}

}  // namespace
}  // namespace ecopt
