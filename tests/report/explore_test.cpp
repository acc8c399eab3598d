// Exploring the charts of a demo study's report in real headless Chromium
// with real mouse events (issue 30): the wheel zooms and a drag pans with
// ticks that keep telling where each marker is, a double-click or the
// reset control restores (the keyboard too); a shift-drag on the front
// chart or a numeric parameter's filters the trial table; hovering or selecting a trial marks it in every chart and
// the table. At 1280 and 1920 px, with nothing on the console.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "chromium.hpp"
#include "support/subprocess.hpp"
#include "demo_study.hpp"
#include "ecopt/report/report.hpp"
#include "explore.hpp"

namespace ecopt::report {
namespace {

namespace fs = std::filesystem;
using ecopt::testing::ChromiumSession;
using ecopt::testing::ViewportPoint;

constexpr int kTrials = 48;
constexpr int kComplete = kTrials - 1 - 4;  // one failed, four pruned
const std::string kFront = "#pareto svg.chart";
const std::string kHistory = "#history svg.chart";
const std::string kLearningRate = "#parameters svg.chart[aria-label=\"accuracy against learning_rate\"]";

class Explore : public ::testing::Test {
 protected:
  void SetUp() override {
    ECOPT_SKIP_WITHOUT_CHROMIUM();
    auto storage = open_storage("sqlite:///" + (scratch / "demo.db").string());
    testing::make_demo_study(*storage, "demo", kTrials);
    ReportOptions options;
    options.study_name = "demo";
    options.out_dir = scratch / "report";
    page = "file://" + write_report(*storage, options).html.string();
  }

  // A browser at `width` px with the report loaded and ready.
  std::unique_ptr<ChromiumSession> open(int width) {
    auto browser = std::make_unique<ChromiumSession>(scratch / std::to_string(width), width, 1000);
    browser->navigate(page);
    EXPECT_EQ(browser->evaluate("document.body.dataset.reportReady"), "true");
    return browser;
  }

