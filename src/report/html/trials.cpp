// The trials table and the model card sections of the report page.
#include "html/sections.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/report/markdown_html.hpp"
#include "ecopt/report/model_card.hpp"

namespace ecopt::report::html {
namespace {

// A column name that may wrap after its underscores rather than widen the
// table: inference_samples_per_j.
std::string breakable(const std::string& name) {
  std::string out;
  for (const char c : html_escape(name)) {
    out += c;
    if (c == '_') out += "<wbr>";
  }
  return out;
}

// The header of the trial table; report.js writes its rows from the page's
// data, a hundred a page, each cell from the row field its header names.
std::string trials_table(const Page& page, const nlohmann::json& data) {
  const auto params = data["params"].get<std::vector<std::string>>();
  std::string out = "<div class=\"table-wrap\"><table id=\"trial-table\" class=\"sortable\"><thead><tr>"
                    "<th data-type=\"number\" data-field=\"number\">#</th><th data-field=\"state\">state</th>";
  for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
    const auto unit = data["objectives"][i]["unit"].get<std::string>();
    out += fmt::format("<th data-type=\"number\" data-field=\"values.{}\">{}{}</th>", i,
                       breakable(page.spec.objectives[i].name),
                       unit.empty() ? "" : " <span class=\"unit\">(" + html_escape(unit) + ")</span>");
  }
  // Every parameter has a column (the table scrolls sideways); the reader
  // may hide some with the chooser above it.
  for (std::size_t p = 0; p < params.size(); ++p) {
    out += fmt::format("<th class=\"param\" data-column=\"{}\" data-field=\"params.{}\">{}</th>",
                       html_escape(params[p]), p, breakable(params[p]));
  }
  return out + "<th data-type=\"number\" data-field=\"inference_j\">J per inference</th>"
               "<th data-type=\"number\" data-field=\"tuning_j\">tuning J</th>"
               "<th data-field=\"energy\">energy source</th>"
               "<th class=\"note\" data-field=\"fail_reason\">note</th></tr></thead><tbody></tbody></table></div>";
}

}  // namespace

// The fronts, chosen and baseline trials ride on the section element, so a
// live page learns of a new front with the section that shows it.
std::string trials_section(const Page& page, const nlohmann::json& data) {
  const std::size_t trials = page.context.trials.size();
  const std::size_t embedded = static_cast<std::size_t>(
      std::count_if(page.context.trials.begin(), page.context.trials.end(),
                    [&](const Trial& trial) { return detailed(page, trial.number); }));
  return fmt::format(
             "<section id=\"trials\" data-front=\"{}\"{} data-chosen=\"{}\" data-baseline=\"{}\">"
             "<h2>Trials</h2><p>{} trials, 100 a page. Click a column header to sort, a row for the "
             "trial's parameters, metrics and how its energy was measured{}.</p>",
             fmt::join(page.front, " "),
             page.context.posterior_front
                 ? fmt::format(" data-posterior-front=\"{}\"", fmt::join(page.posterior_front, " "))
                 : std::string(),
             page.chosen, page.baseline, format_count(double(trials)),
             embedded == trials
                 ? std::string()
                 : fmt::format(" (the energy records and metrics of {} trials — the front, the chosen "
                               "model and the baseline — are in this page; every trial's are in "
                               "trials.json and trials.csv)",
                               format_count(double(embedded)))) +
         "<details class=\"columns\" hidden><summary></summary><div></div></details>"
         "<div class=\"table-tools\"></div>" +
         trials_table(page, data) +
         "<noscript><p class=\"note\">The table needs JavaScript; trials.csv holds every trial.</p></noscript></section>";
}

std::string model_card_section(const Page& page) {
  const auto& context = page.context;
  // Kept as an empty element, so that a live page can fill it in later.
  if (!context.chosen) return "<section id=\"model-card\" hidden></section>";
  const std::string card = render_model_card({page.spec, context.trials, context.chosen->number,
                                              context.chosen->reason, context.carbon,
                                              context.impact});
  return "<section id=\"model-card\"><h2>Model card</h2><p class=\"note\"><code>ecopt "
         "report</code> also writes it as Markdown, <code>model-card.md</code>.</p>"
         "<div class=\"model-card\">" +
         markdown_to_html(card, 2) + "</div></section>";
}

}  // namespace ecopt::report::html
