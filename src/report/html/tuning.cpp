// The tuning section of the report page: what the study bought with what it
// spent (the front's hypervolume against cumulative tuning energy and
// carbon, counted as the budgets count them: study/budget.hpp's
// tuning_curve), its pruned trials and what stopping them saved, and the
// budget rule that stopped it.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/study/budget.hpp"
#include "ecopt/study/pruning.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

std::int64_t answered(const TuningCurve& curve) {
  return std::count_if(curve.points.begin(), curve.points.end(),
                       [](const TuningPoint& point) { return counts_toward_n_trials(point.trial->state); });
}

// The point after which the rule stopped the study: the answered trial
// (COMPLETE or PRUNED) that brought the count to the one the stop recorded.
std::optional<std::size_t> stop_point(const TuningCurve& curve, const StoppedBy& stop) {
  std::int64_t count = 0;
  for (std::size_t i = 0; i < curve.points.size(); ++i) {
    if (!counts_toward_n_trials(curve.points[i].trial->state)) continue;
    if (++count == stop.trials_answered) return i;
  }
  return std::nullopt;
}

std::string trial_list(const std::vector<std::int64_t>& numbers) {
  return fmt::format("Trial{} {}", numbers.size() == 1 ? "" : "s", fmt::join(numbers, ", "));
}

// The rule a pruned trial's reason names ("front-reach: cannot ..."), or
// "no reason given" (a trial told PRUNED from outside).
std::string pruning_rule(const Trial& trial) {
  const std::string reason = trial.fail_reason.value_or("");
  const auto colon = reason.find(": ");
  if (colon == std::string::npos || reason.find(' ') < colon) return "no reason given";
  return reason.substr(0, colon);
}

// What pruning saved, by the rule the page states: a pruned trial's tuning
// energy scaled from its last reported step to its planned last step.
struct PruningSaving {
  std::vector<std::int64_t> pruned;
  std::map<std::string, int> by_rule;
  std::size_t measured = 0;  // pruned trials that record energy
  double spent_j = 0.0;      // by them
  std::vector<std::int64_t> estimated;
  double estimated_spent_j = 0.0;
  double saved_j = 0.0;
  std::vector<std::int64_t> unknown_schedule;  // no planned last step reported
  std::vector<std::int64_t> unmeasured;
  std::vector<std::int64_t> before_training;  // stopped at step 0: no rate per step
};

PruningSaving pruning_saving(const TuningCurve& curve) {
  PruningSaving saving;
  for (const TuningPoint& point : curve.points) {
    const Trial& trial = *point.trial;
    if (trial.state != TrialState::Pruned) continue;
    saving.pruned.push_back(trial.number);
    ++saving.by_rule[pruning_rule(trial)];
    const auto energy_j = trial_tuning_energy_j(trial);
    if (energy_j) {
      ++saving.measured;
      saving.spent_j += *energy_j;
    }
    const auto planned = trial.system_attrs.find(kLastStepSystemAttr);
    const std::int64_t reached = trial.intermediate.empty() ? 0 : trial.intermediate.rbegin()->first;
    if (planned == trial.system_attrs.end() || !planned->is_number_integer()) {
      saving.unknown_schedule.push_back(trial.number);
    } else if (!energy_j) {
      saving.unmeasured.push_back(trial.number);
    } else if (reached <= 0) {
      saving.before_training.push_back(trial.number);
    } else {
      saving.estimated.push_back(trial.number);
      saving.estimated_spent_j += *energy_j;
      const auto left = std::max<std::int64_t>(0, planned->get<std::int64_t>() - reached);
      saving.saved_j += *energy_j * static_cast<double>(left) / static_cast<double>(reached);
    }
  }
  return saving;
}

double median_complete_j(const TuningCurve& curve) {
  std::vector<double> spent;
  for (const TuningPoint& point : curve.points) {
    if (point.trial->state != TrialState::Complete) continue;
    if (const auto energy_j = trial_tuning_energy_j(*point.trial)) spent.push_back(*energy_j);
  }
  if (spent.empty()) return std::nan("");
  std::sort(spent.begin(), spent.end());
  const std::size_t middle = spent.size() / 2;
  return spent.size() % 2 ? spent[middle] : (spent[middle - 1] + spent[middle]) / 2.0;
}

