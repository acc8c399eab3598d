// The Page every section of the report's HTML page reads, and the helpers
// that draw trials onto charts (html/page.hpp).
#include "html/page.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/core/param.hpp"
#include "ecopt/math/front.hpp"

namespace ecopt::report::html {

using svg::Chart;
using svg::Marker;

namespace {

// The range over its measured windows of a trial's value of an energy
// objective: the headline record's min–max, carried onto the objective's
// scale (inverted for samples/J). Nothing when the objective is not an
// energy figure, the record counts another unit or measured one window.
std::optional<Range> measured_range(const Trial& trial, const Objective& objective, double value) {
  const MetricUnit unit = metric_unit(objective);
  const auto record = headline_record(trial);
  if (unit.energy_power == 0 || !record || !record->spread || record->unit != unit.counted) {
    return std::nullopt;
  }
  const double figure_j = unit.counted.empty() ? record->energy_j() : record->j_per_unit.value_or(0.0);
  const EnergySpread& spread = *record->spread;
  if (!(figure_j > 0.0) || !(spread.min_j > 0.0)) return std::nullopt;
  if (unit.energy_power > 0) return Range{value * spread.min_j / figure_j, value * spread.max_j / figure_j};
  return Range{value * figure_j / spread.max_j, value * figure_j / spread.min_j};
}

std::set<std::int64_t> marked_trials(const Page& page) {
  std::set<std::int64_t> fronts = page.front;
  fronts.insert(page.posterior_front.begin(), page.posterior_front.end());
  std::set<std::int64_t> marked;
  const std::size_t stride = (fronts.size() + kMaxMarkers - 3) / (kMaxMarkers - 2);
  std::size_t i = 0;
  for (const std::int64_t number : fronts) {
    if (i++ % std::max<std::size_t>(stride, 1) == 0) marked.insert(number);
  }
  for (const std::int64_t number : {page.chosen, page.baseline}) {
    if (number >= 0) marked.insert(number);
  }
  return marked;
}

const std::set<std::int64_t>& posterior_members(const ReportContext& context) {
  static const std::set<std::int64_t> none;
  return context.posterior_front ? context.posterior_front->members : none;
}

// With two complete trials or more, a parameter all of them hold at one
// value is shared; one that some trial lacks or sets otherwise is charted.
void split_shared_parameters(Page& page) {
  for (const auto& name : page.parameters) {
    std::set<std::string> values;
    for (const Trial* trial : page.complete) {
      const auto value = trial->params.find(name);
      values.insert(value == trial->params.end() ? std::string() : format_param(value->second));
    }
    if (page.complete.size() >= 2 && values.size() == 1 && !values.begin()->empty()) {
      page.shared_parameters.emplace_back(name, *values.begin());
    } else {
      page.charted_parameters.push_back(name);
    }
  }
}

}  // namespace

std::string number(double value) { return format_number(value); }

std::string shared_parameters_note(const Page& page) {
  if (page.shared_parameters.empty()) return "";
  std::vector<std::string> listed;
  for (const auto& [name, value] : page.shared_parameters) listed.push_back(name + " = " + value);
  return "<p class=\"note shared-parameters\">" +
         html_escape(fmt::format("The same in every trial, so not charted: {}.", fmt::join(listed, ", "))) +
         "</p>";
}

Page make_page(const ReportContext& context) {
  Page page{context, context.study.spec, complete_trials(context.study.spec, context.trials), {},
            posterior_members(context), context.chosen ? context.chosen->number : -1,
            context.baseline ? context.baseline->number : -1, {}, {}, {}, {}, {}, {}, {}, {}};
  for (const std::int64_t number : front_of(context.trials, page.spec).member_numbers()) {
    page.front.insert(number);
  }
  for (const auto& trial : context.trials) page.by_number.emplace(trial.number, &trial);
  page.space = declared_search_space(page.spec);
  page.parameters = parameter_names(page.spec, context.trials);
  split_shared_parameters(page);
  page.importance = parameter_importance(page.spec, context.trials);
  page.marked = marked_trials(page);
  page.front_spreads.resize(page.spec.objectives.size());
  for (const Trial* trial : page.complete) {
    if (!page.front.count(trial->number)) continue;
    for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
      if (auto range = measured_range(*trial, page.spec.objectives[i], trial->values[i])) {
        page.front_spreads[i][trial->number] = *range;
      }
    }
  }
  return page;
}

const char* arrow(Direction direction) { return direction == Direction::Maximize ? "↑" : "↓"; }

