// The report of a study too large to draw trial by trial (3,000 trials of
// the demo study, small enough for a quick test, large enough to pass every
// threshold): each chart draws a bounded number of markers and the rest as
// a density that accounts for every other trial; the page embeds the trials
// as columns, and its table shows them a page at a time in real Chromium.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "chromium.hpp"
#include "demo_study.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/report/report.hpp"
#include "explore.hpp"

namespace ecopt::report {
namespace {

constexpr int kTrials = 3000;
constexpr std::size_t kMaxMarkers = 1000;  // html_report.cpp's bound per chart

struct LargeStudy {
  std::unique_ptr<Storage> storage = open_storage("memory");
  StudyRecord study = testing::make_demo_study(*storage, "large", kTrials);
  std::vector<Trial> trials = storage->trials(study.id);

  ReportOptions options() const {
    ReportOptions options;
    options.study_name = "large";
    return options;
  }
  std::string html() const { return render_html_report(study, trials, "memory", options()); }
  nlohmann::json data() const { return render_report_page(study, trials, "memory", options()).data; }
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

TEST(LargeStudy, TheTrialsAreEmbeddedAsColumnsOfWhatThePageShows) {
  const LargeStudy large;
  const nlohmann::json data = large.data();
  const auto& columns = data["trials"]["columns"];
  EXPECT_EQ(data["trials"]["count"], kTrials);
  EXPECT_EQ(columns["number"], nlohmann::json({{"first", 0}}));
  EXPECT_EQ(data["params"], nlohmann::json({"depth", "inference_batch_size", "kernel_size",
                                            "learning_rate", "max_pool", "width"}));
  ASSERT_EQ(columns["values"]["parts"].size(), 2u);
  EXPECT_EQ(columns["values"]["parts"][0].size(), static_cast<std::size_t>(kTrials));
  EXPECT_EQ(columns["params"]["parts"].size(), 6u);
  EXPECT_EQ(columns["state"]["dict"].size(), 3u) << "COMPLETE, FAIL, PRUNED once each";

  // Energy records and metrics of the marked trials only; no search space
  // or other system attribute at all.
  const auto front = front_of(large.trials, large.study.spec).member_numbers();
  EXPECT_GE(data["details"].size(), front.size());
  EXPECT_LE(data["details"].size(), front.size() + 2);
  EXPECT_EQ(data.dump().find("system_attrs"), std::string::npos);
  EXPECT_LT(json_for_script(data).size(), 150u * kTrials) << "bytes of embedded data";

  // Every trial comes back, to the 4 significant digits the page shows.
  const auto rows = trial_rows(data);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kTrials));
  for (const Trial& trial : large.trials) {
    const auto& row = rows.at(trial.number);
    EXPECT_EQ(row["state"], std::string(to_string(trial.state)));
    for (std::size_t i = 0; i < trial.values.size(); ++i) {
      EXPECT_NEAR(row["values"][i].get<double>(), trial.values[i], 5e-4 * std::abs(trial.values[i]));
    }
    EXPECT_EQ(row["params"][5], std::get<std::int64_t>(trial.params.at("width")));
    EXPECT_EQ(row.contains("user_attrs"), data["details"].contains(std::to_string(trial.number)));
  }
}

TEST(LargeStudy, TheTableShowsAHundredRowsAPageInChromium) {
  namespace fs = std::filesystem;
  ECOPT_SKIP_WITHOUT_CHROMIUM();
  const fs::path scratch = fs::temp_directory_path() / fmt::format("ecopt-large-report-{}", ::getpid());
  fs::remove_all(scratch);
  const LargeStudy large;
  ReportOptions options = large.options();
  options.out_dir = scratch / "report";
  const ReportFiles files = write_report(*large.storage, options);
  const auto front = front_of(large.trials, large.study.spec).member_numbers();
  {
    ecopt::testing::ChromiumSession browser(scratch, 1280, 900);
    browser.navigate("file://" + files.html.string());
    ASSERT_TRUE(browser.wait_for("document.body.getAttribute('data-report-ready') === 'true'",
                                 std::chrono::seconds(30)));
    const auto rows = [&] { return browser.evaluate("document.querySelectorAll('#trial-table tbody tr').length"); };
    const auto first_row = [&] {
      return browser.evaluate("document.querySelector('#trial-table tbody tr').dataset.trial");
    };
    EXPECT_EQ(rows(), 100);
    EXPECT_EQ(first_row(), "0");
    browser.evaluate("Array.from(document.querySelectorAll('.table-tools button')).find((b) => b.textContent.startsWith('next')).click()");
    EXPECT_EQ(first_row(), "100");
    EXPECT_EQ(browser.evaluate("document.querySelector('.table-tools .pager').textContent"),
              fmt::format("rows 101–200 of {}", kTrials));

    // Sorting orders every trial, not the page shown: the best accuracy first.
    browser.evaluate("document.querySelector('#trial-table th[data-field=\"values.0\"]').click()");
    browser.evaluate("document.querySelector('#trial-table th[data-field=\"values.0\"]').click()");
    double best = -1.0;
    for (const Trial& trial : large.trials) {
      if (trial.state == TrialState::Complete) best = std::max(best, trial.values[0]);
    }
    EXPECT_EQ(browser.evaluate("document.querySelector('#trial-table tbody tr').cells[2].textContent"),
              format_number(best));
    EXPECT_EQ(browser.evaluate("document.querySelector('#trial-table tbody tr:last-child').cells[2].textContent <= '" +
                               format_number(best) + "'"),
              true);

    // The front alone, and the chosen trial's row and details one click away.
    browser.evaluate("const s = document.querySelector('.table-tools select'); s.value = 'front'; s.dispatchEvent(new Event('change'))");
    EXPECT_EQ(rows(), static_cast<int>(front.size()));
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#trial-table tbody .badge.front').length"),
              static_cast<int>(front.size()));
    const std::int64_t chosen = browser.evaluate("Number(document.getElementById('trials').dataset.chosen)");
    browser.evaluate("Array.from(document.querySelectorAll('.table-tools button')).find((b) => b.textContent.startsWith('chosen')).click()");
    EXPECT_EQ(browser.evaluate(fmt::format("document.querySelector('#trial-table tr[data-trial=\"{}\"]') !== null", chosen)), true);
    EXPECT_EQ(browser.evaluate("document.querySelector('#trial-details h3').textContent"),
              fmt::format("Trial {} · COMPLETE", chosen));
    // A trial whose records the page does not hold says where they are.
    browser.evaluate("const g = document.querySelector('.table-tools input'); g.value = '3'; g.dispatchEvent(new Event('change'))");
    EXPECT_EQ(browser.evaluate("document.querySelector('#trial-details h3').textContent"), "Trial 3 · COMPLETE");
    EXPECT_NE(browser.evaluate("document.getElementById('trial-details').textContent").get<std::string>().find("trials.json"),
              std::string::npos);

    // A drag along a parallel axis filters every trial, not only the lines
    // drawn: along all of it (its 6 % padding left out), every complete
    // trial; along its upper half,
    // more than the drawn lines crossing it.
    const auto complete = std::count_if(large.trials.begin(), large.trials.end(),
                                        [](const Trial& t) { return t.state == TrialState::Complete; });
    const std::string filter = "document.querySelector('#trials .brush-filter').textContent";
    browser.evaluate("document.querySelector('#trial-details .close').click()");  // the drawer covers the chart
    ecopt::testing::drag(browser, ecopt::testing::axis_point(browser, "accuracy", 0.01),
                         ecopt::testing::axis_point(browser, "accuracy", 0.99));
    EXPECT_EQ(browser.evaluate(filter), fmt::format("{} of {} trials, brushed on the chart — clear filter", complete, kTrials));
    browser.evaluate("document.querySelector('#trials .brush-filter button').click()");
    const auto top = ecopt::testing::axis_point(browser, "accuracy", 0.02);
    const auto middle = ecopt::testing::axis_point(browser, "accuracy", 0.5);
    const auto drawn = ecopt::testing::lines_crossing(browser, "accuracy", top.y, middle.y);
    ecopt::testing::drag(browser, top, middle);
    const std::string text = browser.evaluate(filter);
    const auto brushed = std::stol(text.substr(0, text.find(' ')));
    EXPECT_GT(brushed, static_cast<long>(drawn.size())) << text;
    EXPECT_LT(brushed, complete) << text;
    std::cout << text << " (" << drawn.size() << " lines drawn cross the stretch)\n";
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace ecopt::report
