// The report of a demo study stored in a real SQLite file, written by
// write_report and loaded in headless Chromium (Debian's chromium
// package): it must run its script to the end with no console output and
// draw its charts. The same harness is first shown to catch a broken page.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "chromium.hpp"
#include "support/subprocess.hpp"
#include "demo_study.hpp"
#include "ecopt/report/report.hpp"
#include "known_study.hpp"
#include "noisy_study.hpp"
#include "tuned_study.hpp"

namespace ecopt::report {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct PageLoad {
  std::string dom;                    // after scripts ran
  std::vector<std::string> console;  // every console line Chromium logged
};

// Loads a local file with networking and background services off.
PageLoad load_in_chromium(const fs::path& page, const fs::path& scratch) {
  fs::create_directories(scratch / "profile");
  std::string command;
  for (const auto& flag : ecopt::testing::chromium_flags(scratch / "profile")) {
    command += "'" + flag + "' ";
  }
  command += fmt::format(
      "--enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom 'file://{}' "
      ">'{}' 2>'{}'",
      page.string(), (scratch / "dom.html").string(), (scratch / "stderr.txt").string());
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << command << "\n" << read_text(scratch / "stderr.txt");
  PageLoad load{read_text(scratch / "dom.html"), {}};
  std::istringstream stderr_lines(read_text(scratch / "stderr.txt"));
  for (std::string line; std::getline(stderr_lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) load.console.push_back(line);
  }
  return load;
}

std::string body_attribute(const std::string& dom, const std::string& name) {
  std::smatch match;
  const std::regex pattern("<body[^>]*\\s" + name + "=\"([^\"]*)\"");
  return std::regex_search(dom, match, pattern) ? match[1].str() : "";
}

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    ECOPT_SKIP_WITHOUT_CHROMIUM();
  }
  ecopt::testing::TempDir scratch_dir{"report-browser"};  // removed with the fixture
  fs::path scratch = scratch_dir.path();
};

TEST_F(Browser, HarnessCatchesAScriptError) {
  const fs::path page = scratch / "broken.html";
  std::ofstream(page) << "<!doctype html><body><script>notDefined();</script></body>";
  const PageLoad load = load_in_chromium(page, scratch);
  ASSERT_EQ(load.console.size(), 1u);
  EXPECT_NE(load.console[0].find("notDefined is not defined"), std::string::npos);
}

TEST_F(Browser, DemoReportLoadsCleanlyAndDrawsItsCharts) {
  const fs::path db = scratch / "demo.db";
  {
    auto storage = open_storage("sqlite:///" + db.string());
    testing::make_demo_study(*storage, "fashion-mnist demo", 48);
  }
  auto storage = open_storage("sqlite:///" + db.string());  // read back from the file
  ReportOptions options;
  options.study_name = "fashion-mnist demo";
  options.out_dir = scratch / "report";
  options.carbon.pue = 1.2;
  const ReportFiles files = write_report(*storage, options);
  for (const auto& path : {files.html, files.model_card, files.csv, files.json}) {
    EXPECT_TRUE(fs::is_regular_file(path)) << path;
  }

  const std::string html = read_text(files.html);
  EXPECT_EQ(html.find("<script src"), std::string::npos) << "everything inline";
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)=\"https?:)")));

  const PageLoad load = load_in_chromium(files.html, scratch);
  EXPECT_TRUE(load.console.empty()) << load.console.front();
  EXPECT_EQ(body_attribute(load.dom, "data-report-ready"), "true");
  EXPECT_FALSE(std::regex_search(load.dom, std::regex("<html[^>]*data-report-error")))
      << "window.onerror fired";
  // Pareto front, hypervolume, 6 parameters × 2 objectives, 2 proxies.
  EXPECT_GE(std::stoi(body_attribute(load.dom, "data-charts")), 1 + 1 + 12 + 2);
  // Each complete trial appears in the front chart and 12 parameter charts.
  const int complete = 48 - 1 - 4;  // one failed, four pruned (i % 11 == 5)
  EXPECT_GE(std::stoi(body_attribute(load.dom, "data-points-drawn")), complete * 13);

  // Kept for docs/img/report.png and CLI runs (see docs/report.md).
  if (const char* keep = std::getenv("ECOPT_REPORT_DEMO_DIR")) {
    const auto options = fs::copy_options::overwrite_existing | fs::copy_options::recursive;
    fs::copy(scratch / "report", keep, options);
    fs::copy(db, fs::path(keep) / "demo.db", options);
  }
}

