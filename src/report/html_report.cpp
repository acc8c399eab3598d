// The HTML page of `ecopt report`: server-side SVG charts, a sortable trial
// table and a details drawer driven by a little vanilla JS. Every user
// string goes through html_escape; the embedded data through
// json_for_script.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "assets.hpp"
#include "page_data.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/math/stats.hpp"
#include "ecopt/report/markdown_html.hpp"
#include "ecopt/report/model_card.hpp"
#include "ecopt/space/search_space.hpp"
#include "report_context.hpp"
#include "svg_plot.hpp"

namespace ecopt::report {
namespace {

using svg::Chart;
using svg::Marker;

constexpr std::size_t kMaxParamPlots = 12;
constexpr std::size_t kMaxPairwiseObjectives = 4;
constexpr int kFullWidth = 1160;  // a section's inner width on a 1280 px page
// A chart of more points draws only the marked trials one by one and the
// others as a density (docs/report.md, "Large studies").
constexpr std::size_t kMaxMarkers = 1000;

// Every number on the page as every CLI table prints it (core/param.hpp).
std::string number(double value) { return format_number(value); }

// [low, high] on an objective's scale.
using Range = std::pair<double, double>;

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

// Everything the page sections share, computed once.
struct Page {
  const ReportContext& context;
  const StudySpec& spec;
  std::vector<const Trial*> complete;
  std::set<std::int64_t> front;  // trial numbers on the Pareto front
  // On the front by posterior means (noisy objectives); empty when not shown.
  const std::set<std::int64_t>& posterior_front;
  std::int64_t chosen = -1;
  std::int64_t baseline = -1;
  // Per objective, the measured range of each front member's value (its
  // energy record's spread), for members that have one.
  std::vector<std::map<std::int64_t, Range>> front_spreads;
  std::unordered_map<std::int64_t, const Trial*> by_number;
  // What a chart of more than kMaxMarkers points still draws one by one:
  // the chosen and baseline trials and both fronts (every k-th member by
  // number when the fronts alone are larger).
  std::set<std::int64_t> marked;
  // The definition's declared space: parameter scales and order.
  std::optional<SearchSpace> space;
  std::vector<std::string> parameters;  // parameter_names (space/search_space.hpp)
};

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

Page make_page(const ReportContext& context) {
  Page page{context, context.study.spec, complete_trials(context.study.spec, context.trials), {},
            posterior_members(context), context.chosen ? context.chosen->number : -1,
            context.baseline ? context.baseline->number : -1, {}, {}, {}};
  for (const std::int64_t number : front_of(context.trials, page.spec).member_numbers()) {
    page.front.insert(number);
  }
  for (const auto& trial : context.trials) page.by_number.emplace(trial.number, &trial);
  page.space = declared_search_space(page.spec);
  page.parameters = parameter_names(page.spec, context.trials);
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

// The unit an objective's values are in: accuracy above 1 is a percentage.
std::string objective_unit(const Objective& objective, const std::vector<double>& values) {
  std::string unit = metric_unit(objective).unit;
  if (objective.unit) return unit;
  const bool percent = std::any_of(values.begin(), values.end(), [](double v) { return v > 1.0; });
  return unit == "fraction" && percent ? "%" : unit;
}

svg::Axis unit_axis(std::string label, std::string unit, bool log = false) {
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
  return axis;
}

// "inference efficiency (samples/J) ↑", for pills and headers.
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

// What hovering a point says: the trial, its objective values and its
// parameters.
std::string point_title(const Page& page, const Trial& trial) {
  std::string title = fmt::format("trial {}", trial.number);
  if (page.front.count(trial.number)) title += " · Pareto front";
  if (page.posterior_front.count(trial.number)) title += " · front by posterior means";
  for (std::size_t i = 0; i < page.spec.objectives.size() && i < trial.values.size(); ++i) {
    title += fmt::format("\n{} = {}", page.spec.objectives[i].name, number(trial.values[i]));
  }
  for (const auto& name : page.parameters) {
    const auto value = trial.params.find(name);
    if (value != trial.params.end()) title += fmt::format("\n{} = {}", name, format_param(value->second));
  }
  return title;
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

struct TrialPoint {
  const Trial* trial;
  double x;
  double y;
};

// Every point as a marker up to kMaxMarkers; beyond, the marked trials as
// markers and the others into the chart's density. Front markers come last,
// so they are drawn over dominated ones. title(point) says what hovering says.
template <typename Title>
void scatter(Chart& chart, const Page& page, const std::vector<TrialPoint>& points, Title title) {
  const bool all_markers = points.size() <= kMaxMarkers;
  for (const TrialPoint& point : points) {
    const std::int64_t number = point.trial->number;
    if (all_markers || page.marked.count(number)) {
      chart.markers.push_back({point.x, point.y, number, marker_class(page, number), title(point)});
    } else {
      chart.density.emplace_back(point.x, point.y);
    }
  }
  std::stable_partition(chart.markers.begin(), chart.markers.end(),
                        [](const Marker& m) { return m.css_class.find("front") != 0; });
}

void scatter(Chart& chart, const Page& page, const std::vector<TrialPoint>& points) {
  scatter(chart, page, points, [&](const TrialPoint& point) { return point_title(page, *point.trial); });
}

// The front charts ring the members of the front by posterior means.
void ring_posterior_front(Chart& chart, const Page& page) {
  for (Marker& marker : chart.markers) marker.ring = page.posterior_front.count(marker.trial) > 0;
}

// What a scatter of these trials draws partly as a density says so.
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

double worse(double a, double b, Direction direction) {
  return direction == Direction::Maximize ? std::min(a, b) : std::max(a, b);
}

// The attainment staircase through the front: between neighbours, the
// corner that is worse in both objectives.
std::vector<std::pair<double, double>> staircase(std::vector<std::pair<double, double>> points,
                                                 Direction x_direction, Direction y_direction) {
  std::sort(points.begin(), points.end());
  std::vector<std::pair<double, double>> line;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) {
      line.emplace_back(worse(points[i - 1].first, points[i].first, x_direction),
                        worse(points[i - 1].second, points[i].second, y_direction));
    }
    line.push_back(points[i]);
  }
  return line;
}

std::string objective_pair_chart(const Page& page, std::size_t xi, std::size_t yi,
                                 bool draw_staircase, int width, int height) {
  const Objective& x_objective = page.spec.objectives[xi];
  const Objective& y_objective = page.spec.objectives[yi];
  Chart chart;
  chart.width = width;
  chart.height = height;
  chart.aria_label = fmt::format("{} against {}", y_objective.name, x_objective.name);
  std::vector<double> xs;
  std::vector<double> ys;
  std::vector<std::pair<double, double>> front_points;
  std::vector<TrialPoint> points;
  for (const Trial* trial : page.complete) {
    const double x = trial->values[xi];
    const double y = trial->values[yi];
    xs.push_back(x);
    ys.push_back(y);
    points.push_back({trial, x, y});
    if (page.front.count(trial->number)) front_points.emplace_back(x, y);
  }
  chart.x = objective_axis(x_objective, xs);
  chart.y = objective_axis(y_objective, ys);
  if (draw_staircase) {
    chart.line = staircase(front_points, x_objective.direction, y_objective.direction);
  }
  for (const std::size_t axis : {xi, yi}) {
    for (const auto& [number, range] : page.front_spreads[axis]) {
      if (!page.marked.count(number)) continue;  // drawn as markers only
      const Trial& trial = *page.by_number.at(number);
      chart.error_bars.push_back({trial.values[xi], trial.values[yi], axis == xi, range.first, range.second});
    }
  }
  scatter(chart, page, points);
  ring_posterior_front(chart, page);
  return svg::render_chart(chart);
}

svg::Axis trial_number_axis() {
  svg::Axis axis = unit_axis("trial number", "");
  axis.integer = true;
  return axis;
}

std::string single_objective_chart(const Page& page) {
  const Objective& objective = page.spec.objectives[0];
  Chart chart;
  chart.aria_label = objective.name + " by trial";
  chart.x = trial_number_axis();
  std::vector<double> ys;
  std::vector<TrialPoint> points;
  for (const Trial* trial : page.complete) {
    ys.push_back(trial->values[0]);
    points.push_back({trial, static_cast<double>(trial->number), trial->values[0]});
  }
  scatter(chart, page, points);
  ring_posterior_front(chart, page);
  chart.y = objective_axis(objective, ys);
  chart.y.log = false;
  return svg::render_chart(chart);
}

// `ringed`: the chart circles the front by posterior means.
std::string legend(const Page& page, bool ringed) {
  return fmt::format(
      R"(<p class="legend"><span class="key front"></span>Pareto front {}<span class="key dominated"></span>dominated <span class="key infeasible"></span>breaks a constraint <span class="key chosen"></span>chosen model <span class="key baseline"></span>baseline. Click a point for the trial's details.</p>)",
      ringed && page.context.posterior_front ? R"(<span class="key posterior"></span>front by posterior means )" : "");
}

std::string trial_list(const std::vector<std::int64_t>& numbers) {
  return fmt::format("trial{} {}", numbers.size() == 1 ? "" : "s", fmt::join(numbers, ", "));
}

// Noisy objectives: which front the rings show, how it is judged, and the
// trials on one front but not the other.
std::string posterior_front_note(const Page& page) {
  if (!page.context.posterior_front) return "";
  std::vector<std::int64_t> observed_only;
  std::vector<std::int64_t> posterior_only;
  std::set_difference(page.front.begin(), page.front.end(), page.posterior_front.begin(),
                      page.posterior_front.end(), std::back_inserter(observed_only));
  std::set_difference(page.posterior_front.begin(), page.posterior_front.end(), page.front.begin(),
                      page.front.end(), std::back_inserter(posterior_only));
  std::string out = fmt::format(
      "<div id=\"posterior-front\"><p>Noisy objectives ({}): the {} ringed trials are the front "
      "judged by the models' posterior means (one Gaussian process per objective, fitted to every "
      "complete trial), not by a single reading each.</p>",
      html_escape(page.context.posterior_front->why), page.posterior_front.size());
  if (observed_only.empty() && posterior_only.empty()) {
    return out + "<p class=\"note\">Both fronts hold the same trials.</p></div>";
  }
  out += "<ul class=\"front-differences\">";
  if (!observed_only.empty()) {
    out += fmt::format("<li>On the observed front only: <span class=\"observed-only\">{}</span> "
                       "(a lucky reading may have put {} there).</li>",
                       trial_list(observed_only), observed_only.size() == 1 ? "it" : "them");
  }
  if (!posterior_only.empty()) {
    out += fmt::format("<li>On the front by posterior means only: <span class=\"posterior-only\">{}</span> "
                       "(an unlucky reading may have pushed {} off the observed front).</li>",
                       trial_list(posterior_only), posterior_only.size() == 1 ? "it" : "them");
  }
  return out + "</ul></div>";
}

// Pairs of front members whose measured ranges on one objective overlap:
// their order on it is within the measurement's noise.
std::vector<std::pair<std::int64_t, std::int64_t>> overlapping(const std::map<std::int64_t, Range>& ranges) {
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
  for (auto a = ranges.begin(); a != ranges.end(); ++a) {
    for (auto b = std::next(a); b != ranges.end(); ++b) {
      if (a->second.first <= b->second.second && b->second.first <= a->second.second) {
        pairs.emplace_back(a->first, b->first);
      }
    }
  }
  return pairs;
}

// What the error bars show, which front members have none, and which lie
// within each other's spread.
std::string spread_notes(const Page& page) {
  constexpr std::size_t kMaxPairs = 8;
  std::string out;
  for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
    const Objective& objective = page.spec.objectives[i];
    if (metric_unit(objective).energy_power == 0) continue;
    const svg::Axis axis = objective_axis(objective, objective_values(page, i));
    const std::string name = html_escape(fmt::format("{} ({})", axis.label, axis.unit));
    const std::size_t without = page.front.size() - page.front_spreads[i].size();
    out += fmt::format(
        "<p class=\"legend\">Error bars on {}: the lowest to the highest figure over the "
        "measured windows, on front members{}.</p>",
        name, without == 0 ? std::string()
                           : fmt::format("; {} of the {} front trials measured one window (or "
                                         "record no spread) and draw no bar",
                                         without, page.front.size()));
    const auto pairs = overlapping(page.front_spreads[i]);
    std::vector<std::string> listed;
    for (std::size_t p = 0; p < pairs.size() && p < kMaxPairs; ++p) {
      listed.push_back(fmt::format("trials {} and {}", pairs[p].first, pairs[p].second));
    }
    if (pairs.size() > kMaxPairs) listed.push_back(fmt::format("{} more pairs", pairs.size() - kMaxPairs));
    if (!listed.empty()) {
      out += fmt::format("<p class=\"spread-note\">Within measurement spread of each other on {}: "
                         "{}. Their order on it may not hold if measured again.</p>",
                         name, fmt::join(listed, "; "));
    }
  }
  return out;
}

std::string pareto_section(const Page& page) {
  std::string out = R"(<section id="pareto"><h2>Pareto front</h2>)";
  const std::size_t objectives = page.spec.objectives.size();
  if (page.complete.empty()) return out + "<p class=\"note\">No complete trial yet.</p></section>";
  out += fmt::format(
      "<p>{} complete trials; {} on the front (no other trial is at least as good in every "
      "objective and better in one).</p>",
      page.complete.size(), page.front.size());
  out += R"(<div class="charts">)";
  if (objectives == 1) {
    out += single_objective_chart(page);
  } else if (objectives == 2) {
    out += objective_pair_chart(page, 1, 0, true, kFullWidth, 460);
  } else {
    const std::size_t shown = std::min(objectives, kMaxPairwiseObjectives);
    for (std::size_t i = 0; i < shown; ++i) {
      for (std::size_t j = i + 1; j < shown; ++j) out += objective_pair_chart(page, j, i, false, 400, 320);
    }
  }
  out += "</div>" + density_note(page, complete_numbers(page));
  if (objectives > 2) {
    out += "<p class=\"note\">Pairwise views: the front is computed over all objectives, so a "
           "front member may look dominated in one projection.</p>";
  }
  return out + legend(page, true) + posterior_front_note(page) + spread_notes(page) + "</section>";
}

// A hypervolume is in the product of the objectives' units.
std::string hypervolume_unit(const StudySpec& spec) {
  std::vector<std::string> units;
  for (const auto& objective : spec.objectives) {
    units.push_back(metric_unit(objective).unit);
    if (units.back().empty()) return "objective units";
  }
  return fmt::format("{}", fmt::join(units, " × "));
}

std::string hypervolume_section(const Page& page) {
  std::string out = R"(<section id="hypervolume"><h2>Hypervolume over trials</h2>)";
  const HypervolumeHistory history = hypervolume_history(page.context.trials, page.spec);
  if (history.hypervolume.empty()) {
    return out + "<p class=\"note\">No feasible complete trial yet.</p></section>";
  }
  Chart chart;
  chart.aria_label = "hypervolume by trial";
  chart.x = trial_number_axis();
  chart.y = unit_axis("hypervolume", hypervolume_unit(page.spec));
  chart.line_class = "history-line";
  std::vector<std::size_t> raised;  // indices into the history
  double previous = -1.0;
  for (std::size_t i = 0; i < history.hypervolume.size(); ++i) {
    const double x = static_cast<double>(history.trial_numbers[i]);
    const double hv = history.hypervolume[i];
    if (!chart.line.empty()) chart.line.emplace_back(x, chart.line.back().second);
    chart.line.emplace_back(x, hv);
    if (hv > previous) raised.push_back(i);
    previous = hv;
  }
  // At most kMaxMarkers points: every k-th improvement, and the last.
  const std::size_t stride = (raised.size() + kMaxMarkers - 1) / kMaxMarkers;
  for (std::size_t k = 0; k < raised.size(); ++k) {
    if (k % stride != 0 && k + 1 != raised.size()) continue;
    const std::size_t i = raised[k];
    chart.markers.push_back({static_cast<double>(history.trial_numbers[i]), history.hypervolume[i],
                             history.trial_numbers[i], "front",
                             fmt::format("trial {} raised the hypervolume to {}",
                                         history.trial_numbers[i], number(history.hypervolume[i]))});
  }
  out += svg::render_chart(chart);
  out += fmt::format(
      "<p>Final hypervolume {} (the same figure <code>ecopt tune</code> and <code>ecopt "
      "best-trials</code> print) over the feasible complete trials, with the reference point {}. "
      "Points mark the trials that improved the front{}.</p></section>",
      number(history.hypervolume.back()), html_escape(history.reference.describe(page.spec)),
      stride > 1 ? fmt::format(" ({} of {}: every {}th and the last)", chart.markers.size(),
                               raised.size(), stride)
                 : "");
  return out;
}

// "+0.42", "-0.08", and "0.00" rather than "-0.00".
std::string signed_2(double value) {
  return std::abs(value) < 0.005 ? "0.00" : fmt::format("{:+.2f}", value);
}

svg::Bar importance_bar(const ParamImportance& item) {
  svg::Bar bar;
  bar.label = item.param;
  if (item.method == "eta") {
    bar.value = item.score;
    bar.value_text = std::isfinite(item.score) ? fmt::format("η {:.2f} (no sign)", item.score) : "n/a";
    bar.tooltip = fmt::format("{}: correlation ratio η = {}, n = {}", item.param, number(item.score),
                              item.trials_used);
    return bar;
  }
  bar.value = item.rho;
  bar.low = item.rho_95.low;
  bar.high = item.rho_95.high;
  const bool interval = std::isfinite(item.rho_95.low);
  bar.value_text = !std::isfinite(item.rho) ? "n/a"
                   : interval ? fmt::format("ρ {} [{}, {}]", signed_2(item.rho), signed_2(item.rho_95.low),
                                            signed_2(item.rho_95.high))
                              : fmt::format("ρ {} (no interval)", signed_2(item.rho));
  bar.tooltip = fmt::format("{}: Spearman ρ = {}{}, n = {}", item.param, number(item.rho),
                            interval ? fmt::format(", 95 % interval {} to {}", number(item.rho_95.low),
                                                   number(item.rho_95.high))
                                     : "",
                            item.trials_used);
  return bar;
}

// How sure the signs are at this many trials: the interval of rho = 0.
std::string importance_caution(std::size_t n) {
  if (n <= 3) return fmt::format(" With n = {} there is no interval: too few trials to judge.", n);
  const double half = spearman_interval_95(0.0, n).high;
  if (half <= 0.3) return "";
  return fmt::format(" With n = {} the intervals are wide: even ρ = 0 spans ±{:.2f}, so read the "
                     "signs and the order of the strongest parameters, not the digits.",
                     n, half);
}

std::string importance_section(const Page& page) {
  std::string out = R"(<section id="importance"><h2>Parameter importance</h2>)";
  out += fmt::format(
      "<p>How each parameter goes with each objective over the n = {} complete trials: the signed "
      "Spearman ρ for numeric parameters (+1: the objective rises with the parameter, −1: it "
      "falls, 0: no monotone relation), drawn with its 95 % interval (Fisher's z), and the "
      "correlation ratio η (0 to 1, no sign) for categorical ones. It shows association, not "
      "causation, and misses effects that only appear in combination.{}</p><div class=\"charts\">",
      page.complete.size(), importance_caution(page.complete.size()));
  const auto importance = parameter_importance(page.spec, page.context.trials);
  for (std::size_t o = 0; o < importance.size(); ++o) {
    std::vector<svg::Bar> bars;
    for (const auto& item : importance[o]) bars.push_back(importance_bar(item));
    out += fmt::format(R"(<figure><figcaption>{}</figcaption>{}</figure>)",
                       html_escape(page.spec.objectives[o].name),
                       bars.empty() ? "<p class=\"note\">No parameters.</p>"
                                    : svg::render_bars(bars, 560, page.spec.objectives[o].name));
  }
  return out + "</div></section>";
}

// Position of a parameter value on the x axis: its number, or the index
// of its category.
struct ParamAxis {
  svg::Axis axis;
  std::map<std::string, double> category_index;