  ecopt::testing::TempDir scratch_dir{"report-explore"};  // removed with the fixture
  fs::path scratch = scratch_dir.path();
  std::string page;
};

void expect_truthful(ChromiumSession& browser, const std::string& chart, const std::string& x,
                     const std::string& y, int* checked = nullptr) {
  const auto result = ecopt::testing::misplaced_markers(browser, chart, x, y);
  EXPECT_GT(result["checked"].get<int>(), 0) << chart;
  EXPECT_TRUE(result["problems"].empty()) << chart << ": " << result["problems"].dump(1);
  if (checked) *checked = result["checked"].get<int>();
}

TEST_F(Explore, WheelZoomAndDragPanKeepTheTicksTruthfulAndDoubleClickRestoresAt1280And1920) {
  const std::vector<std::array<std::string, 3>> charts = {
      {kFront, "inference_samples_per_j", "accuracy"},
      {kHistory, "trial", "accuracy"},
      {kLearningRate, "learning_rate", "accuracy"}};
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    const auto browser = open(width);
    for (const auto& [chart, x, y] : charts) {
      SCOPED_TRACE(chart);
      const auto x_ticks = ecopt::testing::tick_labels(*browser, chart, 'x');
      const auto y_ticks = ecopt::testing::tick_labels(*browser, chart, 'y');
      int all = 0;
      if (x != "trial") expect_truthful(*browser, chart, x, y, &all);

      // Around a marker, so that some stay in view.
      const auto marker = ecopt::testing::uncovered_marker(*browser, chart);
      ASSERT_GE(marker.trial, 0);
      ecopt::testing::wheel(*browser, marker.centre, -600);
      EXPECT_NE(ecopt::testing::tick_labels(*browser, chart, 'x'), x_ticks) << "x ticks unchanged by zoom";
      EXPECT_NE(ecopt::testing::tick_labels(*browser, chart, 'y'), y_ticks) << "y ticks unchanged by zoom";
      int zoomed = 0;
      if (x != "trial") {
        expect_truthful(*browser, chart, x, y, &zoomed);
        EXPECT_LT(zoomed, all) << "zooming in left every marker in view";
      }
      EXPECT_EQ(browser->evaluate(fmt::format("document.querySelector('{}').querySelector('.chart-reset').getAttribute('visibility')", chart)),
                "visible");

      const auto zoomed_ticks = ecopt::testing::tick_labels(*browser, chart, 'x');
      // A tenth of the plot towards its middle: the marker stays in view.
      const ViewportPoint middle = ecopt::testing::plot_point(*browser, chart, 0.5, 0.5);
      const ViewportPoint edge = ecopt::testing::plot_point(*browser, chart, 0.6, 0.5);
      const double step = (marker.centre.x < middle.x ? 1 : -1) * (edge.x - middle.x);
      ecopt::testing::drag(*browser, middle, {middle.x + step, middle.y});
      EXPECT_NE(ecopt::testing::tick_labels(*browser, chart, 'x'), zoomed_ticks) << "x ticks unchanged by a pan";
      if (x != "trial") expect_truthful(*browser, chart, x, y);
      EXPECT_EQ(browser->evaluate("document.getElementById('trial-details').hidden"), true) << "a pan opened a trial";

      ecopt::testing::double_click(*browser, ecopt::testing::plot_point(*browser, chart, 0.5, 0.02));
      EXPECT_EQ(ecopt::testing::tick_labels(*browser, chart, 'x'), x_ticks);
      EXPECT_EQ(ecopt::testing::tick_labels(*browser, chart, 'y'), y_ticks);

      // The reset control restores as the double-click does.
      ecopt::testing::wheel(*browser, ecopt::testing::plot_point(*browser, chart, 0.6, 0.6), -300);
      browser->evaluate(fmt::format("document.querySelector('{}').querySelector('.chart-reset')"
                                    ".dispatchEvent(new MouseEvent('click', {{ bubbles: true }}))", chart));
      EXPECT_EQ(ecopt::testing::tick_labels(*browser, chart, 'x'), x_ticks);
      EXPECT_EQ(browser->evaluate(fmt::format("document.querySelector('{}').querySelector('.chart-reset').getAttribute('visibility')", chart)),
                "hidden");
    }
    EXPECT_TRUE(browser->console().empty()) << browser->console().front();
  }
}

// The keyboard reaches the same: + zooms a chart whose marker has the focus
// (the focus marks the trial everywhere, as hovering does), an arrow pans,
// 0 restores. The wheel outside a plot scrolls the page as ever.
TEST_F(Explore, TheKeyboardZoomsAndPansAFocusedChartAndTheWheelOutsideAPlotScrollsAt1280And1920) {
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    const auto browser = open(width);
    const auto ticks = ecopt::testing::tick_labels(*browser, kFront, 'x');
    const auto marker = ecopt::testing::uncovered_marker(*browser, kFront);
    ASSERT_GE(marker.trial, 0);
    browser->evaluate(fmt::format("document.querySelector('{} circle.pt[data-trial=\"{}\"]').focus()", kFront, marker.trial));
    EXPECT_GE(ecopt::testing::charts_marking(*browser, marker.trial, "hover"), 2);
    browser->key("+");
    const auto zoomed = ecopt::testing::tick_labels(*browser, kFront, 'x');
    EXPECT_NE(zoomed, ticks);
    expect_truthful(*browser, kFront, "inference_samples_per_j", "accuracy");
    browser->key("ArrowLeft");
    EXPECT_NE(ecopt::testing::tick_labels(*browser, kFront, 'x'), zoomed);
    browser->key("0");
    EXPECT_EQ(ecopt::testing::tick_labels(*browser, kFront, 'x'), ticks);

    const ViewportPoint below = ecopt::testing::plot_point(*browser, kFront, 0.5, 1.08);  // on the x tick labels
    const double scrolled = browser->evaluate("window.scrollY").get<double>();
    ecopt::testing::wheel(*browser, below, 200);
    EXPECT_EQ(ecopt::testing::tick_labels(*browser, kFront, 'x'), ticks);
    EXPECT_TRUE(browser->wait_for(fmt::format("window.scrollY > {}", scrolled), std::chrono::seconds(2)));
    EXPECT_TRUE(browser->console().empty()) << browser->console().front();
  }
}