// A command trial (one window per phase) on a shared device: the details
// panel, opened through report.html#trial-0, says both.
TEST_F(Browser, TrialDetailsSayHowTheEnergyWasMeasured) {
  auto storage = open_storage("sqlite:///" + (scratch / "one.db").string());
  const StudyRecord study =
      storage->create_study(testing::known_spec("one window"), nlohmann::json::object());
  const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
  TrialResult result;
  result.values = {0.9, 500.0};
  result.user_attrs = {{"accuracy", 0.9}, {"inference_j_per_sample", 0.002}, {"inference_samples", 1000}};
  EnergyRecord inference = testing::window_record("inference", EnergySource::RaplPowercap, 2.0);
  inference.unit = "sample";
  inference.units_per_window = 1000;
  inference.j_per_unit = 0.002;
  inference.shared = true;
  EnergyRecord whole = testing::window_record("trial", EnergySource::RaplPowercap, 40.0);
  whole.shared = true;
  write_energy_records(result.user_attrs, {inference, whole});
  storage->finish_trial(trial.id, result);
  ReportOptions options;
  options.study_name = "one window";
  options.out_dir = scratch / "report";
  const ReportFiles files = write_report(*storage, options);

  const PageLoad load = load_in_chromium(files.html.string() + "#trial-0", scratch);
  EXPECT_TRUE(load.console.empty()) << load.console.front();
  // Rows of the details panel (the embedded model card says it in other words).
  EXPECT_NE(load.dom.find("<h4>Energy: inference</h4>"), std::string::npos) << load.dom;
  EXPECT_NE(load.dom.find("<th>spread (MAD / min / max)</th>"
                          "<td>none: one window was measured</td>"),
            std::string::npos)
      << load.dom;
  EXPECT_NE(load.dom.find("<th>shared devices</th><td>yes: parallel trials ran on the measured "
                          "devices, not a clean measurement</td>"),
            std::string::npos);
}

// A study that says its objectives are noisy: the table's script badges
// exactly the members of the front by posterior means the page lists, and
// its "Show" menu offers them alone.
TEST_F(Browser, TheTableBadgesTheFrontByPosteriorMeans) {
  auto storage = open_storage("sqlite:///" + (scratch / "noisy.db").string());
  testing::make_noisy_study(*storage, "noisy", true);
  ReportOptions options;
  options.study_name = "noisy";
  options.out_dir = scratch / "report";
  const ReportFiles files = write_report(*storage, options);
  const std::vector<std::int64_t> members =
      testing::attribute_numbers(read_text(files.html), "data-posterior-front");
  ASSERT_FALSE(members.empty());

  const PageLoad load = load_in_chromium(files.html, scratch);
  EXPECT_TRUE(load.console.empty()) << load.console.front();
  std::vector<std::int64_t> badged;
  const std::regex row(R"re(<tr data-trial="(\d+)"[^>]*><td class="num">\d+((?:(?!</td>).)*)</td>)re");
  for (std::sregex_iterator it(load.dom.begin(), load.dom.end(), row), end; it != end; ++it) {
    if ((*it)[2].str().find("badge posterior") != std::string::npos) badged.push_back(std::stoll((*it)[1]));
  }
  EXPECT_EQ(badged, members);
  EXPECT_NE(load.dom.find(fmt::format("the {} on the front by posterior means</option>", members.size())),
            std::string::npos);
}

// Text in the charts that leaves its chart or runs into a neighbour:
// axis and tick labels outside the <svg> box, x tick labels that overlap.
const char* const kChartTextScript = R"js((() => {
  const problems = [];
  const inside = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1 &&
    inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1;
  document.querySelectorAll('svg.chart').forEach((svg, index) => {
    const box = svg.getBoundingClientRect();
    const name = svg.getAttribute('aria-label') || 'chart ' + index;
    for (const text of svg.querySelectorAll('text')) {
      if (!inside(text.getBoundingClientRect(), box)) {
        problems.push(name + ': "' + text.textContent + '" leaves the chart');
      }
    }
    const ticks = Array.from(svg.querySelectorAll('text.tick[text-anchor="middle"]'))
      .map((tick) => tick.getBoundingClientRect()).sort((a, b) => a.left - b.left);
    for (let i = 1; i < ticks.length; ++i) {
      if (ticks[i].left < ticks[i - 1].right) problems.push(name + ': x tick labels overlap');
    }
  });
  return problems;
})())js";

