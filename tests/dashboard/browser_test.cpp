// The dashboard and the static report in real headless Chromium, driven
// over the DevTools protocol: a trial told through the real CLI appears
// without a reload, both pages fit 1280 and 1920 px windows, nothing is
// logged to the console and no request leaves the machine.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ecopt/report/report.hpp"
#include "ecopt/study/trial_log.hpp"
#include "report/chromium.hpp"
#include "report/demo_study.hpp"
#include "report/explore.hpp"
#include "running_dashboard.hpp"
#include "storage/process.hpp"
#include "support/subprocess.hpp"

namespace ecopt::dashboard {
namespace {

namespace fs = std::filesystem;
using ecopt::testing::ChromiumSession;
using testing::RunningDashboard;
using testing::test_options;

constexpr int kDemoTrials = 24;

class DashboardBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    ECOPT_SKIP_WITHOUT_CHROMIUM();
    url = "sqlite:///" + (scratch / "demo.db").string();
    auto storage = open_storage(url);
    // A budget, so that the pages show its progress too.
    study = report::testing::make_demo_study(*storage, "demo", kDemoTrials, 7,
                                             {.energy_kwh = 0.05, .wall_time_s = 7200, .min_hypervolume_per_kwh = 1.0});
  }

  // Every request went to `origin` (or was the page's own data).
  static void expect_local(const ChromiumSession& browser, const std::string& origin) {
    for (const auto& request : browser.requests()) {
      EXPECT_TRUE(request.rfind(origin, 0) == 0 || request.rfind("data:", 0) == 0)
          << "request left the page's origin: " << request;
    }
  }

  ecopt::testing::TempDir scratch_dir{"dashboard-browser"};  // removed with the fixture
  fs::path scratch = scratch_dir.path();
  std::string url;
  StudyRecord study;
};

std::string ready = "document.body && document.body.getAttribute('data-report-ready') === 'true'";

// A worker elsewhere: a trial is asked through storage and told through the
// real ecopt binary, as a script would.
void tell_a_trial(const std::string& url, const StudyRecord& study, double accuracy = 0.97,
                  double samples_per_j = 9000) {
  auto worker = open_storage(url);
  const Trial trial = worker->create_trial(study.id, nlohmann::json::object());
  worker->set_trial_params(trial.id, {{"width", std::int64_t{64}}, {"depth", std::int64_t{2}}});
  const auto told = ecopt::testing::run_process(
      {ECOPT_BINARY_DIR "/src/cli/ecopt", "tell", "--storage", url, "--study-name", "demo",
       "--trial-number", std::to_string(trial.number), "--values", fmt::format("{},{}", accuracy, samples_per_j),
       "--user-attrs", fmt::format(R"({{"accuracy": {}, "inference_j_per_sample": {}}})", accuracy, 1 / samples_per_j)});
  ASSERT_EQ(told.exit_code, 0) << told.output;
}

TEST_F(DashboardBrowser, ShowsATrialToldThroughTheCliWithoutAReload) {
  RunningDashboard dashboard(test_options(url));
  ChromiumSession browser(scratch, 1280, 900);
  browser.navigate(dashboard.url("/study?name=demo"));
  ASSERT_TRUE(browser.wait_for(ready, std::chrono::seconds(10)));
  browser.evaluate("window.stillTheFirstLoad = true");
  const std::string row = fmt::format("tr[data-trial=\"{}\"]", kDemoTrials);
  EXPECT_EQ(browser.evaluate(fmt::format("document.querySelector('{}') === null", row)), true);

  tell_a_trial(url, study);

  const auto shown = browser.wait_for(
      fmt::format("document.querySelector('#trial-table {}') !== null && "
                  "document.querySelectorAll('circle[data-trial=\"{}\"]').length > 0",
                  row, kDemoTrials),
      std::chrono::seconds(5));
  ASSERT_TRUE(shown) << "trial " << kDemoTrials << " not shown within 5 s of its tell";
  EXPECT_EQ(browser.evaluate("window.stillTheFirstLoad === true"), true) << "the page reloaded";
  std::cout << "shown " << shown->count() << " s after tell returned\n";
  // Its details open from the new row: the trial data came with it.
  browser.evaluate(fmt::format("document.querySelector('#trial-table {}').click()", row));
  EXPECT_EQ(browser.evaluate("document.querySelector('#trial-details h3').textContent"),
            fmt::format("Trial {} · COMPLETE", kDemoTrials));
  EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  expect_local(browser, dashboard.url("/"));
}