std::string pruning_paragraph(const TuningCurve& curve) {
  const PruningSaving saving = pruning_saving(curve);
  if (saving.pruned.empty()) return "<p class=\"pruning-saved\">No trial was pruned.</p>";
  std::vector<std::string> rules;
  for (const auto& [rule, count] : saving.by_rule) rules.push_back(fmt::format("{} {}", rule, count));
  std::string out = fmt::format("<p class=\"pruning-saved\">{} pruned trial{} ({}){}.", saving.pruned.size(),
                                saving.pruned.size() == 1 ? "" : "s",
                                html_escape(fmt::format("{}", fmt::join(rules, ", "))),
                                saving.measured ? " spent " + format_joules(saving.spent_j) : std::string());
  if (!saving.estimated.empty()) {
    const double would_have_j = curve.tuning.total_j() + saving.saved_j;
    out += fmt::format(
        " Had the {} whose planned last step is known run to it, they would have spent about {}: pruning saved "
        "about {}, {} % of the {} the study would have spent. The rule: a pruned trial's tuning energy scaled "
        "from its last reported step to its planned last step (energy × planned last step ÷ last step "
        "reported). It takes energy to grow in proportion to steps; start-up and what is measured before "
        "training do not, so where they are a large part of a trial the figure overstates the saving.",
        saving.estimated.size(), format_joules(saving.estimated_spent_j + saving.saved_j),
        format_joules(saving.saved_j), number(100.0 * saving.saved_j / would_have_j), format_joules(would_have_j));
    const double median_j = median_complete_j(curve);
    if (std::isfinite(median_j)) {
      out += fmt::format(" For comparison, a complete trial spent a median of {}.", format_joules(median_j));
    }
  }
  const auto also = [&](const std::vector<std::int64_t>& numbers, const char* one, const char* many) {
    if (numbers.empty()) return;
    out += fmt::format(" {}: {}", trial_list(numbers), numbers.size() == 1 ? one : many);
  };
  also(saving.unknown_schedule,
       "its planned last step is not known (none was reported with its steps), so what stopping it saved is not "
       "stated.",
       "their planned last steps are not known (none was reported with their steps), so what stopping them "
       "saved is not stated.");
  also(saving.unmeasured, "records no energy, so its saving is not stated.",
       "record no energy, so their saving is not stated.");
  also(saving.before_training,
       "stopped before training (step 0), where no energy per step is known, so its saving is not stated.",
       "stopped before training (step 0), where no energy per step is known, so their saving is not stated.");
  return out + "</p>";
}

std::string stop_paragraph(const Page& page, const TuningCurve& curve, const std::optional<StoppedBy>& stop) {
  const std::string budget = html_escape(describe(page.spec.budget));
  if (!stop) {
    return fmt::format("<p class=\"stopped\">No budget or rule stopped this study (its budget: {}).</p>", budget);
  }
  std::string out = "<p class=\"stopped\">The study stopped";
  if (stop->trials_answered) {
    out += fmt::format(" after {} answered trials{}", *stop->trials_answered,
                       stop_point(curve, *stop) ? " (the ringed point)" : "");
  }
  out += html_escape(fmt::format(": stopped by [budget] {}: {}", stop->rule, stop->message));
  if (!stop->at.empty()) out += html_escape(fmt::format(" ({})", stop->at));
  out += fmt::format(". Its budget: {}.", budget);
  const std::int64_t later = stop->trials_answered ? answered(curve) - *stop->trials_answered : 0;
  if (later > 0) {
    out += fmt::format(" A later run answered {} more trial{} after that stop.", later, later == 1 ? "" : "s");
  }
  return out + "</p>";
}

std::string spent_text(double spent, bool carbon) {
  return carbon ? format_grams(spent) + " CO2e" : format_joules(spent);
}

std::string progress_chart(const Page& page, const TuningCurve& curve, bool carbon, std::optional<std::size_t> stop,
                           int width) {
  const auto spent = [&](const TuningPoint& point) { return carbon ? point.grams_co2e : point.tuning_j; };
  svg::Chart chart;
  chart.width = width;
  chart.aria_label = carbon ? "hypervolume by tuning carbon" : "hypervolume by tuning energy";
  chart.x = carbon ? unit_axis("tuning carbon so far", "g CO2e") : unit_axis("tuning energy so far", "J");
  chart.y = unit_axis("hypervolume", hypervolume_unit(page.spec));
  chart.line_class = "history-line";
  chart.line.emplace_back(0.0, 0.0);
  std::vector<TrialPoint> points;
  for (const TuningPoint& point : curve.points) {
    chart.line.emplace_back(spent(point), chart.line.back().second);
    chart.line.emplace_back(spent(point), point.hypervolume);
    points.push_back({point.trial, spent(point), point.hypervolume});
  }
  scatter(chart, page, points, [&](const TrialPoint& point) {
    const Trial& trial = *point.trial;
    return fmt::format("trial {} · {}{}\n{} so far\nhypervolume {}{}", trial.number, to_string(trial.state),
                       trial.state == TrialState::Pruned ? " · " + pruning_rule(trial) : std::string(),
                       spent_text(point.x, carbon), number(point.y), values_and_parameters(page, trial));
  });
  for (svg::Marker& marker : chart.markers) {
    const TrialState state = page.by_number.at(marker.trial)->state;
    if (state == TrialState::Pruned) marker.css_class = "pruned";
    if (state == TrialState::Failed) marker.css_class = "failed";
  }
  if (stop) {
    const TuningPoint& point = curve.points[*stop];
    chart.markers.push_back({spent(point), point.hypervolume, -1, "stopped",
                             fmt::format("the budget stopped the study after trial {}", point.trial->number)});
  }
  return svg::render_chart(chart);
}

