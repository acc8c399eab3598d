// Stored XSS: a script planted through every field a user can store and the
// pages show (study, objective, parameter and energy record names,
// parameter values, user attributes, every text field of an energy record,
// fail reasons, a running trial's metric names and log), all through the
// real CLI into real SQLite, then the real report.html and dashboard pages
// in headless Chromium. Nothing planted
// runs, the pages' own scripts do, and a script that slips into the page
// later (a missed escape) is refused by the Content-Security-Policy.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ecopt/study/trial_log.hpp"
#include "report/chromium.hpp"
#include "running_dashboard.hpp"
#include "storage/process.hpp"
#include "support/subprocess.hpp"

namespace ecopt::dashboard {
namespace {

namespace fs = std::filesystem;
using ecopt::testing::ChromiumSession;
using testing::RunningDashboard;
using testing::test_options;

// Marks the page's body when it runs, naming the field it came through.
std::string payload(const std::string& field) {
  return fmt::format(
      R"(<img src=x onerror="document.body.dataset.injected='{0}'"><script>document.body.dataset.injected='{0}'</script>)",
      field);
}

const std::string kStudy = "demo " + payload("study name");
const std::string kReady =
    "document.body && document.body.getAttribute('data-report-ready') === 'true'";
// Every image has loaded or failed, so every onerror has had its chance.
const std::string kImagesSettled = "[...document.images].every((image) => image.complete)";

nlohmann::json energy_record(double j_per_sample, const std::string& tag) {
  return {{"sources", {"rapl-powercap"}},
          {"devices", {payload("energy device " + tag)}},
          {"idle_subtracted", true},
          {"shared", false},
          {"windows", 3},
          {"duration_s", 2.0},
          {"gross_j", 1000 * j_per_sample},
          {"net_j", 900 * j_per_sample},
          {"counter_updates", 2000},
          {"resolution_s", 0.001},
          {"resolution_j", 6.1e-5},
          {"unit", payload("energy unit " + tag)},
          {"units_per_window", 1000},
          {"j_per_unit", j_per_sample},
          {"spread", {{"min_j", 0.9 * j_per_sample}, {"max_j", 1.1 * j_per_sample}, {"mad_j", 0.0}}}};
}

nlohmann::json user_attrs(double accuracy, double j_per_sample) {
  nlohmann::json record = energy_record(j_per_sample, "inference");
  nlohmann::json trial = energy_record(j_per_sample * 100, "trial");
  trial.erase("unit");
  trial.erase("units_per_window");
  trial.erase("j_per_unit");
  return {{"accuracy", accuracy},
          {payload("attribute name"), payload("attribute value")},
          {"energy",
           {{"inference", record},
            {"trial", trial},
            {payload("energy record name"), energy_record(j_per_sample, "other")}}}};
}

class PageInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    ECOPT_SKIP_WITHOUT_CHROMIUM();
    url = "sqlite:///" + (scratch / "planted.db").string();
    ecopt({"create-study", "--storage", url, "--study-name", kStudy, "--directions",
           "maximize,minimize,minimize", "--objective-names",
           "accuracy,inference_j_per_sample," + payload("objective name")});
    tell_complete(0.91, 2e-4);
    tell_complete(0.95, 6e-4);
    const std::int64_t failed = ask();
    ecopt({"tell", "--storage", url, "--study-name", kStudy, "--trial-number",
           std::to_string(failed), "--state", "fail", "--fail-reason", payload("fail reason")});
    // A running trial: a learning curve of a planted metric name, and a log.
    const std::int64_t running = ask();
    for (const char* step : {"1", "2"}) {
      ecopt({"intermediate", "--storage", url, "--study-name", kStudy, "--trial-number",
             std::to_string(running), "--step", step, "--pruner", "none", "--values",
             nlohmann::json{{payload("metric name"), 0.5}}.dump()});
    }
    TrialLog(trial_log_path(*trial_log_dir(url, kStudy), running), {}).add(payload("log line"));
  }

  static std::string ecopt(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ECOPT_BINARY_DIR "/src/cli/ecopt"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = ecopt::testing::run_process(argv);
    EXPECT_EQ(run.exit_code, 0) << args.front() << ": " << run.output;
    return run.output;
  }

  std::int64_t ask() {
    const nlohmann::json space = {
        {payload("parameter name"),
         {{"name", "CategoricalDistribution"},
          {"attributes", {{"choices", {payload("parameter value")}}}}}},
        {"width", {{"name", "IntDistribution"},
                   {"attributes", {{"low", 1}, {"high", 64}, {"log", false}, {"step", 1}}}}}};
    const std::string asked = ecopt({"ask", "--storage", url, "--study-name", kStudy,
                                     "--search-space", space.dump(), "--sampler", "random"});
    return nlohmann::json::parse(asked.substr(0, asked.find('\n'))).at("number").get<std::int64_t>();
  }

  void tell_complete(double accuracy, double j_per_sample) {
    const std::int64_t number = ask();
    ecopt({"tell", "--storage", url, "--study-name", kStudy, "--trial-number",
           std::to_string(number), "--values",
           fmt::format("{},{},{}", accuracy, j_per_sample, number), "--user-attrs",
           user_attrs(accuracy, j_per_sample).dump()});
  }

