// User strings in the report: HTML escaping, JSON safe inside <script>,
// Markdown cells, and a whole report of a hostile study.
#include <gtest/gtest.h>

#include "ecopt/report/escape.hpp"
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
  options.carbon = {400.0, 1.2, "test"};
  const std::string html = render_html_report(study, trials, storage->describe(), options);

  EXPECT_EQ(count(html, "<script"), 2u) << "only the data block and the page script";
  EXPECT_EQ(count(html, "</script>"), 2u);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b onmouseover"), std::string::npos);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;&lt;!--"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;b onmouseover=alert(4)&gt;boom&lt;/b&gt;"), std::string::npos);
}

}  // namespace
}  // namespace ecopt::report
