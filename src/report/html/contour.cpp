// The contour section of the report page: each objective over the two
// numeric parameters that explain most of its variance, as a grid of cells
// shaded by the mean objective of the trials in each, the trials drawn on
// top (Optuna's contour plot, binned rather than interpolated over every
// trial, so that 100,000 trials cost one pass).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/core/param.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

constexpr std::size_t kMaxContours = 4;  // objectives
constexpr std::size_t kMinTrials = 8;
constexpr long kMinBins = 4;
constexpr long kMaxBins = 24;

// A charted parameter every complete trial holding it holds as a number,
// on a numeric axis.
bool numeric(const Page& page, const std::string& name) {
  if (!parameter_axis(page, name).categories.empty()) return false;
  return std::all_of(page.complete.begin(), page.complete.end(), [&](const Trial* trial) {
    const auto it = trial->params.find(name);
    return it == trial->params.end() || std::holds_alternative<std::int64_t>(it->second) ||
           std::holds_alternative<double>(it->second);
  });
}

// The two numeric charted parameters with the largest variance explained
// for this objective (ties and NaN in the importance ranking's order).
std::vector<const ParamImportance*> top_pair(const Page& page, std::size_t objective) {
  std::vector<const ParamImportance*> ranked;
  for (const auto& item : page.importance.at(objective)) {
    const bool charted = std::find(page.charted_parameters.begin(), page.charted_parameters.end(), item.param) !=
                         page.charted_parameters.end();
    if (charted && numeric(page, item.param)) ranked.push_back(&item);
  }
  const auto share = [](const ParamImportance* item) {
    return std::isnan(item->variance_share) ? -1.0 : item->variance_share;
  };
  std::stable_sort(ranked.begin(), ranked.end(), [&](auto* a, auto* b) { return share(a) > share(b); });
  if (ranked.size() > 2) ranked.resize(2);
  return ranked;
}

// One axis of the grid, in the axis's own space (log10 on a log axis).
struct Bins {
  bool log = false;
  double low = 0.0;
  double high = 0.0;
  long count = 0;

  double space(double value) const { return log ? std::log10(value) : value; }
  double value(double at) const { return log ? std::pow(10.0, at) : at; }
  long index(double value) const {
    const double at = (space(value) - low) / (high - low) * double(count);
    return std::clamp(static_cast<long>(at), 0L, count - 1);
  }
  double edge(long i) const { return value(low + (high - low) * double(i) / double(count)); }
};

// The least and the greatest value at the centres of the first and the
// last cell: an integer parameter of `count` evenly spaced values gets a
// cell each, rather than values on the cells' edges.
Bins bins_over(const std::vector<double>& values, bool log, long count) {
  Bins bins{log, 0.0, 0.0, count};
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  const double half_cell = (bins.space(*high) - bins.space(*low)) / double(2 * (count - 1));
  bins.low = bins.space(*low) - half_cell;
  bins.high = bins.space(*high) + half_cell;
  return bins;
}

// Each cell's mean; a cell no trial falls in gets the mean of the others
// weighted by inverse squared distance in cells, and is marked estimated.
struct Grid {
  std::vector<double> mean;
  std::vector<std::size_t> count;
};

Grid grid_of(const std::vector<TrialPoint>& points, const Bins& x, const Bins& y, std::size_t objective) {
  const std::size_t cells = static_cast<std::size_t>(x.count * y.count);
  Grid grid{std::vector<double>(cells, 0.0), std::vector<std::size_t>(cells, 0)};
  for (const TrialPoint& point : points) {
    const auto cell = static_cast<std::size_t>(y.index(point.y) * x.count + x.index(point.x));
    grid.mean[cell] += point.trial->values[objective];
    ++grid.count[cell];
  }
  for (std::size_t i = 0; i < cells; ++i) {
    if (grid.count[i]) grid.mean[i] /= double(grid.count[i]);
  }
  for (std::size_t i = 0; i < cells; ++i) {
    if (grid.count[i]) continue;
    double weighted = 0.0;
    double weights = 0.0;
    for (std::size_t j = 0; j < cells; ++j) {
      if (!grid.count[j]) continue;
      const double dx = double(long(i) % x.count - long(j) % x.count);
      const double dy = double(long(i) / x.count - long(j) / x.count);
      const double weight = 1.0 / (dx * dx + dy * dy);
      weighted += weight * grid.mean[j];
      weights += weight;
    }
    grid.mean[i] = weighted / weights;
  }
  return grid;
}

std::string span(const Bins& bins, long i) {
  return fmt::format("{}–{}", number(bins.edge(i)), number(bins.edge(i + 1)));
}

