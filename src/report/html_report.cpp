// The HTML page of `ecopt report`: server-side SVG charts, a sortable trial
// table and a details drawer driven by a little vanilla JS. Every user
// string goes through html_escape; the embedded data through
// json_for_script.
#include <fmt/format.h>

#include "assets.hpp"
#include "html/sections.hpp"
#include "page_data.hpp"
#include "ecopt/core/escape.hpp"
#include "report_context.hpp"

namespace ecopt::report {
namespace {

const char* kNav =
    R"(<nav><a href="#pareto">Pareto front</a><a href="#choose">Choosing</a><a href="#hypervolume">Hypervolume</a><a href="#tuning">Tuning energy</a><a href="#history">History</a><a href="#importance">Importance</a><a href="#parameters">Parameters</a><a href="#contour">Contour</a><a href="#parallel">Parallel coordinates</a><a href="#proxies">Proxies</a><a href="#impact">Carbon &amp; impact</a><a href="#trials">Trials</a><a href="#model-card">Model card</a></nav>)";

}  // namespace

ReportPage render_page(const ReportContext& context) {
  using namespace html;
  const Page page = make_page(context);
  std::vector<std::string> units;
  for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
    units.push_back(objective_unit(page.spec.objectives[i], objective_values(page, i)));
  }
  nlohmann::json data = page_data(
      {page.spec, context.trials, units, [&](std::int64_t number) { return detailed(page, number); }});
  return {page.spec.name + " · ECOpt report",
          {{"summary", "<div id=\"summary\">" + summary_section(page) + "</div>"},
           {"running", running_section(page)},
           {"budget", budget_section(page)},
           {"pareto", pareto_section(page)},
           {"choose", selection_section(page)},
           {"hypervolume", hypervolume_section(page)},
           {"tuning", tuning_section(page)},
           {"history", history_section(page)},
           {"importance", importance_section(page)},
           {"parameters", param_plots_section(page)},
           {"contour", contour_section(page)},
           {"parallel", parallel_section(page)},
           {"proxies", proxies_section(page)},
           {"impact", impact_section(page)},
           {"trials", trials_section(page, data)},
           {"model-card", model_card_section(page)},
           {"method", method_section(page)}},
          std::move(data)};
}

std::string content_security_policy(const std::vector<std::string_view>& other_scripts,
                                    bool fetches) {
  static const std::string report_scripts =
      csp_script_hash(assets::kReportJs) + ' ' + csp_script_hash(assets::kChooseJs);
  std::string scripts = report_scripts;
  for (const auto script : other_scripts) {
    scripts += ' ';
    scripts += csp_script_hash(script);
  }
  return fmt::format("default-src 'none'; script-src {}; style-src 'unsafe-inline'; "
                     "img-src data:; base-uri 'none'; form-action 'none'{}",
                     scripts, fetches ? "; connect-src 'self'" : "");
}

std::string page_document(const ReportPage& page, const LiveUpdates* live) {
  // Our own text and base64 only: nothing in it needs escaping.
  const std::string policy = live ? content_security_policy({live->script}, true)
                                  : content_security_policy();
  std::string out = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"" + policy +
                    "\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + html_escape(page.title) + "</title><style>";
  out += assets::kReportCss;
  out += assets::kChooseCss;
  out += "</style></head><body><div class=\"page\">";
  for (std::size_t i = 0; i < page.sections.size(); ++i) {
    out += page.sections[i].html;
    if (i == 0) out += kNav;  // the navigation never changes
  }
  out += "</div><aside id=\"trial-details\" hidden></aside>";
  out += "<script type=\"application/json\" id=\"ecopt-data\">" + json_for_script(page.data) +
         "</script><script>";
  out += assets::kReportJs;
  out += "</script><script>";
  out += assets::kChooseJs;
  out += "</script>";
  if (live) {
    out += "<script type=\"application/json\" id=\"ecopt-live\">" +
           json_for_script(live->settings) + "</script><script>" + std::string(live->script) +
           "</script>";
  }
  out += "</body></html>\n";
  return out;
}

std::string render_html(const ReportContext& context) {
  return page_document(render_page(context));
}

}  // namespace ecopt::report
