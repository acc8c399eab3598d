// The selection panel of the report page: a limit per objective and a rule
// that picks one trial, the same as `ecopt best-trials --where --pick`
// (study/trial_selection.hpp). The section embeds the front's members with
// their exact values; choose.js applies the limits and the rule to them.
//
// Why the front suffices: each limit keeps the objective's good side (at
// least a floor on a maximised objective, at most a ceiling on a minimised
// one), so a trial that dominates one within the limits is within them
// too. The front of the trials within the limits is therefore the front's
// members within them, the candidates select_trials picks from.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/trial_selection.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

// More front members than this and the page leaves choosing to the CLI:
// each member carries its parameters twice (JSON and study-file form).
constexpr std::size_t kMaxChoiceMembers = 2000;

bool maximised(const Objective& objective) { return objective.direction == Direction::Maximize; }

// What choose.js reads: the objectives and every member's exact values
// (shortest round-trip form, so the page computes with the CLI's doubles).
nlohmann::json choice_data(const Page& page, const std::vector<Trial>& members) {
  nlohmann::json objectives = nlohmann::json::array();
  for (const auto& objective : page.spec.objectives) {
    objectives.push_back({{"name", objective.name}, {"maximize", maximised(objective)}});
  }
  nlohmann::json listed = nlohmann::json::array();
  for (const Trial& trial : members) {
    listed.push_back({{"number", trial.number},
                      {"values", trial.values},
                      {"params", to_json(trial.params)},
                      {"enqueue", enqueue_toml(trial.params)}});
  }
  return {{"study", page.spec.name}, {"objectives", std::move(objectives)}, {"members", std::move(listed)}};
}

std::string limit_inputs(const Page& page) {
  std::string out = "<fieldset class=\"choose-limits\"><legend>Limits (empty: none)</legend>";
  for (std::size_t j = 0; j < page.spec.objectives.size(); ++j) {
    const Objective& objective = page.spec.objectives[j];
    const std::string unit = objective_unit(objective, objective_values(page, j));
    out += fmt::format(
        "<label>{} {}{}<input type=\"number\" step=\"any\" data-limit=\"{}\" value=\"\"></label>",
        html_escape(objective.name), maximised(objective) ? "≥" : "≤",
        unit.empty() ? "" : " <span class=\"unit\">(" + html_escape(unit) + ")</span>", j);
  }
  return out + "</fieldset>";
}

std::string rule_option(const Page& page, const std::string& value, const std::string& label,
                        const PickRule& rule, bool selected = false) {
  return fmt::format("<option value=\"{}\" data-rule=\"{}\"{}>{}</option>", html_escape(value),
                     html_escape(describe_pick(rule, page.spec)), selected ? " selected" : "",
                     html_escape(label));
}

// The rules: the knee, a weighted sum (weights typed below it), and the
// best of each objective alone.
std::string rule_inputs(const Page& page) {
  std::string options = rule_option(page, "knee", "knee point", PickRule{}, true);
  options += "<option value=\"weighted\">weighted sum</option>";
  for (const auto& objective : page.spec.objectives) {
    const std::string kind = maximised(objective) ? "max" : "min";
    options += rule_option(page, kind + ":" + objective.name,
                           (maximised(objective) ? "most " : "least ") + objective.name,
                           PickRule{maximised(objective) ? PickRule::Kind::Max : PickRule::Kind::Min,
                                    objective.name, {}});
  }
  std::string weights = "<fieldset class=\"choose-weights\" hidden><legend>Weights</legend>";
  for (std::size_t j = 0; j < page.spec.objectives.size(); ++j) {
    weights += fmt::format(
        "<label>{}<input type=\"number\" step=\"any\" min=\"0\" data-weight=\"{}\" value=\"1\"></label>",
        html_escape(page.spec.objectives[j].name), j);
  }
  return "<fieldset class=\"choose-rule\"><legend>Rule</legend><label>pick by<select>" + options +
         "</select></label></fieldset>" + weights + "</fieldset>";
}

std::string explanation() {
  return "<p class=\"note\">Which model to deploy: give the least quality and the most energy you "
         "accept, then a rule picks one trial from the Pareto front of the trials within those "
         "limits. The <em>knee</em> is the trial nearest the ideal point, the <em>weighted sum</em> "
         "the least sum of weight × objective; both scale each objective to [0, 1] over those "
         "trials, 0 being the best of them. "
         "<code>ecopt best-trials --where --pick</code> gives the same answer from the same rule.</p>";
}

}  // namespace

std::string selection_section(const Page& page) {
  const Selection selection = select_trials(page.context.trials, page.spec, {}, PickRule{});
  std::string out = "<section id=\"choose\"><h2>Choosing a model</h2>" + explanation();
  if (!selection.picked) {
    return out + "<p>No complete feasible trial yet: nothing to choose from.</p></section>";
  }
  if (selection.candidates.size() > kMaxChoiceMembers) {
    return out + fmt::format("<p>The front holds {} trials, more than the {} this panel works on: choose "
                             "with <code>ecopt best-trials --where … --pick …</code>.</p></section>",
                             format_count(double(selection.candidates.size())),
                             format_count(double(kMaxChoiceMembers)));
  }
  // Before the script runs (and without it): what the knee picks with no limit.
  const std::string picked = fmt::format(
      "Trial {} picked from {} trial{} on the front of those feasible by the {}.", selection.picked->number,
      selection.candidates.size(), selection.candidates.size() == 1 ? "" : "s", selection.rule);
  return out + "<div class=\"choose-form\">" + limit_inputs(page) + rule_inputs(page) + "</div>" +
         "<p class=\"choose-pick\" aria-live=\"polite\">" + html_escape(picked) + "</p>" +
         "<p class=\"choose-cli note\"></p><p class=\"choose-export\"></p>"
         "<div class=\"table-wrap\"><table class=\"choose-table\"></table></div>"
         "<script type=\"application/json\" class=\"choose-data\">" +
         json_for_script(choice_data(page, selection.candidates)) + "</script></section>";
}

}  // namespace ecopt::report::html