// The study list of an empty storage says what to run, and gives way to
// the list, with a count per state, once a study appears.
TEST_F(DashboardBrowser, TheStudyListOfAnEmptyStorageSaysWhatToRunUntilAStudyAppears) {
  const std::string empty = "sqlite:///" + (scratch / "empty.db").string();
  auto storage = open_storage(empty);
  RunningDashboard dashboard(test_options(empty));
  ChromiumSession browser(scratch, 1280, 900);
  browser.navigate(dashboard.url("/"));
  EXPECT_EQ(browser.evaluate("!document.getElementById('empty').hidden && "
                             "document.getElementById('study-table').hidden"),
            true);
  const StudyRecord made = report::testing::make_demo_study(*storage, "later", 3);
  storage->create_trial(made.id, nlohmann::json::object());
  ASSERT_TRUE(browser.wait_for("document.getElementById('empty').hidden && "
                               "document.querySelectorAll('#study-table tbody tr').length === 1",
                               std::chrono::seconds(10)));
  EXPECT_EQ(browser.evaluate("[...document.querySelectorAll('#study-table tbody td.num')]"
                             ".map((td) => td.textContent).join(' ')"),
            "4 1 3 0 0");  // trials, running, complete, pruned, failed
  EXPECT_TRUE(browser.console().empty()) << browser.console().front();
}

// The pages at both widths, with every cell, scroll box and the page itself
// checked for overflow; screenshots for docs/report.md when asked for.
// A trial still running, with a learning curve of three metrics and a log
// whose lines are long and hostile: the running section shows them both.
void add_running_trial(Storage& storage, const StudyRecord& study, const std::string& url) {
  const Trial trial = storage.create_trial(study.id, nlohmann::json::object());
  storage.set_trial_params(trial.id, {{"width", std::int64_t{48}}, {"depth", std::int64_t{3}}});
  for (int step = 1; step <= 12; ++step) {
    storage.report_intermediate(trial.id, step,
                                {{"accuracy", 0.5 + 0.03 * step},
                                 {"training_j_so_far", 40.0 * step},
                                 {"loss", 1.0 / step}});
  }
  TrialLog log(trial_log_path(*trial_log_dir(url, study.spec.name), trial.number), {});
  for (int epoch = 1; epoch <= 30; ++epoch) log.add(fmt::format("epoch {} loss {}", epoch, 1.0 / epoch));
  log.add("<script>alert(1)</script>" + std::string(600, 'x'));
}

TEST_F(DashboardBrowser, PagesFitAt1280And1920WithoutNetworkOrConsoleOutput) {
  add_running_trial(*open_storage(url), study, url);
  report::ReportOptions options;
  options.study_name = "demo";
  options.out_dir = scratch / "report";
  options.trial_log_dir = trial_log_dir(url, "demo");
  const auto files = report::write_report(*open_storage(url), options);
  RunningDashboard dashboard(test_options(url));
  const char* screenshots = std::getenv("ECOPT_SCREENSHOT_DIR");
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"report", "file://" + files.html.string()},
      {"dashboard", dashboard.url("/study?name=demo")},
      {"dashboard-index", dashboard.url("/")}};
  for (const int width : {1280, 1920}) {
    ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    for (const auto& [name, page] : pages) {
      SCOPED_TRACE(fmt::format("{} at {} px", name, width));
      browser.navigate(page);
      if (name != "dashboard-index") ASSERT_TRUE(browser.wait_for(ready, std::chrono::seconds(10)));
      if (name != "dashboard-index") {
        EXPECT_EQ(browser.evaluate("document.querySelectorAll('#running .running-trial svg.chart').length"), 3);
        EXPECT_EQ(browser.evaluate("document.querySelector('#running pre').textContent.includes('<script>')"),
                  true);
        EXPECT_EQ(browser.evaluate("document.querySelectorAll('#budget progress').length"), 2);
      }
      const auto problems = browser.evaluate(ecopt::testing::kOverflowScript);
      EXPECT_TRUE(problems.empty()) << problems.dump(2);
      if (screenshots && width == 1280 && name != "dashboard-index") {
        std::ofstream(fs::path(screenshots) / (name + ".png"), std::ios::binary)
            << browser.screenshot_png(2000);
      }
    }
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
    for (const auto& request : browser.requests()) {
      EXPECT_TRUE(request.rfind("file://", 0) == 0 || request.rfind(dashboard.url("/"), 0) == 0 ||
                  request.rfind("data:", 0) == 0)
          << "request left the machine: " << request;
    }
  }
}

