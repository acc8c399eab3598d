#pragma once
// Compact server-side SVG charts for the HTML report: scatter, step line
// and horizontal bars. Every label passes through html_escape, so user
// strings (parameter names, values) are inert.
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace ecopt::report::svg {

struct Axis {
  std::string label;
  bool log = false;  // decided by choose_log() when the caller wants it
  // When set, values are indices 0..n-1 and ticks show these names.
  std::vector<std::string> categories;
  std::string unit;   // printed after the label: "inference efficiency (samples/J)"
  std::string arrow;  // the better direction: "↑" or "↓"; empty when neither
  bool integer = false;  // ticks at whole numbers only
  // Where set (robust_range), the axis spans this range of values only: a
  // point beyond it is drawn at the chart's edge and marked "outlier",
  // never left out (render_chart; parallel coordinates span every value).
  std::optional<std::pair<double, double>> range;

  // "inference efficiency (samples/J, log) ↑"
  std::string title() const;
};

// A log axis helps when every value is positive and the largest is more
// than 50 times the smallest.
bool choose_log(const std::vector<double>& values);

// The range an axis keeps to when some values lie far out: the values
// within Tukey's far fences (quartiles ∓ 3 × the interquartile range, on
// the log scale for a log axis), with at least 8 values and some beyond
// them; nullopt otherwise. One diverged trial then no longer squashes the
// others into a thin band.
std::optional<std::pair<double, double>> robust_range(const std::vector<double>& values, bool log);

// Whether `value` lies beyond the axis's range (never without one).
bool beyond(const Axis& axis, double value);

struct Marker {
  double x = 0.0;
  double y = 0.0;
  std::int64_t trial = -1;  // -1: not a trial (no click target)
  std::string css_class;    // "front", "dominated", ...
  std::string tooltip;
  bool ring = false;  // circled (a member of the front by posterior means)
};

// The measured range of a point along one axis, drawn under its marker.
struct ErrorBar {
  double x = 0.0;
  double y = 0.0;
  bool along_x = true;
  double low = 0.0;
  double high = 0.0;
};

// A rectangle of the plot in data coordinates shaded by a value (a
// contour plot's grid cell), drawn under everything else.
struct Cell {
  double x_low = 0.0;
  double x_high = 0.0;
  double y_low = 0.0;
  double y_high = 0.0;
  double shade = 0.0;   // in [0, 1]: 0 the lightest, 1 the darkest
  bool faded = false;   // drawn paler: estimated, not observed
  std::string tooltip;
};

struct Chart {
  Axis x;
  Axis y;
  std::vector<Marker> markers;
  std::vector<ErrorBar> error_bars;
  // Points too many to draw one by one: counted on a grid of cells and
  // drawn under everything else as cells shaded by how many they hold.
  std::vector<std::pair<double, double>> density;
  std::vector<Cell> cells;
  // Drawn under the markers as one polyline (front staircase, history);
  // the caller adds the corner points. Points that change nothing at pixel
  // resolution are left out, so a line of 100,000 steps stays small.
  std::vector<std::pair<double, double>> line;
  std::string line_class = "front-line";
  // The page data's trial fields the axes show ("values.1", "number"),
  // where the chart's trials may be brushed to filter the trial table
  // (report.js); empty: not brushable.
  std::string x_field;
  std::string y_field;
  int width = 560;
  int height = 380;
  std::string aria_label;
};

// The chart carries its scales (data-x, data-y: "linear|log|category LOW
// HIGH [integer]", LOW and HIGH in log10 on a log axis) and its plot in
// groups report.js redraws, so the reader can zoom, pan and brush it.
std::string render_chart(const Chart& chart);

struct Bar {
  std::string label;
  double value = 0.0;      // in [-1, 1]; NaN draws no bar
  std::string value_text;  // printed after the bar: "ρ +0.80 [+0.05, +0.98]"
  double low = std::nan("");  // an interval drawn as a whisker, when both are set
  double high = std::nan("");
  std::string tooltip;
};

// Horizontal bars on a fixed [-1, 1] scale from a centre line.
std::string render_bars(const std::vector<Bar>& bars, int width, const std::string& aria_label);

// Parallel coordinates: one vertical axis per dimension, one line per
// trial through its values (NaN: the trial has none there, the line breaks).
struct ParallelLine {
  std::vector<double> values;  // one per axis; category indices on categorical axes
  std::int64_t trial = -1;
  std::string css_class;  // "front", "dominated", ...
  std::string tooltip;
};

struct ParallelChart {
  std::vector<Axis> axes;
  // The page data's trial field each axis shows ("params.3", "values.0"),
  // where a drag along it may brush a range (report.js); empty: not
  // brushable. None at all, or one per axis.
  std::vector<std::string> fields;
  std::vector<ParallelLine> lines;  // drawn in order: the last on top
  int width = 1160;
  int height = 420;
  std::string aria_label;
};

// Each axis is a group (g.pc-axis) with, where brushable, its field and
// scale (data-field, data-scale as render_chart's data-x).
std::string render_parallel(const ParallelChart& chart);

}  // namespace ecopt::report::svg
