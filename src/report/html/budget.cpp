// The budget section of the report page: how close the study is to each
// rule that ends its runs (n_trials and [budget]), judged by the runner's
// own code (study/budget.hpp), and why its last run stopped.
#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/study/budget.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

// Where the rule is set: "[study] n_trials", "[budget] energy_kwh".
std::string setting(const BudgetProgress& rule) {
  return (rule.rule == "n_trials" ? "[study] " : "[budget] ") + rule.rule;
}

std::string progress_row(const BudgetProgress& rule) {
  const std::string bar =
      rule.fraction ? fmt::format("<progress max=\"1\" value=\"{:.4f}\"></progress> {:.0f} %",
                                  std::clamp(*rule.fraction, 0.0, 1.0), 100.0 * *rule.fraction)
                    : std::string("–");
  return fmt::format("<tr{}><th>{}</th><td class=\"num\">{}</td><td>{}{}</td></tr>",
                     rule.reached ? " class=\"reached\"" : "", html_escape(setting(rule)), bar,
                     html_escape(rule.status), rule.reached ? " · <b>reached</b>" : "");
}

// The rules' progress, or why the study's settings could not be read.
std::string progress_table(const Page& page) {
  const auto& trials = page.context.trials;
  std::vector<BudgetProgress> rules;
  try {
    const StoredRunSettings stored = stored_run_settings(page.context.study);
    if (stored.n_trials) rules.push_back(trials_progress(trials, *stored.n_trials));
    if (page.spec.budget.any()) {  // else no need to add up every trial's energy
      for (auto& rule : budget_progress(page.spec.budget, trials, page.spec, tuning_energy(trials), stored.carbon)) {
        rules.push_back(std::move(rule));
      }
    }
  } catch (const InputError& error) {
    return "<p class=\"note\">" + html_escape(error.what()) + "</p>";
  }
  if (rules.empty()) return "";
  std::string out = "<table class=\"budget\"><thead><tr><th>rule</th><th class=\"num\">used</th><th>where the "
                    "study stands</th></tr></thead><tbody>";
  for (const auto& rule : rules) out += progress_row(rule);
  return out + "</tbody></table>";
}

// The stopped_by attribute a run that a rule stopped leaves (its one
// reader, study/budget.hpp's stopped_by).
std::string stopped_note(const StudyRecord& study) {
  const auto stop = stopped_by(study);
  if (!stop) return "";
  const auto shown = [](const std::string& text) { return text.empty() ? std::string("?") : text; };
  return "<p class=\"note\">" +
         html_escape(fmt::format("The last run a rule stopped ended at {}, by {}: {}", shown(stop->at),
                                 shown(stop->rule), shown(stop->message))) +
         "</p>";
}

}  // namespace

std::string budget_section(const Page& page) {
  const std::string table = progress_table(page);
  const std::string stopped = stopped_note(page.context.study);
  // Kept as an empty element, so that a live page can fill it in later.
  if (table.empty() && stopped.empty()) return "<section id=\"budget\" hidden></section>";
  return "<section id=\"budget\"><h2>Budget</h2><p>How close the study is to each rule that ends its runs, "
         "judged as <code>ecopt tune</code> and <code>ecopt worker</code> judge them before each trial: "
         "n_trials from the study file stored with the study (a <code>--n-trials</code> given to one run is "
         "not stored), the rest from its <code>[budget]</code>.</p>" +
         table + stopped + "</section>";
}

}  // namespace ecopt::report::html
