// The report's selection panel in headless Chromium against the real
// `ecopt best-trials --where --pick` on the same SQLite study (issue 30):
// for each limit and rule typed into the page, the same candidates, the
// same picked trial, and a downloaded JSON equal to --params-out's; at 1280
// and 1920 px, the layout fitting and no console message.
#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "choice_study.hpp"
#include "chromium.hpp"
#include "ecopt/report/report.hpp"
#include "ecopt/study/study_file.hpp"
#include "subprocess.hpp"

namespace ecopt::report {
namespace {

namespace fs = std::filesystem;

const std::string kEcopt = std::string(ECOPT_BINARY_DIR) + "/src/cli/ecopt";

// Types into the panel as a reader does: focus, select all, insert.
const char* const kTypeScript = R"js(window.typeInto = (selector, text) => {
  const field = document.querySelector(selector);
  field.focus();
  document.execCommand('selectAll');
  if (text === '') document.execCommand('delete'); else document.execCommand('insertText', false, text);
  return field.value;
};
window.chooseRule = (value) => {
  const select = document.querySelector('#choose select');
  select.value = value;
  select.dispatchEvent(new Event('input', { bubbles: true }));
};
true)js";

struct Case {
  std::string accuracy_floor;  // "" for none
  std::string energy_ceiling;
  std::string pick;
  std::vector<std::string> weights;  // weighted:
};

std::string where_of(const Case& c) {
  std::vector<std::string> parts;
  if (!c.accuracy_floor.empty()) parts.push_back("accuracy>=" + c.accuracy_floor);
  if (!c.energy_ceiling.empty()) parts.push_back("inference_j<=" + c.energy_ceiling);
  return fmt::format("{}", fmt::join(parts, ","));
}

class SelectionPanelInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    ECOPT_SKIP_WITHOUT_CHROMIUM();
    url = "sqlite:///" + (scratch / "choose.db").string();
    auto storage = open_storage(url);
    testing::make_choice_study(*storage, "choose");
    ReportOptions options;
    options.study_name = "choose";
    options.out_dir = scratch / "report";
    page = "file://" + write_report(*storage, options).html.string();
  }

  ecopt::testing::ProcessResult best_trials(std::vector<std::string> extra) const {
    std::vector<std::string> args = {kEcopt, "best-trials", "--storage", url, "--study-name", "choose",
                                     "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ecopt::testing::run_process(args, scratch);
  }

  std::vector<std::int64_t> cli_candidates(const std::string& where) const {
    const auto listed = best_trials(where.empty() ? std::vector<std::string>{} : std::vector<std::string>{"--where", where});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::int64_t> numbers;
    for (const auto& trial : nlohmann::json::parse(listed.out)) numbers.push_back(trial["number"]);
    return numbers;
  }

  // {"trial", "rule", "params"} as --params-out writes it; null when no trial is picked.
  nlohmann::json cli_pick(const Case& c) const {
    const fs::path out = scratch / "picked.json";
    fs::remove(out);
    std::vector<std::string> extra = {"--pick", c.pick, "--params-out", out.string()};
    if (!where_of(c).empty()) extra.insert(extra.end(), {"--where", where_of(c)});
    const auto run = best_trials(extra);
    if (run.exit_code != 0) return nullptr;
    return nlohmann::json::parse(ecopt::testing::read_file(out));
  }

  ecopt::testing::TempDir scratch_dir{"selection"};  // removed with the fixture
  fs::path scratch = scratch_dir.path();
  std::string url;
  std::string page;
};

