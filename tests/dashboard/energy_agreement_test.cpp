// One study measured on a machine-wide meter by two workers whose trials
// overlap (issue 23): `ecopt tune`, the study attribute, `ecopt report`
// (header card, net impact, model card, the page's data, trials.csv and
// trials.json) and the dashboard's feed state one tuning energy, each
// trial's gross × attributed_fraction. Real binary, real SQLite, real HTTP;
// only the CPU package is a fake powercap zone (this machine has no RAPL).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/command_study.hpp"
#include "support/fake_powercap.hpp"
#include "support/scoped_env.hpp"
#include "support/subprocess.hpp"
#include "support/text_lines.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/report/report.hpp"
#include "ecopt/storage/storage.hpp"
#include "running_dashboard.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;

// Each trial measures an inference phase of 1,000 samples, so the report
// has a chosen model, a baseline and a net impact.
std::string write_study(const std::filesystem::path& dir, const std::string& url) {
  const auto script = dir / "trial.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                           "sleep 0.1\n"
                           "echo 'ECOPT {\"event\": \"begin\", \"phase\": \"inference\"}'\n"
                           "sleep 0.1\n"
                           "echo 'ECOPT {\"event\": \"end\", \"phase\": \"inference\", \"samples\": 1000}'\n"
                           "echo \"ECOPT {\\\"quality\\\": $ECOPT_PARAM_X}\"\n";
  return testing::command_study(dir, "agree", url, 8, script, "", "", R"(
[energy]
allow_estimate = false
[[objectives]]
name = "quality"
direction = "maximize"
[[objectives]]
name = "inference_j_per_sample"
direction = "minimize")");
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CSV line cut at every comma, its CRLF dropped.
std::vector<std::string> split(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"ecopt-data\">";
  const auto start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const auto end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

TEST(EnergyAgreement, TuneReportAndDashboardStateOneAttributedTuningEnergy) {
  testing::TempDir dir("agreement");
  testing::FakePowercapZone package(dir.path());
  package.start_moving(20.0);
  testing::ScopedEnv powercap("ECOPT_POWERCAP_ROOT", package.root());
  testing::ScopedEnv leases("ECOPT_LEASE_DIR", (dir / "leases").string());
  const std::string url = "sqlite:///" + (dir / "agree.db").string();
  const auto study_file = write_study(dir.path(), url);

  const auto tuned = testing::run_process(
      {ECOPT_CLI_PATH, "tune", study_file, "--workers", "2", "--allow-shared"}, dir.path());
  ASSERT_EQ(tuned.exit_code, 0) << tuned.out << tuned.err;
  ASSERT_THAT(tuned.out, HasSubstr("via rapl-powercap")) << tuned.out;

  // The oracle: each trial's own share, from its stored record's fields.
  auto storage = open_storage(url);
  const auto study = storage->find_study("agree");
  ASSERT_TRUE(study.has_value());
  const auto trials = storage->trials(study->id);
  ASSERT_EQ(trials.size(), 8u);
  std::map<std::int64_t, double> own_j;
  double total_j = 0.0;
  double gross_total_j = 0.0;
  int overlapped = 0;
  for (const auto& trial : trials) {
    const auto& record = trial.user_attrs.at("energy").at("trial");
    own_j[trial.number] = record.at("attributed_fraction").get<double>() * record.at("gross_j").get<double>();
    total_j += own_j[trial.number];
    gross_total_j += record.at("gross_j").get<double>();
    if (record.at("attributed_fraction").get<double>() < 0.99) ++overlapped;
  }
  ASSERT_GT(overlapped, 0) << "the two workers' trials should overlap";
  ASSERT_GT(gross_total_j, 1.01 * total_j);
  const std::string total = format_joules(total_j);

  // ecopt tune: the closing line and the study attribute.
  EXPECT_THAT(testing::last_line_starting(tuned.out, "tuning energy "), HasSubstr("tuning energy " + total + " ("));
  EXPECT_NEAR(study->user_attrs.value("tuning_energy_j", -1.0), total_j, 1e-9 * total_j);
  const auto reread = storage->find_study("agree");
  EXPECT_NEAR(reread->user_attrs.value("tuning_energy_j", -1.0), total_j, 1e-9 * total_j);

  // ecopt report: cards, impact, model card, page data, CSV and JSON.
  const auto reported = testing::run_process(
      {ECOPT_CLI_PATH, "report", "--storage", url, "--study-name", "agree", "--out", (dir / "out").string()},
      dir.path());
  ASSERT_EQ(reported.exit_code, 0) << reported.err;
  const std::string html = read_text(dir / "out" / "report.html");
  std::smatch card;
  ASSERT_TRUE(std::regex_search(html, card, std::regex("<b>([^<]+)</b><span>spent on tuning")));
  EXPECT_EQ(card[1], total);
  EXPECT_THAT(html, HasSubstr("<td>" + total + " over 8 trials"));
  EXPECT_THAT(read_text(dir / "out" / "model-card.md"), HasSubstr("| " + total + " ("));
  const auto rows = report::trial_rows(page_data(html));
  ASSERT_EQ(rows.size(), 8u);
  for (const auto& [number, row] : rows) {
    EXPECT_NEAR(row.at("tuning_j").get<double>(), own_j[number], 1e-3 * own_j[number]) << number;
  }
  const auto json = nlohmann::json::parse(read_text(dir / "out" / "trials.json"));
  for (const auto& trial : json.at("trials")) {
    EXPECT_DOUBLE_EQ(trial.value("tuning_energy_j", -1.0), own_j[trial.at("number").get<std::int64_t>()]);
  }
  // trials.csv: the column counted from the end (JSON cells hold commas).
  std::istringstream csv(read_text(dir / "out" / "trials.csv"));
  std::string line;
  std::getline(csv, line);
  const auto header = split(line);
  const auto column = std::find(header.begin(), header.end(), "tuning_energy_j");
  ASSERT_NE(column, header.end()) << line;
  const auto from_end = header.end() - column;
  for (const auto& trial : trials) {
    std::getline(csv, line);
    const auto cells = split(line);
    EXPECT_EQ(*(cells.end() - from_end), fmt::format("{}", own_j[trial.number])) << line;
  }

  // The dashboard's feed: the same rows and the same card.
  dashboard::testing::RunningDashboard dashboard(dashboard::testing::test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());
  const auto response = client.Get("/api/changes?name=agree&since=0");
  ASSERT_TRUE(response && response->status == 200);
  const auto changes = nlohmann::json::parse(response->body);
  ASSERT_EQ(changes.at("trials").size(), 8u);
  for (const auto& row : changes.at("trials")) {
    const auto number = row.at("number").get<std::int64_t>();
    EXPECT_NEAR(row.at("tuning_j").get<double>(), own_j[number], 1e-3 * own_j[number]) << number;
  }
  std::string summary;
  std::string trials_section;
  for (const auto& section : changes.at("sections")) {
    if (section.at("id") == "summary") summary = section.at("html");
    if (section.at("id") == "trials") trials_section = section.at("html");
  }
  EXPECT_THAT(summary, HasSubstr("<b>" + total + "</b><span>spent on tuning"));

  // One front and one set of flags: best-trials, the report and the
  // dashboard name the same members, and each trial's flags agree.
  const auto best = testing::run_process(
      {ECOPT_CLI_PATH, "best-trials", "--storage", url, "--study-name", "agree"}, dir.path());
  ASSERT_EQ(best.exit_code, 0) << best.err;
  std::vector<std::string> members;
  for (const auto& trial : nlohmann::json::parse(best.out)) members.push_back(std::to_string(trial.at("number").get<int>()));
  const std::string front = fmt::format("data-front=\"{}\"", fmt::join(members, " "));
  EXPECT_THAT(html, HasSubstr(front));
  EXPECT_THAT(trials_section, HasSubstr(front));
  for (const auto& row : changes.at("trials")) {
    const auto number = row.at("number").get<std::int64_t>();
    EXPECT_EQ(row.at("energy").at("flags"), rows.at(number).at("energy").at("flags")) << number;
  }
}

}  // namespace
}  // namespace ecopt
