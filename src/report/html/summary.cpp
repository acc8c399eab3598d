// The report page's header (objectives, counts and energy cards) and its
// closing "how to read this report".
#include "html/sections.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/energy/tuning_energy.hpp"

namespace ecopt::report::html {
namespace {

std::string state_counts(const std::vector<Trial>& trials) {
  std::map<std::string, int> counts;
  for (const auto& trial : trials) ++counts[std::string(to_string(trial.state))];
  std::vector<std::string> parts;
  for (const auto& [state, count] : counts) parts.push_back(fmt::format("{} {}", count, state));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// The marks a headline figure carries: " · estimate", " · shared devices".
std::string energy_marks(bool estimate, bool shared) {
  std::string marks;
  if (estimate) marks += " · <span class=\"badge estimate\">estimate</span>";
  if (shared) marks += " · <span class=\"badge shared\">shared devices</span>";
  return marks;
}

const char* kPosteriorFrontMethod = R"(<li><b>Front by posterior means</b> (shown when the objectives are noisy): a reading of a noisy objective, energy above all, can be lucky or unlucky, and one lucky reading pushes a truly better neighbour off the observed front. This front is judged by the models instead: one Gaussian process per objective, fitted to every complete trial, predicts each trial's value from its own reading and its neighbours' (its posterior mean), and a feasible trial is on this front when no other feasible trial's predictions are at least as good in every objective and better in one. Ringed points and the badge <span class="badge posterior">posterior front</span> mark its members; the section lists the trials on one front but not the other. It is the front <code>ecopt best-trials --noisy</code> prints.</li>
)";

// How to read the page; the front by posterior means is explained after the
// Pareto front where it is shown.
const char* kMethodPareto = R"(<section id="method"><h2>How to read this report</h2><ul>
<li><b>Pareto front</b>: each point is a complete trial. A trial is on the front when no other feasible trial is at least as good in every objective and better in one; the dashed staircase joins the front. Axes name what they measure, in which unit, with an arrow towards better; "log" marks a logarithmic axis. Trials that break a constraint are hollow and never on the front.</li>
)";
const char* kMethodRest = R"(<li><b>Error bars</b> on front members span the lowest to the highest energy figure over the windows the trial was measured in (per sample or token where the work was counted). Two members whose bars overlap are within measurement spread: measured again, their order may swap. A trial measured in one window has no spread and draws no bar.</li>
<li><b>Hypervolume</b>: the size of the objective space the front dominates, up to a reference point (named under the chart); it only grows, and a step marks a trial that improved the front. Its unit is the product of the objectives' units.</li>
<li><b>Tuning energy and what it bought</b>: the same kind of hypervolume, from the study's fixed reference point, after each finished trial in the order they finished, against the energy (and carbon) spent so far: where the line flattens, more trials bought little. Pruned trials are reddish purple; a vermilion ring marks where a budget stopped the study. What pruning saved scales each pruned trial's energy from the last step it reached to its planned last step, which overstates it where start-up is a large part of a trial.</li>
<li><b>Parameter importance</b>: the signed Spearman rank correlation ρ of each numeric parameter with each objective (+1 rises together, −1 opposite, 0 no monotone relation) with its 95 % interval; for a categorical parameter the correlation ratio η (0 to 1, no sign). With few trials the intervals are wide: an interval that spans 0 does not show an effect.</li>
<li><b>Parallel coordinates</b>: one line per trial through its parameters and objectives, front members highlighted, so the settings the front shares stand out.</li>
<li><b>Choosing a model</b>: type the least quality and the most energy you accept; the knee (the trial nearest the ideal point), a weighted sum or the best of one objective then picks one trial from the front of the trials within those limits, each objective scaled to [0, 1] over them. <code>ecopt best-trials --where … --pick …</code> gives the same answer; the picked trial's parameters download as JSON or as a study file's <code>[[enqueue]]</code> table.</li>
<li><b>Contour</b>: an objective over its two most important numeric parameters; each cell is shaded by the mean objective of the trials in it, darker is better, and a paler cell, which no trial fell in, is estimated from the others.</li>
<li><b>Inference energy</b> is a trial's <code>inference</code> energy record (images; a command's <code>inference</code> phase), else its <code>generation</code> record (per generated token). <b>Tuning energy</b> of a trial is its <code>trial</code> record: the gross energy of one window over the whole trial, training and measurement included; failed and pruned trials count too. A trial told from outside without such a record counts as unmeasured.</li>
<li>Every energy figure carries its source (a sensor, or an <span class="badge estimate">estimate</span> from CPU time), its devices, and whether idle power was subtracted; <span class="badge shared">shared devices</span> marks figures measured while parallel trials ran on the same devices. Click a point or a row for the trial's records: windows, spread, counter updates and the meters' resolution.</li>
<li><b>Default chosen model</b>: the least inference energy among trials within 0.01 of the best quality objective; without one, the knee of the front. <b>Default baseline</b>: the trial with the best quality objective. Break-even = ⌈tuning energy ÷ energy saved per inference⌉.</li>
<li>Numbers are printed with 4 significant digits (1.499e+05), as in <code>ecopt</code>'s tables.</li>
</ul></section>)";