  void add_category(const std::string& label) {
    category_index[label] = static_cast<double>(axis.categories.size());
    axis.categories.push_back(label);
  }

  // NaN for a value the axis cannot place (a told value outside the
  // declared choices): such a trial is left off this axis only.
  double position(const ParamValue& value) const {
    if (axis.categories.empty()) {
      return std::holds_alternative<std::string>(value) ? std::nan("") : as_double(value);
    }
    const auto at = category_index.find(to_string(value));
    return at == category_index.end() ? std::nan("") : at->second;
  }
};

// Categories in the declared order of the choices.
ParamAxis categorical_axis(std::string name, const std::vector<ParamValue>& choices) {
  ParamAxis result;
  result.axis.label = std::move(name);
  for (const auto& choice : choices) result.add_category(to_string(choice));
  return result;
}

// From the parameter's declared distribution: a log axis for a log
// distribution, whole numbers for integers, the declared choices in order.
std::optional<ParamAxis> declared_axis(const Page& page, const std::string& name) {
  const Parameter* parameter = page.space ? page.space->find(name) : nullptr;
  if (!parameter) return std::nullopt;
  if (const auto* choices = std::get_if<CategoricalDistribution>(&parameter->distribution)) {
    return categorical_axis(name, choices->choices);
  }
  if (const auto* choices = std::get_if<OrdinalDistribution>(&parameter->distribution)) {
    return categorical_axis(name, choices->choices);
  }
  if (const auto* fixed = std::get_if<FixedDistribution>(&parameter->distribution)) {
    return categorical_axis(name, {fixed->value});
  }
  ParamAxis result;
  result.axis.label = name;
  if (const auto* ints = std::get_if<IntDistribution>(&parameter->distribution)) {
    result.axis.integer = true;
    result.axis.log = ints->log;
  } else {
    result.axis.log = std::get<FloatDistribution>(parameter->distribution).log;
  }
  return result;
}

// A parameter the definition does not declare (told from outside): its
// scale guessed from the values, as docs/report.md states.
ParamAxis guessed_axis(const Page& page, const std::string& name) {
  ParamAxis result;
  result.axis.label = name;
  std::set<std::string> categories;
  std::vector<double> values;
  bool categorical = false;
  bool integer = true;
  for (const Trial* trial : page.complete) {
    const auto it = trial->params.find(name);
    if (it == trial->params.end()) continue;
    integer = integer && std::holds_alternative<std::int64_t>(it->second);
    categorical = categorical || std::holds_alternative<std::string>(it->second) ||
                  std::holds_alternative<bool>(it->second);
    if (!std::holds_alternative<std::string>(it->second)) values.push_back(as_double(it->second));
  }
  result.axis.integer = integer;
  if (categorical) {
    for (const Trial* trial : page.complete) {  // only now: text for 100,000 numbers is slow
      const auto it = trial->params.find(name);
      if (it != trial->params.end()) categories.insert(to_string(it->second));
    }
    for (const auto& category : categories) result.add_category(category);
  } else {
    result.axis.log = svg::choose_log(values);
  }
  return result;
}

ParamAxis param_axis(const Page& page, const std::string& name) {
  if (auto declared = declared_axis(page, name)) return *declared;
  return guessed_axis(page, name);
}

// One small chart per objective for one parameter.
std::string param_charts(const Page& page, const std::string& name) {
  const ParamAxis x = param_axis(page, name);
  std::string out;
  for (std::size_t o = 0; o < page.spec.objectives.size(); ++o) {
    const Objective& objective = page.spec.objectives[o];
    Chart chart;
    chart.width = 285;  // two side by side, two parameters a row on a 1280 px page
    chart.height = 230;
    chart.x = x.axis;
    chart.aria_label = fmt::format("{} against {}", objective.name, name);
    std::vector<double> ys;
    std::vector<TrialPoint> points;
    for (const Trial* trial : page.complete) {
      const auto it = trial->params.find(name);
      if (it == trial->params.end()) continue;
      const double position = x.position(it->second);
      if (std::isnan(position)) continue;
      ys.push_back(trial->values[o]);
      points.push_back({trial, position, trial->values[o]});
    }
    scatter(chart, page, points);
    chart.y = objective_axis(objective, ys);
    out += svg::render_chart(chart);
  }
  return out;
}

std::string param_plots_section(const Page& page) {
  std::string out = R"(<section id="parameters"><h2>Parameters against objectives</h2>)";
  const auto& names = page.parameters;
  if (names.empty()) return out + "<p class=\"note\">No parameters recorded.</p></section>";
  if (names.size() > kMaxParamPlots) {
    out += fmt::format("<p class=\"note\">Showing the first {} of {} parameters.</p>",
                       kMaxParamPlots, names.size());
  }
  out += R"(<div class="param-grid">)";
  std::size_t shown = 0;
  for (const auto& name : names) {
    if (shown++ == kMaxParamPlots) break;
    out += "<figure><figcaption>" + html_escape(name) + "</figcaption>";
    out += param_charts(page, name);
    out += "</figure>";
  }
  return out + "</div>" + density_note(page, complete_numbers(page)) + "</section>";
}

// Every parameter (up to kMaxParamPlots) and every objective on its own
// axis; a line per trial, front members drawn over the others. Beyond
// kMaxMarkers lines, the marked trials and an even share of the others.
std::string parallel_section(const Page& page) {
  std::string out = R"(<section id="parallel"><h2>Parallel coordinates</h2>)";
  if (page.complete.empty()) return out + "<p class=\"note\">No complete trial yet.</p></section>";
  const auto& names = page.parameters;
  std::vector<ParamAxis> params;
  for (const auto& name : names) {
    if (params.size() == kMaxParamPlots) break;
    params.push_back(param_axis(page, name));
  }
  svg::ParallelChart chart;
  chart.aria_label = "parallel coordinates of parameters and objectives";
  for (const auto& param : params) chart.axes.push_back(param.axis);
  for (std::size_t o = 0; o < page.spec.objectives.size(); ++o) {
    chart.axes.push_back(objective_axis(page.spec.objectives[o], objective_values(page, o)));
  }
  const auto others = static_cast<std::size_t>(std::count_if(
      page.complete.begin(), page.complete.end(), [&](const Trial* t) { return !page.marked.count(t->number); }));
  const std::size_t room = kMaxMarkers - std::min(kMaxMarkers - 1, page.complete.size() - others);
  const std::size_t stride = std::max<std::size_t>(1, (others + room - 1) / room);
  std::size_t other_index = 0;
  std::size_t drawn = 0;
  for (const Trial* trial : page.complete) {
    if (!page.marked.count(trial->number) && other_index++ % stride != 0) continue;
    svg::ParallelLine line{{}, trial->number, marker_class(page, trial->number), point_title(page, *trial)};
    for (const auto& param : params) {
      const auto it = trial->params.find(param.axis.label);
      line.values.push_back(it == trial->params.end() ? std::nan("") : param.position(it->second));
    }
    line.values.insert(line.values.end(), trial->values.begin(), trial->values.end());
    chart.lines.push_back(std::move(line));
    ++drawn;
  }
  // Front lines over the others, chosen and baseline over all.
  std::stable_partition(chart.lines.begin(), chart.lines.end(),
                        [](const svg::ParallelLine& l) { return l.css_class.find("front") != 0; });
  std::stable_partition(chart.lines.begin(), chart.lines.end(), [](const svg::ParallelLine& l) {
    return l.css_class.find("chosen") == std::string::npos && l.css_class.find("baseline") == std::string::npos;
  });
  out += "<p>One line per complete trial through its parameters (left) and objectives (right); "
         "front members are drawn over the others, so the settings the front shares stand out. "
         "Hover a line for the trial, click it for its details.</p>";
  if (names.size() > params.size()) {
    out += fmt::format("<p class=\"note\">Showing the first {} of {} parameters.</p>", params.size(),
                       names.size());
  }
  out += svg::render_parallel(chart);
  if (drawn < page.complete.size()) {
    out += fmt::format("<p class=\"note\">{} of {} complete trials drawn: every front member, the "
                       "chosen and baseline trials (as the charts above draw them one by one), and every {}th of the others.</p>",
                       drawn, page.complete.size(), stride);
  }
  return out + legend(page, false) + "</section>";
}

std::string proxy_chart(const ProxyCorrelation& proxy, const std::string& x_label,
                        const Page& page) {
  Chart chart;
  chart.width = 460;
  chart.height = 340;
  chart.x = unit_axis(x_label, "", svg::choose_log(proxy.proxy));
  chart.y = unit_axis("measured inference energy", "J/inference", svg::choose_log(proxy.energy_j));
  chart.aria_label = "inference energy against " + x_label;
  std::vector<TrialPoint> points;
  for (std::size_t i = 0; i < proxy.proxy.size(); ++i) {
    points.push_back({page.by_number.at(proxy.trial_numbers[i]), proxy.proxy[i], proxy.energy_j[i]});
  }
  scatter(chart, page, points, [&](const TrialPoint& point) {
    return fmt::format("trial {}: {} = {}, {}", point.trial->number, x_label, number(point.x),
                       format_joules(point.y));
  });
  return svg::render_chart(chart);
}

std::string proxies_section(const Page& page) {
  std::string out = R"(<section id="proxies"><h2>Do parameter and FLOP counts predict energy?</h2>)";
  out += "<div class=\"charts\">";
  std::string explanations;
  std::string density_notes;
  std::string table =
      "<table class=\"compact\"><thead><tr><th>Proxy</th><th>Trials</th><th>Spearman ρ</th>"
      "<th>Pearson r</th></tr></thead><tbody>";
  for (const auto& [key, label] : {std::pair<std::string, std::string>{"params", "parameter count"},
                                   {"flops_per_sample", "FLOPs per sample"}}) {
    const ProxyCorrelation proxy = proxy_correlation(page.context.trials, key);
    out += proxy.proxy.empty()
               ? fmt::format("<p class=\"note\">No trial records {} ({}).</p>", label, key)
               : proxy_chart(proxy, label, page);
    density_notes += density_note(page, proxy.trial_numbers);
    table += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
                         "class=\"num\">{}</td></tr>",
                         label, proxy.proxy.size(), number(proxy.spearman), number(proxy.pearson));
    explanations += "<li>" + html_escape(explain_proxy(proxy)) + "</li>";
  }
  out += "</div>" + density_notes + table + "</tbody></table><ul>" + explanations + "</ul>";
  out += "<p>Where proxies mislead: parameter and FLOP counts ignore what actually drives joules "
         "— memory traffic and activation sizes (a wide kernel on a large feature map costs far "
         "more than its parameter count suggests), how well the work fills the hardware, and the "
         "inference knobs (batch size, threads, data type), which change energy without changing "
         "either count. Rank models by measured energy, not by size.</p></section>";
  return out;
}

