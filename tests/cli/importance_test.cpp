// ecopt importance: the report's ranking of parameters per objective, as
// JSON for a program and a table for a person, on an ask/tell study whose
// effects are known.
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

class Importance : public ::testing::Test {
 protected:
  // 30 random trials: f0 = (x - 0.5)², which rises and falls with x, and
  // f1 = y; z moves neither.
  void SetUp() override {
    ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "known", "--directions", "minimize",
                     "minimize"}).exit_code, 0);
    const std::string space = R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}},
                                  "y": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}},
                                  "z": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}}})";
    for (int i = 0; i < 30; ++i) {
      const auto asked = ecopt({"ask", "--storage", url_, "--study-name", "known", "--sampler", "random",
                                "--search-space", space});
      ASSERT_EQ(asked.exit_code, 0) << asked.err;
      const auto params = nlohmann::json::parse(asked.out)["params"];
      const double x = params["x"];
      const double y = params["y"];
      ASSERT_EQ(ecopt({"tell", "--storage", url_, "--study-name", "known", "--trial-number", std::to_string(i),
                       "--values", fmt::format("{},{}", (x - 0.5) * (x - 0.5), y)}).exit_code, 0);
    }
  }
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  nlohmann::json ranked(const nlohmann::json& ranking, int objective, const std::string& param) {
    for (const auto& item : ranking["objectives"][objective]["parameters"]) {
      if (item["param"] == param) return item;
    }
    return nullptr;
  }

  TempDir dir_{"importance"};
  std::string url_ = "sqlite:///" + (dir_ / "i.db").string();
};

TEST_F(Importance, RanksEachObjectivesParametersAsTheReportDoes) {
  const auto printed = ecopt({"importance", "--storage", url_, "--study-name", "known"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const auto ranking = nlohmann::json::parse(printed.out);
  ASSERT_EQ(ranking["objectives"].size(), 2u);
  EXPECT_EQ(ranking["objectives"][0]["name"], "objective_0");
  // f1 = y: y first, |rho| 1.
  EXPECT_EQ(ranking["objectives"][1]["parameters"][0]["param"], "y");
  EXPECT_NEAR(ranked(ranking, 1, "y")["score"].get<double>(), 1.0, 1e-9);
  EXPECT_EQ(ranked(ranking, 1, "y")["trials_used"], 30);
  // f0 = (x - 0.5)²: rho misses the effect that rises and falls, the
  // variance share sees it; z explains nothing.
  const auto x = ranked(ranking, 0, "x");
  EXPECT_LT(std::abs(x["rho"].get<double>()), 0.5) << x.dump();
  EXPECT_GT(x["variance_share"].get<double>(), 0.7) << x.dump();
  EXPECT_LT(ranked(ranking, 0, "z")["variance_share"].get<double>(), 0.2) << ranking.dump();
  EXPECT_EQ(x["rho_95"].size(), 2u);
}

TEST_F(Importance, APersonGetsATablePerObjective) {
  const auto shown = ecopt({"importance", "--storage", url_, "--study-name", "known", "--format", "table"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("objective_1 (minimize):"));
  EXPECT_THAT(shown.out, HasSubstr("variance share"));
  EXPECT_THAT(shown.out, HasSubstr("spearman"));
}

TEST_F(Importance, AnUnknownStudyIsOneLine) {
  const auto missing = ecopt({"importance", "--storage", url_, "--study-name", "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("nope"));
}

}  // namespace
}  // namespace ecopt
