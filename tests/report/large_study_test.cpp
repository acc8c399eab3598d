// The report of a study too large to draw trial by trial (3,000 trials of
// the demo study, small enough for a quick test, large enough to pass every
// threshold): each chart draws a bounded number of markers and the rest as
// a density that accounts for every other trial.
#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "demo_study.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/report/report.hpp"

namespace ecopt::report {
namespace {

constexpr int kTrials = 3000;
constexpr std::size_t kMaxMarkers = 1000;  // html_report.cpp's bound per chart

struct LargeStudy {
  std::unique_ptr<Storage> storage = open_storage("memory");
  StudyRecord study = testing::make_demo_study(*storage, "large", kTrials);
  std::vector<Trial> trials = storage->trials(study.id);

  std::string html() const {
    ReportOptions options;
    options.study_name = "large";
    return render_html_report(study, trials, "memory", options);
  }
};

std::vector<std::string> charts(const std::string& html) {
  std::vector<std::string> found;
  for (auto at = html.find("<svg class=\"chart\""); at != std::string::npos;
       at = html.find("<svg class=\"chart\"", at + 1)) {
    found.push_back(html.substr(at, html.find("</svg>", at) + 6 - at));
  }
  return found;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::size_t number_in(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return 0;
  return std::stoul(std::regex_replace(match[1].str(), std::regex(","), ""));
}

TEST(LargeStudy, EveryChartDrawsABoundedNumberOfMarkers) {
  const LargeStudy large;
  const std::string html = large.html();
  const auto all = charts(html);
  ASSERT_GE(all.size(), 1u + 1u + 12u + 2u);  // front, hypervolume, parameters, proxies
  for (const auto& chart : all) {
    EXPECT_LE(count(chart, "<circle"), kMaxMarkers) << chart.substr(0, 200);
  }
}

TEST(LargeStudy, TheFrontChartDrawsTheFrontAsMarkersAndEveryOtherTrialAsADensity) {
  const LargeStudy large;
  const std::string html = large.html();
  const std::string front_chart = charts(html).at(0);
  const auto complete = complete_trials(large.study.spec, large.trials).size();
  ASSERT_GT(complete, kMaxMarkers);
  const std::size_t front = front_of(large.trials, large.study.spec).size();
  const std::size_t markers = count(front_chart, "<circle");
  // The front, plus the chosen and baseline trials where they are not on it.
  EXPECT_GE(markers, front);
  EXPECT_LE(markers, front + 2);
  EXPECT_EQ(count(front_chart, "<circle class=\"pt front"), front);
  const std::size_t density = number_in(front_chart, R"(<title>([\d,]+) trials drawn as a density)");
  EXPECT_EQ(markers + density, complete) << "every complete trial is drawn one way or the other";
  EXPECT_NE(html.find(fmt::format("{} drawn one by one", markers)), std::string::npos);
}

TEST(LargeStudy, TheHypervolumeLineKeepsOnlyVisibleCorners) {
  const LargeStudy large;
  const std::string html = large.html();
  const auto at = html.find("<polyline class=\"history-line\" points=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string points = html.substr(at, html.find("\"/>", at) - at);
  // One step per improvement at most, not two points per trial.
  EXPECT_LT(count(points, ","), 2u * kMaxMarkers);
}

}  // namespace
}  // namespace ecopt::report