std::string impact_row(std::string_view label, const std::string& value) {
  return fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>", label, value);
}

// On the net basis the impact's tuning figure differs from the study's
// (gross) one that the header card and ecopt tune state: both are shown.
std::string tuning_gross_note(const NetImpact& impact) {
  if (impact.tuning_j == impact.tuning.gross_j) return "";
  return fmt::format(" ({} gross, as the header and ecopt tune state it)", format_joules(impact.tuning.gross_j));
}

std::string impact_section(const Page& page) {
  const auto& context = page.context;
  const auto& carbon = context.carbon;
  std::string out = R"(<section id="impact"><h2>Carbon and net impact of tuning</h2>)";
  if (!context.impact) {
    out += "<p class=\"note\">Net impact not computed: ";
    out += context.notes.empty() ? "no complete trial with inference energy."
                                 : html_escape(fmt::format("{}", fmt::join(context.notes, "; ")));
    return out + "</p></section>";
  }
  const NetImpact& impact = *context.impact;
  const std::string unit = html_escape(impact.unit);
  out += fmt::format("<p>Every energy figure in this section is {}.{}{}</p>", html_escape(impact.basis),
                     impact.tuning.estimate
                         ? " Some of it is an <span class=\"badge estimate\">estimate</span> from "
                           "CPU time, not a sensor reading."
                         : "",
                     impact.tuning.shared
                         ? " Some trials ran on <span class=\"badge shared\">shared devices</span>, "
                           "so their energy includes parallel trials' work."
                         : "");
  out += "<table class=\"facts\"><tbody>";
  out += impact_row("Chosen model", fmt::format("trial {} — {}", impact.chosen_trial,
                                                html_escape(context.chosen->reason)));
  out += impact_row("Baseline", fmt::format("trial {} — {}", impact.baseline_trial,
                                            html_escape(context.baseline->reason)));
  out += impact_row(fmt::format("Energy per {}: chosen / baseline", unit),
                    fmt::format("{} / {}", format_joules(impact.chosen_j_per_inference),
                                format_joules(impact.baseline_j_per_inference)));
  out += impact_row(fmt::format("Saved per {}", unit), format_joules(impact.saved_j_per_inference));
  out += impact_row("Tuning energy (every trial, training and measuring)",
                    fmt::format("{} over {} trials{}{}", format_joules(impact.tuning_j),
                                impact.tuning.measured, tuning_gross_note(impact),
                                impact.tuning.unmeasured
                                    ? fmt::format(" (lower bound: {} trials record no energy)",
                                                  impact.tuning.unmeasured)
                                    : ""));
  out += impact_row("Break-even",
                    impact.break_even_inferences
                        ? fmt::format("<strong>{} {}s</strong>", format_count(*impact.break_even_inferences), unit)
                        : std::string("never — the chosen model saves nothing per inference"));
  out += impact_row("Tuning carbon", format_grams(impact.tuning_g_co2e) + " CO2e");
  out += impact_row(fmt::format("Carbon per 1,000 {}s: chosen / baseline", unit),
                    fmt::format("{} / {} CO2e", format_grams(impact.chosen_g_co2e_per_1000),
                                format_grams(impact.baseline_g_co2e_per_1000)));
  out += impact_row("Carbon intensity and PUE",
                    fmt::format("{:g} gCO2e/kWh ({}), PUE {:g} ({})", carbon.intensity_g_per_kwh,
                                html_escape(carbon.intensity_source), carbon.pue,
                                html_escape(carbon.pue_source)));
  out += "</tbody></table>";
  out += "<p>Break-even = ⌈tuning energy ÷ energy saved per inference⌉; gCO2e = kWh × PUE × "
         "carbon intensity. After that many inferences with the chosen model instead of the "
         "baseline, the tuning has paid back its own energy.</p></section>";
  return out;
}