TEST_F(Explore, AShiftDragOnTheFrontOrAParameterChartFiltersTheTableAt1280And1920) {
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    const auto browser = open(width);
    EXPECT_EQ(ecopt::testing::table_rows(*browser).size(), static_cast<std::size_t>(kTrials));
    const auto ticks = ecopt::testing::tick_labels(*browser, kFront, 'x');
    const ViewportPoint from = ecopt::testing::plot_point(*browser, kFront, 0.45, 0.02);
    const ViewportPoint to = ecopt::testing::plot_point(*browser, kFront, 0.98, 0.7);
    const auto brushed = ecopt::testing::markers_within(*browser, kFront, from, to);
    ASSERT_FALSE(brushed.empty());
    ASSERT_LT(brushed.size(), static_cast<std::size_t>(kComplete));

    ecopt::testing::drag(*browser, from, to, ecopt::testing::kShift);
    EXPECT_EQ(ecopt::testing::tick_labels(*browser, kFront, 'x'), ticks) << "a brush panned the chart";
    EXPECT_EQ(ecopt::testing::table_rows(*browser), brushed);
    EXPECT_EQ(browser->evaluate("document.querySelector('#trials .brush-filter').textContent"),
              fmt::format("{} of {} trials, brushed on the chart — clear filter", brushed.size(), kTrials));
    // The other charts fade the trials left out.
    EXPECT_EQ(browser->evaluate(fmt::format("document.querySelector('{}').querySelectorAll('circle.pt.faded').length", kHistory)),
              kComplete - static_cast<int>(brushed.size()));

    browser->evaluate("document.querySelector('#trials .brush-filter button').click()");
    EXPECT_EQ(ecopt::testing::table_rows(*browser).size(), static_cast<std::size_t>(kTrials));
    EXPECT_EQ(browser->evaluate("document.querySelectorAll('circle.pt.faded').length"), 0);
    EXPECT_EQ(browser->evaluate("document.querySelector('#trials .brush-filter')"), nullptr);

    // A numeric parameter's chart brushes too (on a log axis here).
    const ViewportPoint low = ecopt::testing::plot_point(*browser, kLearningRate, 0.02, 0.02);
    const ViewportPoint high = ecopt::testing::plot_point(*browser, kLearningRate, 0.5, 0.98);
    const auto by_rate = ecopt::testing::markers_within(*browser, kLearningRate, low, high);
    ASSERT_FALSE(by_rate.empty());
    ecopt::testing::drag(*browser, low, high, ecopt::testing::kShift);
    EXPECT_EQ(ecopt::testing::table_rows(*browser), by_rate);
    EXPECT_TRUE(browser->console().empty()) << browser->console().front();
  }
}

std::set<std::int64_t> both(const std::set<std::int64_t>& a, const std::set<std::int64_t>& b) {
  std::set<std::int64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// A drag along an axis of parallel coordinates brushes a range of it (no
// shift needed); ranges on several axes and the scatter brush hold at once
// (a trial must lie in all); a double-click on an axis clears its range,
// "clear filter" clears all.
TEST_F(Explore, DraggingAlongParallelAxesFiltersTheTableWithTheScatterBrushAt1280And1920) {
  const std::string kParallel = "#parallel svg.chart";
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    const auto browser = open(width);
    const auto top = ecopt::testing::axis_point(*browser, "accuracy", 0.1);
    const auto bottom = ecopt::testing::axis_point(*browser, "accuracy", 0.55);
    const auto by_accuracy = ecopt::testing::lines_crossing(*browser, "accuracy", top.y, bottom.y);
    ASSERT_FALSE(by_accuracy.empty());
    ASSERT_LT(by_accuracy.size(), static_cast<std::size_t>(kComplete));
    ecopt::testing::drag(*browser, top, bottom);
    EXPECT_EQ(ecopt::testing::table_rows(*browser), by_accuracy);
    EXPECT_EQ(browser->evaluate("document.querySelector('#trials .brush-filter').textContent"),
              fmt::format("{} of {} trials, brushed on the chart — clear filter", by_accuracy.size(), kTrials));
    EXPECT_EQ(browser->evaluate(fmt::format("document.querySelectorAll('{} path.pc-line.faded').length", kParallel)),
              kComplete - static_cast<int>(by_accuracy.size()));
    EXPECT_EQ(browser->evaluate("document.getElementById('trial-details').hidden"), true) << "a brush opened a trial";

    // A second axis narrows it (learning_rate is a log axis).
    const auto low = ecopt::testing::axis_point(*browser, "learning_rate", 0.3);
    const auto high = ecopt::testing::axis_point(*browser, "learning_rate", 0.95);
    const auto by_rate = ecopt::testing::lines_crossing(*browser, "learning_rate", low.y, high.y);
    ecopt::testing::drag(*browser, high, low);
    const auto on_both = both(by_accuracy, by_rate);
    ASSERT_FALSE(on_both.empty());
    EXPECT_EQ(ecopt::testing::table_rows(*browser), on_both);
    EXPECT_EQ(browser->evaluate(fmt::format("document.querySelectorAll('{} rect.brush').length", kParallel)), 2);

    // The scatter brush joins them.
    const ViewportPoint from = ecopt::testing::plot_point(*browser, kFront, 0.02, 0.02);
    const ViewportPoint to = ecopt::testing::plot_point(*browser, kFront, 0.7, 0.98);
    const auto on_front = ecopt::testing::markers_within(*browser, kFront, from, to);
    ecopt::testing::drag(*browser, from, to, ecopt::testing::kShift);
    EXPECT_EQ(ecopt::testing::table_rows(*browser), both(on_both, on_front));

    // A double-click on the accuracy axis clears its range only.
    ecopt::testing::double_click(*browser, ecopt::testing::axis_point(*browser, "accuracy", 0.3));
    EXPECT_EQ(ecopt::testing::table_rows(*browser), both(by_rate, on_front));
    EXPECT_EQ(browser->evaluate(fmt::format("document.querySelectorAll('{} rect.brush').length", kParallel)), 1);

    browser->evaluate("document.querySelector('#trials .brush-filter button').click()");
    EXPECT_EQ(ecopt::testing::table_rows(*browser).size(), static_cast<std::size_t>(kTrials));
    EXPECT_EQ(browser->evaluate("document.querySelectorAll('[data-trial].faded, rect.brush').length"), 0);
    EXPECT_TRUE(browser->console().empty()) << browser->console().front();
  }
}