// Issue 30: the study page's charts explore as the report's do (one script
// serves both), and a live update keeps the reader's zoom and brush: the
// front chart's ticks stay those of the zoomed view and the table stays
// filtered to the brushed trials (a rectangle on the front chart and a range
// of the parallel coordinates' accuracy axis), now out of one trial more.
TEST_F(DashboardBrowser, ZoomBrushAndHoverWorkLiveAndOutlastAnUpdateAt1280And1920) {
  namespace explore = ecopt::testing;
  const std::string front = "#pareto svg.chart";
  RunningDashboard dashboard(test_options(url));
  int trials = kDemoTrials;
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    browser.navigate(dashboard.url("/study?name=demo"));
    ASSERT_TRUE(browser.wait_for(ready, std::chrono::seconds(10)));
    const auto ticks = explore::tick_labels(browser, front, 'x');
    // Around a marker, which then stays where it was.
    const auto marker = explore::uncovered_marker(browser, front);
    explore::wheel(browser, marker.centre, -600);
    const auto zoomed = explore::tick_labels(browser, front, 'x');
    EXPECT_NE(zoomed, ticks);
    const auto misplaced = explore::misplaced_markers(browser, front, "inference_samples_per_j", "accuracy");
    EXPECT_TRUE(misplaced["problems"].empty()) << misplaced["problems"].dump(1);

    // A brush around it, half the plot wide.
    const auto corner = explore::plot_point(browser, front, 0, 0);
    const auto across = explore::plot_point(browser, front, 1, 1);
    const auto fraction = [](double at, double from, double to) { return (at - from) / (to - from); };
    const double fx = fraction(marker.centre.x, corner.x, across.x);
    const double fy = fraction(marker.centre.y, corner.y, across.y);
    const auto from = explore::plot_point(browser, front, std::max(0.02, fx - 0.25), std::max(0.02, fy - 0.3));
    const auto to = explore::plot_point(browser, front, std::min(0.98, fx + 0.25), std::min(0.98, fy + 0.3));
    const auto brushed = explore::markers_within(browser, front, from, to);
    ASSERT_FALSE(brushed.empty());
    explore::drag(browser, from, to, explore::kShift);
    EXPECT_EQ(explore::table_rows(browser), brushed);

    browser.mouse("mouseMoved", marker.centre.x, marker.centre.y);
    EXPECT_GE(explore::charts_marking(browser, marker.trial, "hover"), 2);
    // For docs/report.md: zoomed, brushed and a trial hovered.
    if (const char* screenshots = std::getenv("ECOPT_SCREENSHOT_DIR"); screenshots && width == 1280) {
      std::ofstream(fs::path(screenshots) / "explore.png", std::ios::binary) << browser.screenshot_png("#pareto");
    }
    // A range of the parallel coordinates' accuracy axis joins the brush.
    const auto top = explore::axis_point(browser, "accuracy", 0.05);
    const auto bottom = explore::axis_point(browser, "accuracy", 0.6);
    const auto by_accuracy = explore::lines_crossing(browser, "accuracy", top.y, bottom.y);
    explore::drag(browser, top, bottom);
    std::set<std::int64_t> on_both;
    std::set_intersection(brushed.begin(), brushed.end(), by_accuracy.begin(), by_accuracy.end(),
                          std::inserter(on_both, on_both.end()));
    ASSERT_FALSE(on_both.empty());
    ASSERT_LT(by_accuracy.size(), static_cast<std::size_t>(trials));
    EXPECT_EQ(explore::table_rows(browser), on_both);

    tell_a_trial(url, study);
    const int told = trials++;
    ASSERT_TRUE(browser.wait_for(fmt::format("document.querySelectorAll('#pareto circle[data-trial=\"{}\"]').length > 0", told),
                                 std::chrono::seconds(5)));
    EXPECT_EQ(explore::tick_labels(browser, front, 'x'), zoomed) << "the update lost the zoom";
    auto rows = explore::table_rows(browser);
    rows.erase(told);
    EXPECT_EQ(rows, on_both) << "the update lost the brush";
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#parallel rect.brush').length"), 1);
    const std::string filter = browser.evaluate("document.querySelector('#trials .brush-filter').textContent");
    EXPECT_NE(filter.find(fmt::format(" of {} trials", trials)), std::string::npos) << filter;
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

// Clicks a field of the page and types `text` into it with real key
// events, as a reader does.
void type_into(ChromiumSession& browser, const std::string& selector, const std::string& text) {
  const auto box = browser.evaluate(fmt::format(
      R"js((() => {{ const field = document.querySelector('{}'); field.scrollIntoView({{ block: 'center' }});
        const r = field.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})())js",
      selector));
  const double x = box[0].get<double>();
  const double y = box[1].get<double>();
  browser.mouse("mousePressed", x, y, {{"button", "left"}, {"buttons", 1}, {"clickCount", 1}});
  browser.mouse("mouseReleased", x, y, {{"button", "left"}, {"buttons", 0}, {"clickCount", 1}});
  for (const char c : text) browser.key(std::string(1, c));
}