std::string state_counts(const std::vector<Trial>& trials) {
  std::map<std::string, int> counts;
  for (const auto& trial : trials) ++counts[std::string(to_string(trial.state))];
  std::vector<std::string> parts;
  for (const auto& [state, count] : counts) parts.push_back(fmt::format("{} {}", count, state));
  return fmt::format("{}", fmt::join(parts, ", "));
}

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

// The marks a headline figure carries: " · estimate", " · shared devices".
std::string energy_marks(bool estimate, bool shared) {
  std::string marks;
  if (estimate) marks += " · <span class=\"badge estimate\">estimate</span>";
  if (shared) marks += " · <span class=\"badge shared\">shared devices</span>";
  return marks;
}

// Whose energy records and metrics the page embeds for its details panel:
// every trial's up to kMaxMarkers trials, else the marked ones'.
bool detailed(const Page& page, std::int64_t number) {
  return page.context.trials.size() <= kMaxMarkers || page.marked.count(number) > 0;
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
  // Parameter columns may be hidden by the script when the table would not
  // fit the page; the reader can show them again.
  for (std::size_t p = 0; p < params.size(); ++p) {
    out += fmt::format("<th class=\"param\" data-column=\"{}\" data-field=\"params.{}\">{}</th>",
                       html_escape(params[p]), p, breakable(params[p]));
  }
  return out + "<th data-type=\"number\" data-field=\"inference_j\">J per inference</th>"
               "<th data-type=\"number\" data-field=\"tuning_j\">tuning J</th>"
               "<th data-field=\"energy\">energy source</th>"
               "<th class=\"note\" data-field=\"fail_reason\">note</th></tr></thead><tbody></tbody></table></div>";
}

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