// The cells, darker for a better mean (shaded on a log scale where the
// means span more than 50×, as an axis would be); the range in words.
std::string shade_cells(svg::Chart& chart, const Grid& grid, const Bins& x, const Bins& y, const Objective& objective,
                        const std::string& x_name, const std::string& y_name) {
  const bool log = svg::choose_log(grid.mean);
  const auto scaled = [&](double mean) { return log ? std::log10(mean) : mean; };
  const auto [low, high] = std::minmax_element(grid.mean.begin(), grid.mean.end());
  const double range = scaled(*high) - scaled(*low);
  for (std::size_t i = 0; i < grid.mean.size(); ++i) {
    const long column = long(i) % x.count;
    const long row = long(i) / x.count;
    const double t = range > 0.0 ? (scaled(grid.mean[i]) - scaled(*low)) / range : 0.5;
    const std::string where = fmt::format("{} {}, {} {}: {}", x_name, span(x, column), y_name, span(y, row),
                                          objective.name);
    chart.cells.push_back({x.edge(column), x.edge(column + 1), y.edge(row), y.edge(row + 1),
                           objective.direction == Direction::Maximize ? t : 1.0 - t, grid.count[i] == 0,
                           grid.count[i] ? fmt::format("{} {}, the mean of {} trial{}", where, number(grid.mean[i]),
                                                       grid.count[i], grid.count[i] == 1 ? "" : "s")
                                         : fmt::format("{} ≈ {}, estimated from the other cells (no trial here)",
                                                       where, number(grid.mean[i]))});
  }
  return fmt::format("from {} to {}{}", number(*low), number(*high), log ? " on a log scale" : "");
}

std::string contour_chart(const Page& page, std::size_t objective) {
  const Objective& goal = page.spec.objectives[objective];
  const auto pair = top_pair(page, objective);
  if (pair.size() < 2) {
    return fmt::format("<figure><figcaption>{}</figcaption><p class=\"note\">Fewer than two numeric parameters "
                       "vary.</p></figure>",
                       html_escape(goal.name));
  }
  const std::string& x_name = pair[0]->param;
  const std::string& y_name = pair[1]->param;
  svg::Chart chart;
  chart.x = parameter_axis(page, x_name);
  chart.y = parameter_axis(page, y_name);
  std::vector<TrialPoint> points;
  std::vector<double> xs, ys;
  for (const Trial* trial : page.complete) {
    const auto x = trial->params.find(x_name);
    const auto y = trial->params.find(y_name);
    if (x == trial->params.end() || y == trial->params.end()) continue;
    const double px = as_double(x->second);
    const double py = as_double(y->second);
    if ((chart.x.log && !(px > 0.0)) || (chart.y.log && !(py > 0.0))) continue;
    points.push_back({trial, px, py});
    xs.push_back(px);
    ys.push_back(py);
  }
  const auto bins = std::clamp(std::lround(std::sqrt(double(points.size()) / 2.0)), kMinBins, kMaxBins);
  const Bins x = bins_over(xs, chart.x.log, bins);
  const Bins y = bins_over(ys, chart.y.log, bins);
  if (points.size() < kMinTrials || !(x.high > x.low) || !(y.high > y.low)) {
    return fmt::format("<figure><figcaption>{}</figcaption><p class=\"note\">Fewer than {} trials hold both {} "
                       "and {} apart.</p></figure>",
                       html_escape(goal.name), kMinTrials, html_escape(x_name), html_escape(y_name));
  }
  const std::string range = shade_cells(chart, grid_of(points, x, y, objective), x, y, goal, x_name, y_name);
  const auto column = [&](const std::string& name) {
    return std::find(page.parameters.begin(), page.parameters.end(), name) - page.parameters.begin();
  };
  chart.x_field = fmt::format("params.{}", column(x_name));
  chart.y_field = fmt::format("params.{}", column(y_name));
  chart.aria_label = fmt::format("{} over {} and {}", goal.name, x_name, y_name);
  scatter(chart, page, points);
  chart.density.clear();  // the cells stand for every trial
  return fmt::format(
      "<figure><figcaption>{} over {} and {} (variance explained {} and {})</figcaption>{}<p class=\"note\">{} × {} "
      "cells, the mean {} of the trials in each, {} ({}): darker is better. Paler cells hold no trial: their "
      "value is estimated from the others, weighted by inverse squared distance.</p></figure>",
      html_escape(goal.name), html_escape(x_name), html_escape(y_name), number(pair[0]->variance_share),
      number(pair[1]->variance_share), svg::render_chart(chart), bins, bins, html_escape(goal.name), range,
      html_escape(objective_label(goal, objective_values(page, objective))));
}

}  // namespace

std::string contour_section(const Page& page) {
  std::string out = "<section id=\"contour\"><h2>Contour</h2><p>Each objective over the two numeric parameters "
                    "that explain most of its variance (the importance section's ε²), as Optuna's contour plot: "
                    "where in that plane the good trials lie, and whether the two parameters act together.</p>";
  if (page.complete.size() < kMinTrials) {
    return out + fmt::format("<p class=\"note\">Fewer than {} complete trials.</p></section>", kMinTrials);
  }
  out += "<div class=\"param-grid\">";
  for (std::size_t o = 0; o < std::min(page.spec.objectives.size(), kMaxContours); ++o) out += contour_chart(page, o);
  out += "</div>";
  if (page.complete.size() > kMaxMarkers) {
    out += fmt::format("<p class=\"note\">The cells hold all {} complete trials; the points are the Pareto front, "
                       "the chosen model and the baseline.</p>",
                       format_count(double(page.complete.size())));
  }
  return out + "</section>";
}

}  // namespace ecopt::report::html
