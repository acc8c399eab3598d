// User strings in the report: HTML escaping, JSON safe inside <script>,
// Markdown cells, and a whole report of a hostile study.
#include <gtest/gtest.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/report/markdown_html.hpp"
#include "ecopt/report/report.hpp"
#include "known_study.hpp"

namespace ecopt::report {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlEscape, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain ünïcode"), "plain ünïcode");
}

TEST(JsonForScript, CannotCloseTheScriptOrOpenAComment) {
  const nlohmann::json value = {{"name", "</script><script>alert(1)</script><!-- \u2028\u2029 & end"}};
  const std::string safe = json_for_script(value);
  EXPECT_EQ(safe.find("</"), std::string::npos);
  EXPECT_EQ(safe.find("<!--"), std::string::npos);
  EXPECT_EQ(safe.find('<'), std::string::npos);
  EXPECT_EQ(safe.find("\u2028"), std::string::npos);
  EXPECT_EQ(safe.find("\u2029"), std::string::npos);
  EXPECT_NE(safe.find("\\u2028"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(safe), value);  // still the same JSON
}

TEST(JsonForScript, ReplacesInvalidUtf8InsteadOfThrowing) {
  const nlohmann::json value = {{"bytes", std::string("ok\xFF")}};
  EXPECT_NE(json_for_script(value).find("ok\xEF\xBF\xBD"), std::string::npos);
}

TEST(MarkdownEscape, KeepsTableCellsAndMarkupInert) {
  EXPECT_EQ(markdown_escape("a|b\nc <b>"), "a\\|b c &lt;b&gt;");
}

TEST(MarkdownToHtml, RendersTheCardsSubset) {
  const std::string markdown =
      "# Card: \"x\"\n\n> **Warning:** an estimate.\n\nChosen as `a|b`.\n\n"
      "## Model\n\n| Field | Value |\n|---|---|\n| Parameter a\\_b | x\\|y **z** |\n\n- one\n- two\n";
  EXPECT_EQ(markdown_to_html(markdown, 2),
            "<h3>Card: &quot;x&quot;</h3>"
            "<blockquote><p><strong>Warning:</strong> an estimate.</p></blockquote>"
            "<p>Chosen as <code>a|b</code>.</p>"
            "<h4>Model</h4>"
            "<table class=\"facts\"><thead><tr><th>Field</th><th>Value</th></tr></thead>"
            "<tbody><tr><td>Parameter a_b</td><td>x|y <strong>z</strong></td></tr></tbody></table>"
            "<ul><li>one</li><li>two</li></ul>");
}

TEST(MarkdownToHtml, NothingInTheTextBecomesMarkup) {
  // Raw HTML, markdown_escape's entities, and an unclosed bold.
  const std::string hostile = "<script>alert(1)</script> **open &lt;img src=x onerror=y&gt; &amp;lt;";
  const std::string html = markdown_to_html("| " + markdown_escape(hostile) + " |\n" + hostile);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  // The escaped cell reads back as the text it was made from.
  EXPECT_NE(html.find("<td>&lt;script&gt;alert(1)&lt;/script&gt; **open &amp;lt;img src=x "
                      "onerror=y&amp;gt; &amp;amp;lt;</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<strong>open &lt;img src=x onerror=y&gt; &amp;lt;</strong></p>"), std::string::npos)
      << html;
}

TEST(HtmlReport, HostileStudyNameAndParameterValueStayInert) {
  const std::string hostile_name = R"(<script>alert(1)</script> "quoted" 'single')";
  const std::string hostile_value = "</script><script>alert(2)</script><!--";
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_known_study(*storage, hostile_name, hostile_value);
  // A hostile parameter name and fail reason too.
  const Trial extra = storage->create_trial(study.id, nlohmann::json::object());
  storage->set_trial_params(extra.id, {{"x\"><img src=x onerror=alert(3)>", 1.0}});
  storage->finish_trial(extra.id, {TrialState::Failed, {}, {}, "<b onmouseover=alert(4)>boom</b>"});
  const auto trials = storage->trials(study.id);

  ReportOptions options;
  options.study_name = hostile_name;
  options.carbon = {400.0, std::nullopt, 1.2};
  const std::string html = render_html_report(study, trials, storage->describe(), options);

  EXPECT_EQ(count(html, "<script"), 4u)
      << "only the page's and the selection panel's data blocks and the two page scripts";
  EXPECT_EQ(count(html, "</script>"), 4u);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b onmouseover"), std::string::npos);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;&lt;!--"),
            std::string::npos);
  // The fail reason reaches the page only in its data, which report.js
  // shows as text.
  EXPECT_NE(html.find(R"(\u003cb onmouseover=alert(4)\u003eboom\u003c/b\u003e)"), std::string::npos);
}

}  // namespace
}  // namespace ecopt::report

namespace ecopt::report {
namespace {

std::string render_study(const StudySpec& spec, const std::vector<std::vector<double>>& values) {
  auto storage = open_storage("memory");
  const StudyRecord study = storage->create_study(spec, nlohmann::json::object());
  for (const auto& trial_values : values) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    storage->set_trial_params(trial.id, {{"x", trial_values[0]}});
    storage->finish_trial(trial.id, {TrialState::Complete, trial_values, {}, std::nullopt});
  }
  ReportOptions options;
  options.study_name = spec.name;
  return render_html_report(study, storage->trials(study.id), storage->describe(), options);
}

TEST(HtmlReport, HandlesNoTrialsOneObjectiveAndThreeObjectives) {
  StudySpec empty;
  empty.name = "empty";
  empty.objectives = objectives_from_directions("maximize,minimize");
  const std::string none = render_study(empty, {});
  EXPECT_NE(none.find("No complete trial yet"), std::string::npos);

  StudySpec single;
  single.name = "single";
  single.objectives = objectives_from_directions("minimize");
  const std::string one = render_study(single, {{3.0}, {1.0}, {2.0}});
  EXPECT_NE(one.find("trial number"), std::string::npos);  // objective by trial
  // No accuracy or energy recorded: the model card falls back to the knee.
  EXPECT_NE(one.find("the knee of the Pareto front"), std::string::npos);

  StudySpec triple;
  triple.name = "triple";
  triple.objectives = objectives_from_directions("minimize,minimize,maximize");
  const std::string three = render_study(triple, {{1, 2, 3}, {2, 1, 3}, {3, 3, 1}, {0.5, 4, 2}});
  // Pairwise views: (0,1), (0,2), (1,2).
  EXPECT_NE(three.find("Pairwise views"), std::string::npos);
  std::size_t charts = 0;
  for (auto at = three.find("aria-label=\"objective_"); at != std::string::npos;
       at = three.find("aria-label=\"objective_", at + 1)) {
    ++charts;
  }
  EXPECT_GE(charts, 3u + 3u);  // 3 pairwise + one per objective for x
}

}  // namespace
}  // namespace ecopt::report