  // Nothing planted ran: not on load, not in any trial's details panel;
  // and the page's own script still works.
  static void expect_nothing_ran(ChromiumSession& browser) {
    ASSERT_TRUE(browser.wait_for(kReady, std::chrono::seconds(10))) << "report.js did not run";
    const int rows = browser.evaluate("document.querySelectorAll('#trial-table tbody tr').length");
    EXPECT_EQ(rows, 4) << "the trial table is not drawn";
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('#running .running-trial svg.chart').length"), 1)
        << "the running trial's curve is not shown";
    EXPECT_EQ(browser.evaluate("document.querySelector('#running pre').textContent.includes('log line')"), true)
        << "the running trial's log is not shown";
    for (int row = 0; row < rows; ++row) {
      browser.evaluate(fmt::format("document.querySelectorAll('#trial-table tbody tr')[{}].click()", row));
      ASSERT_TRUE(browser.wait_for(kImagesSettled, std::chrono::seconds(5)));
    }
    EXPECT_EQ(browser.evaluate("document.body.dataset.injected ?? 'nothing'"), "nothing");
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('img, #trial-table script').length"), 0)
        << "planted markup became elements";
  }

  // Markup added after load, as a missed escape would add it: the policy
  // refuses its handler.
  static void expect_policy_refuses_late_markup(ChromiumSession& browser) {
    browser.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img id=\"late\" src=\"x\" "
        "onerror=\"document.body.dataset.late=1\">')");
    ASSERT_TRUE(browser.wait_for(kImagesSettled, std::chrono::seconds(5)));
    EXPECT_EQ(browser.evaluate("document.body.dataset.late ?? 'refused'"), "refused");
  }

  ecopt::testing::TempDir scratch_dir{"dashboard-injection"};  // removed with the fixture
  fs::path scratch = scratch_dir.path();
  std::string url;
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The policy a page declares: script-src lists hashes only.
void expect_strict_script_src(const std::string& policy) {
  const auto script_src = policy.find("script-src");
  ASSERT_NE(script_src, std::string::npos) << policy;
  const std::string directive = policy.substr(script_src, policy.find(';', script_src) - script_src);
  EXPECT_EQ(directive.find("'unsafe-inline'"), std::string::npos) << directive;
  EXPECT_NE(directive.find("'sha256-"), std::string::npos) << directive;
}

TEST_F(PageInjection, ReportRunsNothingPlantedInAnyShownField) {
  const fs::path out = scratch / "report";
  ecopt({"report", "--storage", url, "--study-name", kStudy, "--out", out.string()});
  const std::string card = read(out / "model-card.md");
  ASSERT_NE(card.find("Energy per"), std::string::npos) << card;
  EXPECT_EQ(card.find("<img"), std::string::npos) << "model-card.md carries raw markup:\n" << card;
  EXPECT_EQ(card.find("<script"), std::string::npos) << card;

  ChromiumSession browser(scratch / "browser", 1280, 900);
  browser.navigate("file://" + (out / "report.html").string());
  expect_nothing_ran(browser);
  EXPECT_EQ(browser.evaluate("document.querySelector('#impact table') !== null"), true)
      << "the impact table (which shows the energy unit) is missing";
  expect_policy_refuses_late_markup(browser);
  for (const auto& line : browser.console()) {
    EXPECT_EQ(line.find("inline script"), std::string::npos) << "a page script was refused: " << line;
  }

  const std::string html = read(out / "report.html");
  const auto meta = html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"");
  ASSERT_NE(meta, std::string::npos) << "report.html declares no Content-Security-Policy";
  const auto content = html.find("content=\"", meta) + 9;
  expect_strict_script_src(html.substr(content, html.find('"', content) - content));
}

TEST_F(PageInjection, DashboardRunsNothingPlantedOnLoadOrAfterALiveUpdate) {
  RunningDashboard dashboard(test_options(url));
  ChromiumSession browser(scratch / "browser", 1280, 900);
  browser.navigate(dashboard.url("/"));
  ASSERT_TRUE(browser.wait_for("document.querySelectorAll('#study-table tbody tr').length === 1",
                               std::chrono::seconds(5)))
      << "index.js did not draw the study list";
  EXPECT_EQ(browser.evaluate("document.body.dataset.injected ?? 'nothing'"), "nothing");

  browser.navigate(dashboard.url("/study?name=" + httplib::detail::encode_query_param(kStudy)));
  expect_nothing_ran(browser);
  ASSERT_TRUE(browser.wait_for("document.getElementById('live-status') !== null",
                               std::chrono::seconds(5)))
      << "dashboard.js did not run";
  const auto version = browser.evaluate("document.body.dataset.version ?? '0'").get<std::string>();
  tell_complete(0.97, 1e-4);  // a new front member: sections are swapped in live
  ASSERT_TRUE(browser.wait_for(
      fmt::format("(document.body.dataset.version ?? '0') !== '{}' && "
                  "document.querySelectorAll('#trial-table tbody tr').length === 5",
                  version),
      std::chrono::seconds(10)))
      << "no live update";
  ASSERT_TRUE(browser.wait_for(kImagesSettled, std::chrono::seconds(5)));
  EXPECT_EQ(browser.evaluate("document.body.dataset.injected ?? 'nothing'"), "nothing");
  expect_policy_refuses_late_markup(browser);
  for (const auto& line : browser.console()) {
    EXPECT_EQ(line.find("inline script"), std::string::npos) << "a page script was refused: " << line;
  }

  httplib::Client client("127.0.0.1", dashboard.port());
  for (const char* path : {"/", "/study?name=x"}) {
    const auto response = client.Get(path);
    ASSERT_TRUE(response);
    expect_strict_script_src(response->get_header_value("Content-Security-Policy"));
  }
}

}  // namespace
}  // namespace ecopt::dashboard