TEST_F(Explore, HoverAndSelectionMarkATrialInEveryChartAndTheTableAt1280And1920) {
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    const auto browser = open(width);
    const auto marker = ecopt::testing::uncovered_marker(*browser, kFront);
    const std::int64_t trial = marker.trial;
    ASSERT_GE(trial, 0);
    const std::string title = browser->evaluate(fmt::format(
        "document.querySelector('{} circle.pt[data-trial=\"{}\"] title').textContent", kFront, trial));
    for (const char* line : {"\naccuracy = ", "\ninference_samples_per_j = ", "\nlearning_rate = ", "\nwidth = "}) {
      EXPECT_NE(title.find(line), std::string::npos) << "hover text lacks " << line << ": " << title;
    }
    browser->mouse("mouseMoved", marker.centre.x, marker.centre.y);
    EXPECT_GE(ecopt::testing::charts_marking(*browser, trial, "hover"), 2);
    EXPECT_EQ(browser->evaluate(fmt::format("document.querySelector('#trial-table tr[data-trial=\"{}\"]').classList.contains('hover')", trial)),
              true);
    browser->mouse("mouseMoved", 2, 2);
    EXPECT_EQ(browser->evaluate("document.querySelectorAll('.hover').length"), 0);

    // From a table row to the charts.
    const std::int64_t other = trial == 0 ? 1 : 0;
    const auto row = browser->evaluate(fmt::format(
        "(() => {{ const r = document.querySelector('#trial-table tr[data-trial=\"{}\"]'); r.scrollIntoView({{ block: 'center' }});"
        " const b = r.getBoundingClientRect(); return [b.left + 20, b.top + b.height / 2]; }})()", other));
    browser->mouse("mouseMoved", row[0].get<double>(), row[1].get<double>());
    EXPECT_GE(ecopt::testing::charts_marking(*browser, other, "hover"), 2);

    // A click selects it everywhere.
    browser->mouse("mousePressed", row[0].get<double>(), row[1].get<double>(), {{"button", "left"}, {"buttons", 1}, {"clickCount", 1}});
    browser->mouse("mouseReleased", row[0].get<double>(), row[1].get<double>(), {{"button", "left"}, {"clickCount", 1}});
    EXPECT_GE(ecopt::testing::charts_marking(*browser, other, "selected"), 2);
    EXPECT_TRUE(browser->console().empty()) << browser->console().front();
  }
}

}  // namespace
}  // namespace ecopt::report
