// The history section of the report page: each objective by trial number,
// with the best value so far, as Optuna's optimisation history plots it.
#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/math/front.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

constexpr std::size_t kMaxHistoryCharts = 4;

bool better(double a, double b, Direction direction) {
  return direction == Direction::Maximize ? a > b : a < b;
}

// The staircase of the best value among the feasible complete trials so
// far, from the first of them to the last trial.
std::vector<std::pair<double, double>> best_so_far(const Page& page, std::size_t objective) {
  const Direction direction = page.spec.objectives[objective].direction;
  std::vector<const Trial*> ordered(page.complete.begin(), page.complete.end());
  std::sort(ordered.begin(), ordered.end(), [](const Trial* a, const Trial* b) { return a->number < b->number; });
  std::vector<std::pair<double, double>> line;
  for (const Trial* trial : ordered) {
    if (!is_feasible(*trial, page.spec)) continue;
    const double value = trial->values[objective];
    const auto x = static_cast<double>(trial->number);
    if (line.empty()) {
      line.emplace_back(x, value);
    } else if (better(value, line.back().second, direction)) {
      line.emplace_back(x, line.back().second);
      line.emplace_back(x, value);
    }
  }
  if (!line.empty() && !ordered.empty()) line.emplace_back(static_cast<double>(ordered.back()->number), line.back().second);
  return line;
}

}  // namespace

std::string objective_history_chart(const Page& page, std::size_t objective, int width, bool ringed) {
  const Objective& described = page.spec.objectives[objective];
  svg::Chart chart;
  chart.width = width;
  chart.aria_label = described.name + " by trial";
  chart.x = trial_number_axis();
  chart.x_field = "number";
  chart.y_field = fmt::format("values.{}", objective);
  std::vector<double> ys;
  std::vector<TrialPoint> points;
  for (const Trial* trial : page.complete) {
    ys.push_back(trial->values[objective]);
    points.push_back({trial, static_cast<double>(trial->number), trial->values[objective]});
  }
  scatter(chart, page, points);
  if (ringed) ring_posterior_front(chart, page);
  chart.y = objective_axis(described, ys);
  chart.y.log = false;
  chart.y.range = svg::robust_range(ys, false);
  chart.line = best_so_far(page, objective);
  chart.line_class = "history-line";
  return svg::render_chart(chart);
}

std::string history_section(const Page& page) {
  std::string out = R"(<section id="history"><h2>Objectives over trials</h2>)";
  if (page.complete.empty()) return out + "<p class=\"note\">No complete trial yet.</p></section>";
  const std::size_t shown = std::min(page.spec.objectives.size(), kMaxHistoryCharts);
  const int width = shown == 1 ? kFullWidth : kFullWidth / 2 - 8;
  out += "<div class=\"charts\">";
  for (std::size_t i = 0; i < shown; ++i) out += objective_history_chart(page, i, width, false);
  out += "</div>";
  if (shown < page.spec.objectives.size()) {
    out += fmt::format("<p class=\"note\">The first {} of {} objectives.</p>", shown, page.spec.objectives.size());
  }
  return out + "<p class=\"legend\">Each complete trial at its number; the line is the best value so far "
               "among the trials that satisfy the constraints, in each objective alone (a trade-off "
               "between objectives is the Pareto front's, above).</p></section>";
}

}  // namespace ecopt::report::html
