#pragma once
// What every section of the report's HTML page shares: the Page (the
// study's fronts, chosen and baseline trials, marked trials and declared
// space, computed once) and the helpers that draw trials onto charts.
// Private to src/report.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ecopt/space/search_space.hpp"
#include "report_context.hpp"
#include "svg_plot.hpp"

namespace ecopt::report::html {

constexpr int kFullWidth = 1160;  // a section's inner width on a 1280 px page
// A chart of more points draws only the marked trials one by one and the
// others as a density (docs/report.md, "Large studies").
constexpr std::size_t kMaxMarkers = 1000;

// Every number on the page as every CLI table prints it (core/param.hpp).
std::string number(double value);

// [low, high] on an objective's scale.
using Range = std::pair<double, double>;

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
  // The parameters whose values differ among the complete trials, in that
  // order, which the parameter charts draw; the others, with the value every
  // complete trial shares, are listed once (a fixed parameter, or one the
  // sampler never moved, would draw a flat line over a meaningless range).
  std::vector<std::string> charted_parameters;
  std::vector<std::pair<std::string, std::string>> shared_parameters;
  // parameter_importance (report/analysis.hpp), once for the importance
  // and contour sections: one list per objective, most important first.
  std::vector<std::vector<ParamImportance>> importance;
};

Page make_page(const ReportContext& context);

const char* arrow(Direction direction);
// The unit an objective's values are in: accuracy above 1 is a percentage.
std::string objective_unit(const Objective& objective, const std::vector<double>& values);
svg::Axis unit_axis(std::string label, std::string unit, bool log = false);
svg::Axis objective_axis(const Objective& objective, const std::vector<double>& values);
// "inference efficiency (samples/J) ↑", for pills and headers.
std::string objective_label(const Objective& objective, const std::vector<double>& values);
svg::Axis trial_number_axis();
// A hypervolume is in the product of the objectives' units (front.cpp).
std::string hypervolume_unit(const StudySpec& spec);

std::vector<std::int64_t> complete_numbers(const Page& page);
std::vector<double> objective_values(const Page& page, std::size_t objective);

// What hovering a point says: the trial, its objective values and its
// parameters.
std::string point_title(const Page& page, const Trial& trial);
// "\naccuracy = 0.9\nwidth = 16": the lines that end every trial's hover
// text, whatever the chart says of the trial before them.
std::string values_and_parameters(const Page& page, const Trial& trial);
std::string marker_class(const Page& page, std::int64_t number);

struct TrialPoint {
  const Trial* trial;
  double x;
  double y;
};

// Every point as a marker up to kMaxMarkers; beyond, the marked trials as
// markers and the others into the chart's density. Front markers come last,
// so they are drawn over dominated ones. title(point) says what hovering says.
template <typename Title>
void scatter(svg::Chart& chart, const Page& page, const std::vector<TrialPoint>& points, Title title) {
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
                        [](const svg::Marker& m) { return m.css_class.find("front") != 0; });
}

void scatter(svg::Chart& chart, const Page& page, const std::vector<TrialPoint>& points);

// The front charts ring the members of the front by posterior means.
void ring_posterior_front(svg::Chart& chart, const Page& page);
// What a scatter of these trials draws partly as a density says so.
std::string density_note(const Page& page, const std::vector<std::int64_t>& numbers);
// `ringed`: the chart circles the front by posterior means.
std::string legend(const Page& page, bool ringed);

// "The same in every trial, so not charted: dropout = 0, pool = max.";
// empty when every parameter varies.
std::string shared_parameters_note(const Page& page);

// Whose energy records and metrics the page embeds for its details panel:
// every trial's up to kMaxMarkers trials, else the marked ones'.
bool detailed(const Page& page, std::int64_t number);

}  // namespace ecopt::report::html
