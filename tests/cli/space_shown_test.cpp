// The space a study searches, shown and reused (issue 29, items 4 and 7):
// `tune` prints every parameter with where it came from, the task's
// defaults included; `ask` reuses the study's stored space and, given
// directions, creates the study as Optuna's ask does.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"
#include "text_lines.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::ProcessResult;
using testing::TempDir;

class SpaceShown : public ::testing::Test {
 public:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  TempDir dir_{"space-shown"};
  std::string url_ = "sqlite:///" + (dir_ / "s.db").string();
};

TEST_F(SpaceShown, TunePrintsTheSpaceItSearchesWithTheTasksDefaultsAndWhereEachCameFrom) {
  std::ofstream(dir_ / "study.toml") << R"(
[study]
name = "shown"
sampler = "random"
n_trials = 1
[[objectives]]
name = "f0"
direction = "minimize"
[[objectives]]
name = "f1"
direction = "minimize"
[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 3
[space.x0]
type = "float"
low = 0.0
high = 0.5
)";
  const auto run = ecopt({"tune", (dir_ / "study.toml").string(), "--storage", url_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("space searched: 3 parameters, 1 from the study file's [space], 2 from the "
                                 "test-problem task's default space"));
  const auto line_of = [&](const std::string& start) { return testing::last_line_starting(run.out, start); };
  EXPECT_THAT(line_of("x0 "), MatchesRegex(R"(x0 +a float in \[0, 0\.5\] +study file \(in place of the task's default\))"));
  EXPECT_THAT(line_of("x2 "), MatchesRegex(R"(x2 +a float in \[0, 1\] +the test-problem task's default space)"));
}

TEST_F(SpaceShown, AskWithDirectionsCreatesTheStudyAndLaterAsksReuseItsSpace) {
  const std::string space = R"({"x": {"type": "float", "low": 0, "high": 1}})";
  const auto first = ecopt({"ask", "--storage", url_, "--study-name", "made", "--directions", "minimize",
                            "maximize", "--search-space", space, "--sampler", "random"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(nlohmann::json::parse(first.out)["number"], 0);
  const auto second = ecopt({"ask", "--storage", url_, "--study-name", "made", "--sampler", "random"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(nlohmann::json::parse(second.out)["params"].contains("x"));
  const auto listed = ecopt({"studies", "--storage", url_});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto studies = nlohmann::json::parse(listed.out);
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0]["directions"], "minimize,maximize");
  // Given again with the same directions it loads the study; other directions are refused.
  const auto same = ecopt({"ask", "--storage", url_, "--study-name", "made", "--directions", "minimize,maximize",
                           "--sampler", "random"});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  const auto other = ecopt({"ask", "--storage", url_, "--study-name", "made", "--direction", "minimize"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("study 'made' already exists"));
}

}  // namespace
}  // namespace ecopt