const char* kPosteriorFrontMethod = R"(<li><b>Front by posterior means</b> (shown when the objectives are noisy): a reading of a noisy objective, energy above all, can be lucky or unlucky, and one lucky reading pushes a truly better neighbour off the observed front. This front is judged by the models instead: one Gaussian process per objective, fitted to every complete trial, predicts each trial's value from its own reading and its neighbours' (its posterior mean), and a feasible trial is on this front when no other feasible trial's predictions are at least as good in every objective and better in one. Ringed points and the badge <span class="badge posterior">posterior front</span> mark its members; the section lists the trials on one front but not the other. It is the front <code>ecopt best-trials --noisy</code> prints.</li>
)";

// How to read the page; the front by posterior means is explained after the
// Pareto front where it is shown.
const char* kMethodPareto = R"(<section id="method"><h2>How to read this report</h2><ul>
<li><b>Pareto front</b>: each point is a complete trial. A trial is on the front when no other feasible trial is at least as good in every objective and better in one; the dashed staircase joins the front. Axes name what they measure, in which unit, with an arrow towards better; "log" marks a logarithmic axis. Trials that break a constraint are hollow and never on the front.</li>
)";
const char* kMethodRest = R"(<li><b>Error bars</b> on front members span the lowest to the highest energy figure over the windows the trial was measured in (per sample or token where the work was counted). Two members whose bars overlap are within measurement spread: measured again, their order may swap. A trial measured in one window has no spread and draws no bar.</li>
<li><b>Hypervolume</b>: the size of the objective space the front dominates, up to a reference point (named under the chart); it only grows, and a step marks a trial that improved the front. Its unit is the product of the objectives' units.</li>
<li><b>Parameter importance</b>: the signed Spearman rank correlation ρ of each numeric parameter with each objective (+1 rises together, −1 opposite, 0 no monotone relation) with its 95 % interval; for a categorical parameter the correlation ratio η (0 to 1, no sign). With few trials the intervals are wide: an interval that spans 0 does not show an effect.</li>
<li><b>Parallel coordinates</b>: one line per trial through its parameters and objectives, front members highlighted, so the settings the front shares stand out.</li>
<li><b>Inference energy</b> is a trial's <code>inference</code> energy record (images; a command's <code>inference</code> phase), else its <code>generation</code> record (per generated token). <b>Tuning energy</b> of a trial is its <code>trial</code> record: the gross energy of one window over the whole trial, training and measurement included; failed and pruned trials count too. A trial told from outside without such a record counts as unmeasured.</li>
<li>Every energy figure carries its source (a sensor, or an <span class="badge estimate">estimate</span> from CPU time), its devices, and whether idle power was subtracted; <span class="badge shared">shared devices</span> marks figures measured while parallel trials ran on the same devices. Click a point or a row for the trial's records: windows, spread, counter updates and the meters' resolution.</li>
<li><b>Default chosen model</b>: the least inference energy among trials within 0.01 of the best quality objective; without one, the knee of the front. <b>Default baseline</b>: the trial with the best quality objective. Break-even = ⌈tuning energy ÷ energy saved per inference⌉.</li>
<li>Numbers are printed with 4 significant digits (1.499e+05), as in <code>ecopt</code>'s tables.</li>
</ul></section>)";