nlohmann::json wait_for_download(const fs::path& file) {
  for (int i = 0; i < 100; ++i) {
    if (fs::exists(file)) {
      try {
        return nlohmann::json::parse(ecopt::testing::read_file(file));
      } catch (const nlohmann::json::exception&) {
        // Still being written.
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

TEST_F(SelectionPanelInChromium, PicksWhatTheCliPicksForEachLimitAndRuleAt1280And1920) {
  // Floors and ceilings that cut the front, from the front itself.
  const auto front = nlohmann::json::parse(best_trials({}).out);
  ASSERT_GE(front.size(), 4u);
  std::vector<double> accuracies, energies;
  for (const auto& trial : front) {
    accuracies.push_back(trial["values"][0]);
    energies.push_back(trial["values"][1]);
  }
  std::sort(accuracies.begin(), accuracies.end());
  std::sort(energies.begin(), energies.end());
  const std::string floor = fmt::format("{:.3f}", accuracies[accuracies.size() / 2]);
  const std::string ceiling = fmt::format("{:.3g}", energies[energies.size() * 3 / 4]);
  const std::vector<Case> cases = {{"", "", "knee", {}},
                                   {floor, "", "knee", {}},
                                   {floor, "", "weighted", {"1", "3"}},
                                   {"", ceiling, "max:accuracy", {}},
                                   {floor, ceiling, "min:inference_j", {}},
                                   {"", "", "weighted", {"0.5", "0"}},
                                   {"0.9999", "", "knee", {}}};

  for (const int width : {1280, 1920}) {
    SCOPED_TRACE(fmt::format("{} px", width));
    ecopt::testing::ChromiumSession browser(scratch / std::to_string(width), width, 1000);
    const fs::path downloads = scratch / fmt::format("downloads-{}", width);
    fs::create_directories(downloads);
    browser.allow_downloads(downloads);
    browser.navigate(page);
    ASSERT_EQ(browser.evaluate(kTypeScript), true);
    std::set<std::int64_t> picked_numbers;
    for (const Case& c : cases) {
      Case cli = c;
      if (c.pick == "weighted") cli.pick = fmt::format("weighted:{}", fmt::join(c.weights, ","));
      SCOPED_TRACE(where_of(c) + " " + cli.pick);
      EXPECT_EQ(browser.evaluate(fmt::format("typeInto('#choose input[data-limit=\"0\"]', '{}')", c.accuracy_floor)),
                c.accuracy_floor);
      browser.evaluate(fmt::format("typeInto('#choose input[data-limit=\"1\"]', '{}')", c.energy_ceiling));
      browser.evaluate(fmt::format("chooseRule('{}')", c.pick));
      for (std::size_t j = 0; j < c.weights.size(); ++j) {
        browser.evaluate(fmt::format("typeInto('#choose input[data-weight=\"{}\"]', '{}')", j, c.weights[j]));
      }

      const auto rows = browser.evaluate(
          "Array.from(document.querySelectorAll('#choose .choose-table tbody tr')).map((r) => Number(r.dataset.trial))");
      EXPECT_EQ(rows.get<std::vector<std::int64_t>>(), cli_candidates(where_of(c)));
      const nlohmann::json expected = cli_pick(cli);
      const auto picked = browser.evaluate("document.getElementById('choose').dataset.picked ?? null");
      if (expected.is_null()) {
        EXPECT_TRUE(picked.is_null());
        EXPECT_EQ(browser.evaluate("document.querySelector('#choose .choose-pick').textContent"),
                  "No trial on the front satisfies " + where_of(c) + ": loosen a limit.");
        continue;
      }
      ASSERT_EQ(picked, std::to_string(expected["trial"].get<std::int64_t>()));
      picked_numbers.insert(expected["trial"].get<std::int64_t>());
      EXPECT_EQ(browser.evaluate("document.querySelector('#choose tr.picked').dataset.trial"), picked);
      EXPECT_EQ(browser.evaluate("document.querySelector('#choose .choose-cli').textContent"),
                "The same from the command line: ecopt best-trials --study-name 'choose'" +
                    (where_of(c).empty() ? "" : " --where '" + where_of(c) + "'") + " --pick '" + cli.pick + "'");

      // The JSON the page downloads is --params-out's.
      const fs::path file = downloads / ("trial-" + picked.get<std::string>() + ".json");
      fs::remove(file);
      browser.evaluate("document.querySelector('#choose .choose-export a').click(), true");
      EXPECT_EQ(wait_for_download(file), expected);
      // For docs/report.md: the panel with a floor on accuracy and weights.
      if (const char* screenshots = std::getenv("ECOPT_SCREENSHOT_DIR"); screenshots && width == 1280 &&
                                                                        c.pick == "weighted" && !c.accuracy_floor.empty()) {
        std::ofstream(fs::path(screenshots) / "choose.png", std::ios::binary) << browser.screenshot_png("#choose");
        std::ofstream(fs::path(screenshots) / "contour.png", std::ios::binary) << browser.screenshot_png("#contour");
      }
    }
    // The cases are not all one answer.
    EXPECT_GE(picked_numbers.size(), 3u);
    EXPECT_TRUE(browser.evaluate(ecopt::testing::kOverflowScript).empty())
        << browser.evaluate(ecopt::testing::kOverflowScript).dump();
    EXPECT_TRUE(browser.console().empty()) << browser.console().front();
  }
}

// The dashboard swaps in a new section when the front changes (its
// outerHTML, as dashboard.js does): the limit and rule typed stay, and the
// pick is made again from them.
TEST_F(SelectionPanelInChromium, KeepsWhatWasTypedWhenALivePageReplacesTheSection) {
  ecopt::testing::ChromiumSession browser(scratch / "browser", 1280, 1000);
  browser.navigate(page);
  ASSERT_EQ(browser.evaluate(kTypeScript), true);
  browser.evaluate("window.served = document.getElementById('choose').outerHTML, true");
  const auto knee = browser.evaluate("document.getElementById('choose').dataset.picked");
  browser.evaluate("chooseRule('min:inference_j')");
  browser.evaluate("typeInto('#choose input[data-limit=\"0\"]', '0.8')");
  const auto typed = browser.evaluate("document.getElementById('choose').dataset.picked");
  ASSERT_NE(typed, knee);
  browser.evaluate("document.getElementById('choose').outerHTML = window.served, true");
  ASSERT_TRUE(browser.wait_for("document.getElementById('choose').dataset.picked === " + typed.dump(),
                               std::chrono::seconds(5)));
  EXPECT_EQ(browser.evaluate("document.querySelector('#choose input[data-limit=\"0\"]').value"), "0.8");
  EXPECT_EQ(browser.evaluate("document.querySelector('#choose select').value"), "min:inference_j");
  EXPECT_TRUE(browser.console().empty()) << browser.console().front();
}

// The study-file snippet the page downloads, appended to a study file,
// queues the picked trial's parameters.
TEST_F(SelectionPanelInChromium, TheStudyFileSnippetQueuesThePickedTrial) {
  ecopt::testing::ChromiumSession browser(scratch / "browser", 1280, 1000);
  browser.allow_downloads(scratch);
  browser.navigate(page);
  const auto picked = browser.evaluate("document.getElementById('choose').dataset.picked").get<std::string>();
  browser.evaluate("document.querySelectorAll('#choose .choose-export a')[1].click(), true");
  const fs::path file = scratch / ("trial-" + picked + ".toml");
  for (int i = 0; i < 100 && !fs::exists(file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string snippet = ecopt::testing::read_file(file);
  EXPECT_EQ(snippet.rfind("# trial " + picked + " of study choose, picked from ", 0), 0u) << snippet;
  const nlohmann::json expected = cli_pick({"", "", "knee", {}});
  const StudyFile study_file = testing::study_file_with(snippet);
  ASSERT_EQ(study_file.enqueue.size(), 1u);
  EXPECT_EQ(to_json(study_file.enqueue[0]), expected["params"]);
  EXPECT_TRUE(browser.console().empty()) << browser.console().front();
}

}  // namespace
}  // namespace ecopt::report