// "accuracy: quality, inferred from its name; unit declared"
std::string role_text(const Objective& objective) {
  const ResolvedRole role = objective_role(objective);
  return fmt::format("{}: {}, {}; unit {}", objective.name, to_string(role.role),
                     role.inferred ? "inferred from its name" : "declared",
                     objective.unit ? "declared" : "read from its name");
}

// Which roles the page inferred, and how to declare them instead.
std::string inferred_roles_note(const StudySpec& spec) {
  std::vector<std::string> inferred;
  for (const auto& objective : spec.objectives) {
    const ResolvedRole role = objective_role(objective);
    if (role.inferred) inferred.push_back(fmt::format("{} as {}", objective.name, to_string(role.role)));
  }
  if (inferred.empty()) return "";
  return fmt::format("<p class=\"note\">Objective roles inferred from their names: {}. Declare them with "
                     "<code>role = \"quality\"</code> (or energy, cost, other) in the study file's "
                     "[[objectives]] or <code>ecopt create-study --roles</code>.</p>",
                     html_escape(fmt::format("{}", fmt::join(inferred, ", "))));
}

}  // namespace

std::string summary_section(const Page& page) {
  const auto& context = page.context;
  std::vector<std::string> objectives;
  for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
    objectives.push_back(fmt::format("<span class=\"pill\" title=\"{}\">{}</span>",
                                     html_escape(role_text(page.spec.objectives[i])),
                                     html_escape(objective_label(page.spec.objectives[i],
                                                                 objective_values(page, i)))));
  }
  const TuningEnergy tuning = tuning_energy(context.trials);
  const std::string marks = energy_marks(tuning.estimate, tuning.shared);
  std::string out = fmt::format(
      "<header><p class=\"kicker\">ECOpt report</p><h1>{}</h1><p class=\"meta\">{} · {} · "
      "generated {}</p><p>{}</p></header>",
      html_escape(page.spec.name), html_escape(context.storage_description),
      state_counts(context.trials), format_time(Clock::now()), fmt::join(objectives, " "));
  out += inferred_roles_note(page.spec);
  out += "<div class=\"cards\">";
  out += fmt::format("<div class=\"card\"><b>{}</b><span>trials</span></div>", context.trials.size());
  out += fmt::format("<div class=\"card\"><b>{}</b><span>on the Pareto front</span></div>", page.front.size());
  if (context.posterior_front) {
    out += fmt::format("<div class=\"card\"><b>{}</b><span>on the front by posterior means</span></div>",
                       page.posterior_front.size());
  }
  out += fmt::format("<div class=\"card\"><b>{}</b><span>spent on tuning (gross{}){}</span></div>",
                     format_joules(tuning.gross_j), tuning.unmeasured ? ", a lower bound" : "", marks);
  if (context.impact) {
    const NetImpact& impact = *context.impact;
    const Trial& chosen = trial_by_number(context.trials, impact.chosen_trial);
    const Trial& baseline = trial_by_number(context.trials, impact.baseline_trial);
    // The per-inference figure is the chosen trial's alone; break-even
    // divides every trial's tuning energy by the chosen and baseline trials'.
    out += fmt::format("<div class=\"card\"><b>{}</b><span>per inference ({}), chosen trial {}{}</span></div>",
                       format_joules(impact.chosen_j_per_inference), html_escape(impact.basis),
                       impact.chosen_trial, energy_marks(energy_is_estimate(chosen), energy_is_shared(chosen)));
    out += fmt::format(
        "<div class=\"card\"><b>{}</b><span>inferences to break even ({}){}</span></div>",
        impact.break_even_inferences ? format_count(*impact.break_even_inferences) : std::string("never"),
        html_escape(impact.basis),
        energy_marks(impact.tuning.estimate || energy_is_estimate(chosen) || energy_is_estimate(baseline),
                     impact.tuning.shared || energy_is_shared(chosen) || energy_is_shared(baseline)));
  }
  return out + "</div>";
}

std::string method_section(const Page& page) {
  return std::string(kMethodPareto) + (page.context.posterior_front ? kPosteriorFrontMethod : "") +
         kMethodRest;
}

}  // namespace ecopt::report::html