std::string charts(const Page& page, const TuningCurve& curve, const std::optional<StoppedBy>& stop) {
  const std::optional<std::size_t> stopped = stop ? stop_point(curve, *stop) : std::nullopt;
  const bool carbon_known = curve.carbon.at_static < curve.tuning.measured;  // some trial stored its own
  std::string out = "<div class=\"charts\">";
  out += progress_chart(page, curve, false, stopped, carbon_known ? kFullWidth / 2 - 8 : kFullWidth);
  if (carbon_known) out += progress_chart(page, curve, true, stopped, kFullWidth / 2 - 8);
  out += "</div>" + density_note(page, [&] {
           std::vector<std::int64_t> numbers;
           for (const TuningPoint& point : curve.points) numbers.push_back(point.trial->number);
           return numbers;
         }());
  out += "<p class=\"legend\"><span class=\"key front\"></span>on the Pareto front <span class=\"key "
         "dominated\"></span>complete, dominated <span class=\"key pruned\"></span>pruned <span class=\"key "
         "failed\"></span>failed <span class=\"key stopped\"></span>where a budget stopped the study. Each "
         "trial at the energy spent once it finished (trials in the order they finished); the line is the "
         "front's hypervolume so far.</p>";
  if (!carbon_known) {
    out += "<p class=\"note\">Not charted against carbon: no trial stores the carbon of its own window (trials "
           "told from outside, or run before ECOpt stored it); the impact section charges the study's "
           "intensity.</p>";
  } else if (curve.carbon.at_static > 0) {
    out += fmt::format("<p class=\"note\">Carbon: each trial's own figure ({}); {} trial{} without one at the "
                       "report's intensity.</p>",
                       html_escape(fmt::format("{}", fmt::join(curve.carbon.sources, "; "))),
                       curve.carbon.at_static, curve.carbon.at_static == 1 ? "" : "s");
  }
  return out;
}

std::string figures_paragraph(const Page& page, const TuningCurve& curve) {
  const std::size_t finished = curve.points.size();
  std::string out = fmt::format("<p>{} finished trial{} spent {} of tuning energy ({}): {} in the trials (the "
                                "figure the header states) and {} of the tuner's own work for them (asks, model "
                                "fits, storage), as the energy budget counts it",
                                finished, finished == 1 ? "" : "s", format_joules(curve.tuning.total_j()),
                                html_escape(curve.tuning.labelled_source()), format_joules(curve.tuning.gross_j),
                                format_joules(curve.tuning.tuner_j));
  if (curve.carbon.at_static < curve.tuning.measured) {
    out += fmt::format(", and {} CO2e ({})", format_grams(curve.carbon.grams_co2e),
                       html_escape(fmt::format("{}", fmt::join(curve.carbon.sources, "; "))));
  }
  out += ".";
  if (curve.reference && !curve.points.empty()) {
    out += fmt::format(" The front's hypervolume {} is measured against the study's fixed reference point, {}, "
                       "as the diminishing-returns rule measures it.",
                       number(curve.points.back().hypervolume), html_escape(curve.reference->describe(page.spec)));
  }
  return out + "</p>";
}

// Why there is no chart, or nothing.
std::string no_chart_note(const Page& page, const TuningCurve& curve) {
  if (curve.points.empty()) return "<p class=\"note\">No finished trial yet.</p>";
  if (curve.tuning.measured == 0) {
    return fmt::format("<p class=\"note\">{} trial{} record no energy (told from outside, without a trial "
                       "record), so there is nothing to chart hypervolume against.</p>",
                       curve.tuning.unmeasured, curve.tuning.unmeasured == 1 ? "" : "s");
  }
  if (!curve.reference) {
    return fmt::format("<p class=\"note\">No hypervolume yet: the fixed reference point needs a threshold on "
                       "every objective or {} feasible complete trials ({} so far).</p>",
                       kFixedReferenceTrials, front_of(page.context.trials, page.spec).feasible_count());
  }
  return "";
}

}  // namespace

std::string tuning_section(const Page& page) {
  CarbonOptions carbon;
  carbon.g_per_kwh = page.context.carbon.intensity_g_per_kwh;
  carbon.pue = page.context.carbon.pue;
  const TuningCurve curve = tuning_curve(page.context.trials, page.spec, carbon);
  const auto stop = stopped_by(page.context.study);
  std::string out = "<section id=\"tuning\"><h2>Tuning energy and what it bought</h2>" +
                    figures_paragraph(page, curve);
  const std::string missing = no_chart_note(page, curve);
  out += missing.empty() ? charts(page, curve, stop) : missing;
  return out + stop_paragraph(page, curve, stop) + pruning_paragraph(curve) + "</section>";
}

}  // namespace ecopt::report::html
