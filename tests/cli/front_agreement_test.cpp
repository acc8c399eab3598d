// `ecopt tune`, `ecopt best-trials` and `ecopt report` print one front and
// one hypervolume with its reference point, for a study with constraints,
// with thresholds, and with neither.
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

struct Case {
  std::string name;
  std::string objective_extra;  // a threshold line for each objective, or nothing
  std::string constraints;
};

std::string study_text(const Case& c, const std::string& url) {
  return fmt::format(R"(
[study]
name = "{0}"
storage = "{1}"
sampler = "sobol"
n_trials = 12
[[objectives]]
name = "f0"
direction = "minimize"
{2}
[[objectives]]
name = "f1"
direction = "minimize"
{2}
{3}
[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 3
)",
                     c.name, url, c.objective_extra, c.constraints);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FrontAgreement : public ::testing::TestWithParam<Case> {
 protected:
  testing::ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  TempDir dir_{"front"};
};

TEST_P(FrontAgreement, TuneBestTrialsAndReportPrintTheSameFigures) {
  const Case& c = GetParam();
  const std::string url = "sqlite:///" + (dir_ / "s.db").string();
  std::ofstream(dir_ / "study.toml") << study_text(c, url);
  const auto tuned = ecopt({"tune", (dir_ / "study.toml").string()});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  // "Pareto front of NAME (12 of 12 trials finished, hypervolume H (reference R)):"
  const std::regex closing(R"(trials finished, (hypervolume ([^ ]+) \(reference (.*)\))\):)");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(tuned.out, match, closing)) << tuned.out;
  const std::string figures = match[1];
  const std::string hypervolume = match[2];
  const std::string reference = match[3];
  EXPECT_THAT(reference, HasSubstr(c.objective_extra.empty() ? "worst feasible + 10% of range"
                                                             : "(threshold)"));

  const auto table = ecopt({"best-trials", "--storage", url, "--study-name", c.name, "--format", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr(figures));

  const auto listed = ecopt({"best-trials", "--storage", url, "--study-name", c.name});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto front = nlohmann::json::parse(listed.out);
  ASSERT_FALSE(front.empty());
  std::set<int> numbers;
  for (const auto& trial : front) {
    numbers.insert(trial["number"].get<int>());
    if (!c.constraints.empty()) EXPECT_LE(trial["user_attrs"]["f0"].get<double>(), 0.3);
  }

  const auto reported = ecopt({"report", "--storage", url, "--study-name", c.name, "--out",
                               (dir_ / "report").string()});
  ASSERT_EQ(reported.exit_code, 0) << reported.err;
  const std::string html = read_text(dir_ / "report" / "report.html");
  EXPECT_THAT(html, HasSubstr("Final hypervolume " + hypervolume));
  EXPECT_THAT(html, HasSubstr("reference point " + reference));
  // The page's trial table marks exactly the best-trials as the front.
  ASSERT_TRUE(std::regex_search(html, match, std::regex(R"re(<section id="trials" data-front="([\d ]*)")re")));
  std::set<int> on_front;
  std::istringstream front_list(match[1].str());
  for (int number = 0; front_list >> number;) on_front.insert(number);
  EXPECT_EQ(on_front, numbers);
}

INSTANTIATE_TEST_SUITE_P(
    Studies, FrontAgreement,
    ::testing::Values(Case{"constrained", "", "[[constraints]]\nmetric = \"f0\"\nop = \"<=\"\nbound = 0.3\n"},
                      Case{"thresholds", "threshold = 1.1", ""}, Case{"inferred", "", ""}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ecopt
