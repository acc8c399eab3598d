// The report's selection panel as HTML (issue 30): a limit input per
// objective on its good side, the rules named by the library, and the
// front's members embedded with their exact values and parameters, which
// choose.js picks from (selection_browser_test runs it against the CLI).
#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "choice_study.hpp"
#include "page_text.hpp"
#include "ecopt/report/report.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/trial_selection.hpp"

namespace ecopt::report {
namespace {

using testing::all;
using testing::render;

std::string section(const std::string& html, const std::string& id) {
  const auto start = html.find("<section id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</section>", start) + 10 - start);
}

nlohmann::json embedded_choice(const std::string& html) {
  const std::string open = "<script type=\"application/json\" class=\"choose-data\">";
  const auto start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const auto from = start + open.size();
  return nlohmann::json::parse(html.substr(from, html.find("</script>", from) - from));
}

TEST(SelectionPanel, EmbedsTheFrontWithExactValuesAndSaysWhatTheKneePicks) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_choice_study(*storage, "choose");
  const std::vector<Trial> trials = storage->trials(study.id);
  const std::string html = section(render(*storage, study), "choose");
  ASSERT_FALSE(html.empty());

  const Selection knee = select_trials(trials, study.spec, {}, PickRule{});
  ASSERT_GE(knee.candidates.size(), 3u);
  const nlohmann::json data = embedded_choice(html);
  ASSERT_TRUE(data.is_object()) << html;
  ASSERT_EQ(data["members"].size(), knee.candidates.size());
  for (std::size_t i = 0; i < knee.candidates.size(); ++i) {
    const Trial& member = knee.candidates[i];
    const nlohmann::json& embedded = data["members"][i];
    EXPECT_EQ(embedded["number"], member.number);
    // Every digit: the page's arithmetic runs on the CLI's doubles.
    EXPECT_EQ(embedded["values"].get<std::vector<double>>(), member.values);
    EXPECT_EQ(embedded["params"], to_json(member.params));
    EXPECT_EQ(testing::study_file_with(embedded["enqueue"].get<std::string>())
                  .enqueue.at(0),
              member.params);
  }
  EXPECT_EQ(data["objectives"], nlohmann::json::parse(R"([{"name": "accuracy", "maximize": true},
                                                          {"name": "inference_j", "maximize": false}])"));

  // A floor on accuracy, a ceiling on energy; empty.
  EXPECT_EQ(all(html, R"(<label>([^<]*)<(?:span|input))"),
            (std::vector<std::string>{"accuracy ≥ ", "inference_j ≤ ", "accuracy", "inference_j"}));
  EXPECT_EQ(all(html, R"re(data-limit="\d" value="([^"]*)")re"), (std::vector<std::string>{"", ""}));
  // The rules, named by the library's words.
  EXPECT_EQ(all(html, R"re(<option value="([^"]*)")re"),
            (std::vector<std::string>{"knee", "weighted", "max:accuracy", "min:inference_j"}));
  EXPECT_NE(html.find("data-rule=\"" + knee.rule + "\""), std::string::npos);
  // Before the script runs: the knee's pick with no limit.
  EXPECT_NE(html.find(fmt::format("Trial {} picked from {} trials on the front of those feasible by the {}.",
                                  knee.picked->number, knee.candidates.size(), knee.rule)),
            std::string::npos)
      << html;
}

TEST(SelectionPanel, SaysThereIsNothingToChooseFromWithoutACompleteTrial) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_choice_study(*storage, "empty", 0);
  const std::string html = section(render(*storage, study), "choose");
  EXPECT_NE(html.find("No complete feasible trial yet: nothing to choose from."), std::string::npos) << html;
  EXPECT_TRUE(embedded_choice(html).is_null());
}

}  // namespace
}  // namespace ecopt::report
