// trials and best-trials print a table on a terminal, as Optuna does, and
// JSON when piped (issue 29, item 7); a study that measures no energy has
// no energy columns.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

class TrialListing : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "asked", "--directions",
                     "minimize"}).exit_code, 0);
    const auto asked = ecopt({"ask", "--storage", url_, "--study-name", "asked", "--sampler", "random",
                              "--search-space", R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}}})"});
    ASSERT_EQ(asked.exit_code, 0) << asked.err;
    ASSERT_EQ(ecopt({"tell", "--storage", url_, "--study-name", "asked", "--trial-number", "0", "--values",
                     "0.5"}).exit_code, 0);
  }
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  // The command on a pseudo-terminal (util-linux script), as a person runs it.
  ProcessResult on_terminal(const std::string& command) {
    return testing::run_process({"/usr/bin/script", "-qec", std::string(ECOPT_CLI_PATH) + " " + command +
                                                             " --storage " + url_ + " --study-name asked",
                                 "/dev/null"},
                                dir_.path());
  }

  TempDir dir_{"listing"};
  std::string url_ = "sqlite:///" + (dir_ / "l.db").string();
};

TEST_F(TrialListing, ATerminalGetsATableWithoutEnergyColumnsForAnAskTellStudy) {
  for (const std::string command : {"trials", "best-trials"}) {
    const auto shown = on_terminal(command);
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_THAT(shown.out, HasSubstr("state")) << command;
    EXPECT_THAT(shown.out, HasSubstr("COMPLETE")) << command;
    EXPECT_THAT(shown.out, Not(HasSubstr("\"number\""))) << command;
    EXPECT_THAT(shown.out, Not(HasSubstr("energy source"))) << command;
  }
  const auto json = on_terminal("trials --format json");
  EXPECT_THAT(json.out, HasSubstr("\"number\""));
}

TEST_F(TrialListing, APipeGetsJson) {
  const auto piped = ecopt({"trials", "--storage", url_, "--study-name", "asked"});
  ASSERT_EQ(piped.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(piped.out).size(), 1u);
}

}  // namespace
}  // namespace ecopt
