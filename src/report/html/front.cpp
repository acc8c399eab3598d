// The Pareto front and hypervolume sections of the report page.
#include "html/sections.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/energy/front_flags.hpp"
#include "ecopt/math/front.hpp"

namespace ecopt::report::html {
namespace {

using svg::Chart;

constexpr std::size_t kMaxPairwiseObjectives = 4;

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

// The trials a chart drew at its edge, beyond an axis kept to the range of
// the others (svg::robust_range), with their values.
std::string outliers_note(const Chart& chart, const Page& page, std::size_t xi, std::size_t yi) {
  std::vector<std::string> listed;
  for (const Trial* trial : page.complete) {
    const double x = trial->values[xi];
    const double y = trial->values[yi];
    if (!svg::beyond(chart.x, x) && !svg::beyond(chart.y, y)) continue;
    const std::size_t first = std::min(xi, yi);  // in the objectives' order
    const std::size_t second = std::max(xi, yi);
    listed.push_back(fmt::format("trial {} ({} {}, {} {})", trial->number, page.spec.objectives[first].name,
                                 number(trial->values[first]), page.spec.objectives[second].name,
                                 number(trial->values[second])));
  }
  if (listed.empty()) return "";
  constexpr std::size_t kMaxListed = 8;
  const std::size_t more = listed.size() > kMaxListed ? listed.size() - kMaxListed : 0;
  listed.resize(std::min(listed.size(), kMaxListed));
  return "<p class=\"note outliers\">" +
         html_escape(fmt::format("Far from the others, drawn at the chart's edge (outlined): {}{}. The axes "
                                 "span the other trials (within 3 interquartile ranges of their quartiles).",
                                 fmt::join(listed, "; "), more ? fmt::format("; {} more", more) : "")) +
         "</p>";
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
  chart.x_field = fmt::format("values.{}", xi);
  chart.y_field = fmt::format("values.{}", yi);
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
  return svg::render_chart(chart) + outliers_note(chart, page, xi, yi);
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

// Front members placed by figures the meters could not resolve.
std::string resolution_note(const Page& page) {
  std::vector<Trial> members;
  for (const std::int64_t number : page.front) members.push_back(*page.by_number.at(number));
  const std::string note = front_flag_note(members);
  return note.empty() ? note : "<p class=\"spread-note resolution-note\">" + html_escape(note) + "</p>";
}

}  // namespace

std::string hypervolume_unit(const StudySpec& spec) {
  std::vector<std::string> units;
  for (const auto& objective : spec.objectives) {
    units.push_back(metric_unit(objective).unit);
    if (units.back().empty()) return "objective units";
  }
  return fmt::format("{}", fmt::join(units, " × "));
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
    out += objective_history_chart(page, 0, svg::Chart{}.width, true);
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
  return out + legend(page, true) + posterior_front_note(page) + spread_notes(page) +
         resolution_note(page) + "</section>";
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
    const std::int64_t trial = history.trial_numbers[i];
    chart.markers.push_back({static_cast<double>(trial), history.hypervolume[i], trial, "front",
                             fmt::format("trial {} raised the hypervolume to {}{}", trial,
                                         number(history.hypervolume[i]),
                                         values_and_parameters(page, *page.by_number.at(trial)))});
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

}  // namespace ecopt::report::html
