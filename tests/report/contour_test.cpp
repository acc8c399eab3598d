// The report's contour section (issue 30): each objective over the two
// numeric parameters that explain most of its variance, as cells holding
// the mean objective of their trials (estimated where none falls), darker
// for better, with the trials drawn on top; categorical and fixed
// parameters left out.
#include <map>
#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "choice_study.hpp"
#include "ecopt/report/report.hpp"

namespace ecopt::report {
namespace {

std::string contour_section(Storage& storage, const StudyRecord& study) {
  ReportOptions options;
  options.study_name = study.spec.name;
  const std::string html = render_html_report(study, storage.trials(study.id), storage.describe(), options);
  const auto start = html.find("<section id=\"contour\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</section>", start) + 10 - start);
}

TEST(ContourSection, ShadesEachObjectiveOverItsTwoMostImportantNumericParameters) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_choice_study(*storage, "contour");
  const std::string html = contour_section(*storage, study);
  ASSERT_FALSE(html.empty());
  // width and lr: optimizer is categorical, dropout the same in every trial.
  EXPECT_NE(html.find("aria-label=\"accuracy over width and lr\""), std::string::npos) << html;
  EXPECT_NE(html.find("aria-label=\"inference_j over width and lr\""), std::string::npos) << html;
  for (const char* left_out : {"dropout", "optimizer"}) {  // named only in the points' hover text
    EXPECT_FALSE(std::regex_search(html, std::regex(fmt::format(R"((aria-label="|<figcaption>|<title>)[^"<\n]*{})", left_out))))
        << left_out;
  }

  // 39 complete trials: round(sqrt(39 / 2)) = 4 bins a side, per chart.
  const std::regex cell(R"re(<rect( class="faded" fill-opacity="0.5")? x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="(#[0-9a-f]{6})"><title>width ([^,]*), lr ([^:]*): (\w+) (≈ )?([-+0-9.e]+)(?:, the mean of (\d+) trials?)?)re");
  std::map<std::string, std::size_t> trials_in_cells, cells;
  std::map<std::string, std::pair<double, std::string>> best;  // objective -> (best mean, its fill)
  for (std::sregex_iterator it(html.begin(), html.end(), cell), end; it != end; ++it) {
    const auto& m = *it;
    const std::string objective = m[5];
    ++cells[objective];
    EXPECT_EQ(m[1].matched, !m[8].matched) << "a cell is estimated exactly when it holds no trial: " << m[0];
    if (m[8].matched) trials_in_cells[objective] += std::stoul(m[8]);
    const double mean = std::stod(m[7]);
    const bool better = !best.count(objective) ||
                        (objective == "accuracy" ? mean > best[objective].first : mean < best[objective].first);
    if (better) best[objective] = {mean, m[2]};
  }
  const std::size_t complete = 39;  // 40 trials, one failed (choice_study.hpp)
  for (const char* objective : {"accuracy", "inference_j"}) {
    SCOPED_TRACE(objective);
    EXPECT_EQ(cells[objective], 16u);
    EXPECT_EQ(trials_in_cells[objective], complete) << "every complete trial in one cell";
    EXPECT_EQ(best[objective].second, "#1d3f66") << "the best mean is the darkest cell";
  }
  // The trials on top: one marker per complete trial per chart.
  std::size_t markers = 0;
  for (auto at = html.find("<circle class=\"pt "); at != std::string::npos; at = html.find("<circle class=\"pt ", at + 1)) {
    ++markers;
  }
  EXPECT_EQ(markers, 2 * complete);
}

TEST(ContourSection, SaysWhenTooFewTrialsHoldTwoNumericParameters) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_choice_study(*storage, "few", 5);
  EXPECT_NE(contour_section(*storage, study).find("Fewer than 8 complete trials."), std::string::npos);
}

}  // namespace
}  // namespace ecopt::report