std::string method_section(const Page& page) {
  return std::string(kMethodPareto) + (page.context.posterior_front ? kPosteriorFrontMethod : "") +
         kMethodRest;
}

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

std::string header(const Page& page) {
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
    const std::string impact_marks = energy_marks(
        impact.tuning.estimate || energy_is_estimate(trial_by_number(context.trials, impact.chosen_trial)),
        impact.tuning.shared || energy_is_shared(trial_by_number(context.trials, impact.chosen_trial)));
    out += fmt::format("<div class=\"card\"><b>{}</b><span>per inference ({}), chosen trial {}{}</span></div>",
                       format_joules(impact.chosen_j_per_inference), html_escape(impact.basis),
                       impact.chosen_trial, impact_marks);
    out += fmt::format("<div class=\"card\"><b>{}</b><span>inferences to break even ({}){}</span></div>",
                       impact.break_even_inferences ? format_count(*impact.break_even_inferences)
                                                    : std::string("never"),
                       html_escape(impact.basis), impact_marks);
  }
  return out + "</div>";
}

const char* kNav =
    R"(<nav><a href="#pareto">Pareto front</a><a href="#hypervolume">Hypervolume</a><a href="#importance">Importance</a><a href="#parameters">Parameters</a><a href="#parallel">Parallel coordinates</a><a href="#proxies">Proxies</a><a href="#impact">Carbon &amp; impact</a><a href="#trials">Trials</a><a href="#model-card">Model card</a></nav>)";

}  // namespace