std::string write_demo_report(const fs::path& scratch, int trials) {
  auto storage = open_storage("sqlite:///" + (scratch / "demo.db").string());
  testing::make_demo_study(*storage, "demo", trials);
  ReportOptions options;
  options.study_name = "demo";
  options.out_dir = scratch / "report";
  return "file://" + write_report(*storage, options).html.string();
}

// At both widths every chart keeps its labels inside and apart, and the
// page fits (no overflowing cell or box).
TEST_F(Browser, ChartLabelsStayInsideTheirChartsAt1280And1920) {
  const std::string page = write_demo_report(scratch, 48);
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ecopt::testing::ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    browser.navigate(page);
    EXPECT_GE(browser.evaluate("document.querySelectorAll('svg.chart text.axis-label').length").get<int>(), 30);
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#tuning svg.chart').length").get<int>(), 1);
    const auto problems = browser.evaluate(kChartTextScript);
    EXPECT_TRUE(problems.empty()) << problems.dump(2);
    EXPECT_TRUE(browser.evaluate(ecopt::testing::kOverflowScript).empty());
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

// The tuning section of a study the real `ecopt tune` made, pruned and
// stopped by a budget rule: both its charts with their pruned and stop
// markers, labels inside, the page fits, and no console message.
TEST_F(Browser, TheTuningChartsOfAPrunedAndStoppedStudyLoadCleanly) {
  const std::string url = "sqlite:///" + (scratch / "tuned.db").string();
  const auto run = ecopt::testing::tune_pruned_study(scratch, url, "tuned");
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  auto storage = open_storage(url);
  ReportOptions options;
  options.study_name = "tuned";
  options.out_dir = scratch / "report";
  const std::string page = "file://" + write_report(*storage, options).html.string();
  ecopt::testing::ChromiumSession browser(scratch / "browser", 1280, 1000);
  browser.navigate(page);
  EXPECT_EQ(browser.evaluate("document.body.dataset.reportReady"), "true");
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('#tuning svg.chart').length").get<int>(), 2);
  EXPECT_GE(browser.evaluate("document.querySelectorAll('#tuning .pt.pruned').length").get<int>(), 2);
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('#tuning .pt.stopped').length").get<int>(), 2);
  const auto problems = browser.evaluate(kChartTextScript);
  EXPECT_TRUE(problems.empty()) << problems.dump(2);
  EXPECT_TRUE(browser.evaluate(ecopt::testing::kOverflowScript).empty());
  EXPECT_TRUE(browser.console().empty()) << browser.console().front();
}

// The details panel gives its values room: each value cell at least half
// of the panel's table (it was once squeezed to 4 characters by long keys).
TEST_F(Browser, TrialDetailsKeepAWideValueColumnAt1280And1920) {
  const std::string page = write_demo_report(scratch, 24);
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ecopt::testing::ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    browser.navigate(page + "#trial-3");
    ASSERT_EQ(browser.evaluate("document.getElementById('trial-details').hidden"), false);
    const auto narrowest = browser.evaluate(R"js(Math.min(...Array.from(
        document.querySelectorAll('#trial-details td')).map((td) =>
        td.getBoundingClientRect().width / td.closest('table').getBoundingClientRect().width)))js");
    EXPECT_GE(narrowest.get<double>(), 0.5);
    EXPECT_TRUE(browser.evaluate(ecopt::testing::kOverflowScript).empty());
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

// Issue 30: the trial table hid parameter columns to fit the page (7 of 11
// at 1400 px); it now shows every parameter and scrolls sideways, the
// column chooser left for hiding what the reader does not want.
TEST_F(Browser, TheTrialTableShowsEveryParameterAt1280And1920) {
  const std::string page = write_demo_report(scratch, 24);
  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ecopt::testing::ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    browser.navigate(page);
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#trial-table th.param').length").get<int>(), 6);
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#trial-table .hidden-column').length").get<int>(), 0);
    // The wrapper scrolls sideways rather than the page widening.
    EXPECT_TRUE(browser.evaluate(ecopt::testing::kOverflowScript).empty());
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

}  // namespace
}  // namespace ecopt::report