// Issue 30: limits typed into the selection panel and its pick outlast a
// live update. The rule picks the most accurate trial of the front within
// the limits; a trial told through the real `ecopt tell` with accuracy
// 0.97 (above every demo trial's) becomes the pick where the limits admit
// it, and leaves the pick alone where its efficiency falls short of one.
TEST_F(DashboardBrowser, LimitsTypedIntoTheSelectionPanelAndThePickOutlastAnUpdateAt1280And1920) {
  RunningDashboard dashboard(test_options(url));
  int trials = kDemoTrials;
  // At 1280 px the told trial is within the limits, at 1920 px its
  // efficiency is below the typed 200 samples/J.
  for (const auto& [width, samples_per_j] : {std::pair{1280, 300.0}, std::pair{1920, 100.0}}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    browser.navigate(dashboard.url("/study?name=demo"));
    ASSERT_TRUE(browser.wait_for(ready, std::chrono::seconds(10)));
    browser.evaluate("(() => { const select = document.querySelector('#choose select'); select.value = 'max:accuracy';"
                     " select.dispatchEvent(new Event('input', { bubbles: true })); })()");
    type_into(browser, "#choose input[data-limit=\"0\"]", "0.85");
    type_into(browser, "#choose input[data-limit=\"1\"]", "200");
    const std::string picked = "document.getElementById('choose').dataset.picked";
    const std::string before = browser.evaluate(picked);
    EXPECT_EQ(browser.evaluate("document.querySelector('#choose .choose-cli').textContent"),
              "The same from the command line: ecopt best-trials --study-name 'demo' --where "
              "'accuracy>=0.85,inference_samples_per_j>=200' --pick 'max:accuracy'");
    browser.evaluate("window.servedPanel = document.getElementById('choose'), true");

    tell_a_trial(url, study, 0.96 + 0.01 * (width == 1920), samples_per_j);
    const int told = trials++;
    ASSERT_TRUE(browser.wait_for("document.getElementById('choose') !== window.servedPanel", std::chrono::seconds(5)))
        << "the panel was not updated within 5 s of the tell";
    EXPECT_EQ(browser.evaluate("document.querySelector('#choose input[data-limit=\"0\"]').value"), "0.85");
    EXPECT_EQ(browser.evaluate("document.querySelector('#choose input[data-limit=\"1\"]').value"), "200");
    EXPECT_EQ(browser.evaluate("document.querySelector('#choose select').value"), "max:accuracy");
    const std::string after = browser.evaluate(picked);
    if (samples_per_j >= 200) {
      EXPECT_EQ(after, std::to_string(told)) << "the pick did not follow the more accurate trial";
    } else {
      EXPECT_EQ(after, before) << "the pick followed a trial the limits leave out";
    }
    EXPECT_EQ(browser.evaluate("document.querySelector('#choose tr.picked').dataset.trial"), after);
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

}  // namespace
}  // namespace ecopt::dashboard