std::string objective_unit(const Objective& objective, const std::vector<double>& values) {
  std::string unit = metric_unit(objective).unit;
  if (objective.unit) return unit;
  const bool percent = std::any_of(values.begin(), values.end(), [](double v) { return v > 1.0; });
  return unit == "fraction" && percent ? "%" : unit;
}

svg::Axis unit_axis(std::string label, std::string unit, bool log) {
  svg::Axis axis;
  axis.label = std::move(label);
  axis.unit = std::move(unit);
  axis.log = log;
  return axis;
}

svg::Axis objective_axis(const Objective& objective, const std::vector<double>& values) {
  svg::Axis axis = unit_axis(metric_unit(objective).label, objective_unit(objective, values),
                             svg::choose_log(values));
  axis.arrow = arrow(objective.direction);
  axis.range = svg::robust_range(values, axis.log);
  return axis;
}

std::string objective_label(const Objective& objective, const std::vector<double>& values) {
  svg::Axis axis = objective_axis(objective, values);
  axis.log = false;
  return axis.title();
}

std::vector<std::int64_t> complete_numbers(const Page& page) {
  std::vector<std::int64_t> numbers;
  for (const Trial* trial : page.complete) numbers.push_back(trial->number);
  return numbers;
}

std::vector<double> objective_values(const Page& page, std::size_t objective) {
  std::vector<double> values;
  for (const Trial* trial : page.complete) values.push_back(trial->values[objective]);
  return values;
}

std::string values_and_parameters(const Page& page, const Trial& trial) {
  std::string lines;
  for (std::size_t i = 0; i < page.spec.objectives.size() && i < trial.values.size(); ++i) {
    lines += fmt::format("\n{} = {}", page.spec.objectives[i].name, number(trial.values[i]));
  }
  for (const auto& name : page.parameters) {
    const auto value = trial.params.find(name);
    if (value != trial.params.end()) lines += fmt::format("\n{} = {}", name, format_param(value->second));
  }
  return lines;
}

std::string point_title(const Page& page, const Trial& trial) {
  std::string title = fmt::format("trial {}", trial.number);
  if (page.front.count(trial.number)) title += " · Pareto front";
  if (page.posterior_front.count(trial.number)) title += " · front by posterior means";
  return title + values_and_parameters(page, trial);
}

std::string marker_class(const Page& page, std::int64_t number) {
  const Trial& trial = *page.by_number.at(number);
  std::string css = page.front.count(number)         ? "front"
                    : is_feasible(trial, page.spec) ? "dominated"
                                                    : "dominated infeasible";
  if (number == page.chosen) css += " chosen";
  if (number == page.baseline) css += " baseline";
  return css;
}

void scatter(Chart& chart, const Page& page, const std::vector<TrialPoint>& points) {
  scatter(chart, page, points, [&](const TrialPoint& point) { return point_title(page, *point.trial); });
}

void ring_posterior_front(Chart& chart, const Page& page) {
  for (Marker& marker : chart.markers) marker.ring = page.posterior_front.count(marker.trial) > 0;
}

std::string density_note(const Page& page, const std::vector<std::int64_t>& numbers) {
  if (numbers.size() <= kMaxMarkers) return "";
  const std::size_t points = numbers.size();
  const auto density = static_cast<std::size_t>(std::count_if(
      numbers.begin(), numbers.end(), [&](std::int64_t number) { return !page.marked.count(number); }));
  return fmt::format(
      "<p class=\"note\">{} points: {} drawn one by one (the Pareto front, the chosen model and "
      "the baseline), the other {} as a density, darker cells holding more trials. The table "
      "below and trials.csv hold every trial.</p>",
      format_count(double(points)), format_count(double(points - density)),
      format_count(double(density)));
}

svg::Axis trial_number_axis() {
  svg::Axis axis = unit_axis("trial number", "");
  axis.integer = true;
  return axis;
}

std::string legend(const Page& page, bool ringed) {
  return fmt::format(
      R"(<p class="legend"><span class="key front"></span>Pareto front {}<span class="key dominated"></span>dominated <span class="key infeasible"></span>breaks a constraint <span class="key chosen"></span>chosen model <span class="key baseline"></span>baseline. Click a point for the trial's details.</p>)",
      ringed && page.context.posterior_front ? R"(<span class="key posterior"></span>front by posterior means )" : "");
}

bool detailed(const Page& page, std::int64_t number) {
  return page.context.trials.size() <= kMaxMarkers || page.marked.count(number) > 0;
}

}  // namespace ecopt::report::html
