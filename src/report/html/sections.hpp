#pragma once
// The sections of the report's HTML page, each in the file its name says
// (src/report/html/); render_page (html_report.cpp) puts them in order.
#include <string>

#include <nlohmann/json.hpp>

#include "html/page.hpp"

namespace ecopt::report::html {

std::string summary_section(const Page& page);      // summary.cpp: the header and cards
std::string running_section(const Page& page);      // running.cpp: RUNNING trials, curves and logs
std::string budget_section(const Page& page);       // budget.cpp: n_trials and [budget] progress
std::string pareto_section(const Page& page);       // front.cpp
std::string hypervolume_section(const Page& page);  // front.cpp
std::string selection_section(const Page& page);    // selection.cpp: limits and a rule pick a trial
std::string tuning_section(const Page& page);       // tuning.cpp
std::string history_section(const Page& page);      // history.cpp
std::string importance_section(const Page& page);   // parameters.cpp
std::string param_plots_section(const Page& page);  // parameters.cpp
std::string contour_section(const Page& page);      // contour.cpp: an objective over two parameters
std::string parallel_section(const Page& page);     // parameters.cpp
std::string proxies_section(const Page& page);      // parameters.cpp
std::string impact_section(const Page& page);       // impact.cpp
std::string trials_section(const Page& page, const nlohmann::json& data);  // trials.cpp
std::string model_card_section(const Page& page);   // trials.cpp
std::string method_section(const Page& page);       // summary.cpp

// A parameter's axis on every chart: its declared scale, else one guessed
// from its values (parameters.cpp).
svg::Axis parameter_axis(const Page& page, const std::string& name);

// One objective by trial number with its best value so far (history.cpp);
// the front section draws it for a study of one objective, `ringed` (the
// members of the front by posterior means circled).
std::string objective_history_chart(const Page& page, std::size_t objective, int width, bool ringed);

}  // namespace ecopt::report::html