ReportPage render_page(const ReportContext& context) {
  const Page page = make_page(context);
  std::vector<std::string> units;
  for (std::size_t i = 0; i < page.spec.objectives.size(); ++i) {
    units.push_back(objective_unit(page.spec.objectives[i], objective_values(page, i)));
  }
  nlohmann::json data = page_data(
      {page.spec, context.trials, units, [&](std::int64_t number) { return detailed(page, number); }});
  return {page.spec.name + " · ECOpt report",
          {{"summary", "<div id=\"summary\">" + header(page) + "</div>"},
           {"pareto", pareto_section(page)},
           {"hypervolume", hypervolume_section(page)},
           {"importance", importance_section(page)},
           {"parameters", param_plots_section(page)},
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
  static const std::string report_script = csp_script_hash(assets::kReportJs);
  std::string scripts = report_script;
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
  out += "</style></head><body><div class=\"page\">";
  for (std::size_t i = 0; i < page.sections.size(); ++i) {
    out += page.sections[i].html;
    if (i == 0) out += kNav;  // the navigation never changes
  }
  out += "</div><aside id=\"trial-details\" hidden></aside>";
  out += "<script type=\"application/json\" id=\"ecopt-data\">" + json_for_script(page.data) +
         "</script><script>";
  out += assets::kReportJs;
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
