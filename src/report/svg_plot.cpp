#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/core/format.hpp"
#include "ecopt/core/param.hpp"
#include "ecopt/core/escape.hpp"

namespace ecopt::report::svg {
namespace {

constexpr double kMarginLeft = 64.0;
constexpr double kMarginRight = 18.0;
constexpr double kMarginTop = 12.0;
constexpr double kMarginBottom = 46.0;

// Maps data values to pixels, in log10 space for log axes.
struct Scale {
  double low = 0.0;   // in (possibly log) data space
  double high = 1.0;
  double pixel_from = 0.0;
  double pixel_to = 1.0;
  bool log = false;
  bool clamped = false;  // values beyond [low, high] are drawn at the edge

  double transform(double value) const { return log ? std::log10(value) : value; }
  double operator()(double value) const {
    const double at = clamped ? std::clamp(transform(value), low, high) : transform(value);
    return pixel_from + (at - low) / (high - low) * (pixel_to - pixel_from);
  }
};

Scale make_scale(std::vector<double> values, bool log, double pixel_from, double pixel_to) {
  Scale scale{0.0, 1.0, pixel_from, pixel_to, log, false};
  std::erase_if(values, [&](double v) { return !std::isfinite(v) || (log && v <= 0.0); });
  if (values.empty()) return scale;
  const auto [min_it, max_it] = std::minmax_element(values.begin(), values.end());
  double low = scale.transform(*min_it);
  double high = scale.transform(*max_it);
  if (high - low < 1e-12 * std::max(1.0, std::abs(high))) {
    const double half = std::max(std::abs(high) * 0.1, log ? 0.5 : 1e-9);
    low -= half;
    high += half;
  }
  const double pad = 0.06 * (high - low);
  scale.low = low - pad;
  scale.high = high + pad;
  return scale;
}

// An axis with a range spans it; one without spans `values`.
Scale axis_scale(const Axis& axis, std::vector<double> values, double pixel_from, double pixel_to) {
  if (!axis.range) return make_scale(std::move(values), axis.log, pixel_from, pixel_to);
  Scale scale = make_scale({axis.range->first, axis.range->second}, axis.log, pixel_from, pixel_to);
  scale.clamped = true;
  return scale;
}

// The nice steps (1, 2 or 5 × 10^k) from the one that fits `raw` down.
double nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double residual = raw / magnitude;
  if (residual <= 1.0) return magnitude;
  if (residual <= 2.0) return 2.0 * magnitude;
  if (residual <= 5.0) return 5.0 * magnitude;
  return 10.0 * magnitude;
}

double smaller_step(double step) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double residual = step / magnitude;
  if (residual > 4.5) return 2.0 * magnitude;
  if (residual > 1.5) return magnitude;
  return 0.5 * magnitude;
}

std::vector<double> ticks_every(double step, double low, double high) {
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  }
  return ticks;
}

// About 5 intervals, refined until there are 4 ticks; an integer axis
// never steps below 1.
std::vector<double> linear_ticks(double low, double high, bool integer) {
  double step = nice_step((high - low) / 5.0);
  if (integer) step = std::max(step, 1.0);
  std::vector<double> ticks = ticks_every(step, low, high);
  while (ticks.size() < 4 && !(integer && step <= 1.0)) {
    step = smaller_step(step);
    if (integer) step = std::max(step, 1.0);
    ticks = ticks_every(step, low, high);
  }
  return ticks;
}

// Decades; with fewer than 4 in range, also 2 and 5 times them, then every
// mantissa; then linear ticks.
std::vector<double> log_ticks(double low, double high, bool integer) {
  const int first = static_cast<int>(std::floor(low));
  const int last = static_cast<int>(std::ceil(high));
  const int stride = std::max(1, (last - first) / 6);
  for (const auto& mantissas : {std::vector<double>{1.0}, std::vector<double>{1.0, 2.0, 5.0},
                                std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    std::vector<double> values;
    for (int exponent = first; exponent <= last; exponent += mantissas.size() > 1 ? 1 : stride) {
      for (const double mantissa : mantissas) {
        const double value = mantissa * std::pow(10.0, exponent);
        const double position = std::log10(value);
        if (position >= low && position <= high && (!integer || value >= 1.0)) values.push_back(value);
      }
    }
    if (values.size() >= 4) return values;
  }
  std::vector<double> values;
  for (const double tick : linear_ticks(std::pow(10.0, low), std::pow(10.0, high), integer)) {
    if (tick > 0.0) values.push_back(tick);
  }
  return values;
}

// Data-space tick values of an axis.
std::vector<double> ticks(const Scale& scale, bool integer) {
  return scale.log ? log_ticks(scale.low, scale.high, integer)
                   : linear_ticks(scale.low, scale.high, integer);
}

std::string px(double value) { return fmt::format("{:.1f}", value); }

// Cuts at a code point boundary so that UTF-8 labels stay valid.
std::string shorten(const std::string& text, std::size_t max_code_points) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts_code_point = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_code_point && ++count > max_code_points) return text.substr(0, i) + "…";
  }
  return text;
}

std::string tick_label(const Axis& axis, double tick) {
  if (axis.categories.empty()) return format_number(tick);
  const auto index = static_cast<std::size_t>(std::lround(tick));
  return index < axis.categories.size() ? html_escape(shorten(axis.categories[index], 12)) : "";
}

constexpr double kEm = 0.58;  // estimated mean character width, in em
constexpr double kLabelFont = 12.0;
constexpr double kTickFont = 11.0;

double text_width(const std::string& text, double font) {
  std::size_t characters = 0;
  for (const char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return kEm * font * static_cast<double>(characters);
}

// The rest of a <text> element holding `text` within `length` px: cut with
// "…" where needed, the whole text then in its title.
std::string fitted_text(const std::string& text, double length) {
  if (text_width(text, kLabelFont) <= length) return fmt::format(">{}", html_escape(text));
  const auto fits = static_cast<std::size_t>(length / (kEm * kLabelFont));
  return fmt::format(">{}<title>{}</title>", html_escape(shorten(text, fits > 1 ? fits - 1 : 1)),
                     html_escape(text));
}

// A y label too long to stand along its axis is written above the plot.
bool y_label_on_top(const Chart& chart) {
  return text_width(chart.y.title(), kLabelFont) > chart.height - kMarginBottom;
}

std::vector<double> axis_ticks(const Axis& axis, const Scale& scale) {
  if (axis.categories.empty()) return ticks(scale, axis.integer);
  std::vector<double> indices;
  for (std::size_t i = 0; i < axis.categories.size(); ++i) indices.push_back(static_cast<double>(i));
  return indices;
}

// Grid lines at every tick; labels left to right, each only where it
// does not run into the previous one, and moved in from the chart's right
// edge where a tick near it would put its label past it.
std::string x_ticks_svg(const Axis& axis, const Scale& x, double top, double bottom, double chart_width) {
  std::string out;
  double free_from = -1e9;
  for (const double tick : axis_ticks(axis, x)) {
    const double at = x(tick);
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>)", px(at), px(at),
                       px(top), px(bottom));
    const std::string label = tick_label(axis, tick);
    const double half = text_width(label, kTickFont) / 2.0;
    const double centre = std::min(at, chart_width - half - 1.0);
    if (centre - half < free_from) continue;
    free_from = centre + half + 6.0;
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>)", px(centre),
                       px(bottom + 16), label);
  }
  return out;
}

std::string axes_svg(const Chart& chart, const Scale& x, const Scale& y) {
  std::string out = R"(<g class="ticks y">)";
  const double left = x.pixel_from;
  const double right = x.pixel_to;
  const double top = y.pixel_to;
  const double bottom = y.pixel_from;
  for (const double tick : axis_ticks(chart.y, y)) {
    const double py = y(tick);
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>)", px(left),
                       px(right), px(py), px(py));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>)",
                       px(left - 6), px(py + 4), tick_label(chart.y, tick));
  }
  out += R"(</g><g class="ticks x">)" + x_ticks_svg(chart.x, x, top, bottom, chart.width) + "</g>";
  out += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", px(left),
                     px(top), px(right - left), px(bottom - top));
  out += fmt::format(R"(<text class="axis-label" x="{}" y="{}" text-anchor="middle"{}</text>)",
                     px((left + right) / 2), px(chart.height - 8.0),
                     fitted_text(chart.x.title(), right - left));
  if (y_label_on_top(chart)) {
    out += fmt::format(R"(<text class="axis-label" x="4" y="14"{}</text>)",
                       fitted_text(chart.y.title(), chart.width - 8.0));
  } else {
    out += fmt::format(
        R"svg(<text class="axis-label" transform="translate(14 {}) rotate(-90)" text-anchor="middle"{}</text>)svg",
        px((top + bottom) / 2), fitted_text(chart.y.title(), top + bottom - 4.0));
  }
  return out;
}

bool drawable(const Scale& scale, double value) {
  return std::isfinite(value) && (!scale.log || value > 0.0);
}

// A line across the range with a short cap at each end.
std::string error_bars_svg(const std::vector<ErrorBar>& bars, const Scale& x, const Scale& y) {
  constexpr double kCap = 4.0;
  std::string out;
  for (const auto& bar : bars) {
    const Scale& along = bar.along_x ? x : y;
    if (!drawable(x, bar.x) || !drawable(y, bar.y) || !drawable(along, bar.low) ||
        !drawable(along, bar.high)) {
      continue;
    }
    const double from = along(bar.low);
    const double to = along(bar.high);
    const double across = bar.along_x ? y(bar.y) : x(bar.x);
    std::string path = bar.along_x ? fmt::format("M{0} {1}H{2}M{0} {3}V{4}M{2} {3}V{4}", px(from),
                                                 px(across), px(to), px(across - kCap),
                                                 px(across + kCap))
                                   : fmt::format("M{1} {0}V{2}M{3} {0}H{4}M{3} {2}H{4}", px(from),
                                                 px(across), px(to), px(across - kCap),
                                                 px(across + kCap));
    out += fmt::format(R"(<path class="error-bar" d="{}"/>)", path);
  }
  return out;
}

// Pixel positions of the drawable line points, leaving out each point that
// lies between its neighbours on one whole-pixel row or column: a step
// line of any length keeps only the corners a reader can see.
std::vector<std::pair<double, double>> visible_line(const Chart& chart, const Scale& x,
                                                    const Scale& y) {
  const auto between = [](double a, double b, double c) {
    return std::min(a, c) <= b && b <= std::max(a, c);
  };
  const auto redundant = [&](const auto& a, const auto& b, const auto& c) {
    const auto same = [](double p, double q) { return std::lround(p) == std::lround(q); };
    return (same(a.first, b.first) && same(b.first, c.first) && between(a.second, b.second, c.second)) ||
           (same(a.second, b.second) && same(b.second, c.second) && between(a.first, b.first, c.first));
  };
  std::vector<std::pair<double, double>> points;
  for (const auto& [lx, ly] : chart.line) {
    if (!drawable(x, lx) || !drawable(y, ly)) continue;
    points.emplace_back(x(lx), y(ly));
    while (points.size() >= 3 && redundant(points[points.size() - 3], points[points.size() - 2],
                                           points.back())) {
      points.erase(points.end() - 2);
    }
  }
  return points;
}

// Density points counted on a grid of square cells from the plot's top
// left corner; one path per shade, so a cell costs ~20 bytes whatever it holds.
std::string density_svg(const Chart& chart, const Scale& x, const Scale& y) {
  constexpr int kCell = 8;
  constexpr int kShades = 5;
  if (chart.density.empty()) return "";
  const double left = std::round(x.pixel_from);
  const double top = std::round(y.pixel_to);
  const auto columns = static_cast<std::size_t>(std::ceil((x.pixel_to - left) / kCell));
  const auto rows = static_cast<std::size_t>(std::ceil((y.pixel_from - top) / kCell));
  std::vector<std::size_t> counts(columns * rows, 0);
  std::size_t drawn = 0;
  for (const auto& [dx, dy] : chart.density) {
    if (!drawable(x, dx) || !drawable(y, dy)) continue;
    const auto cell = [](double offset, std::size_t size) {
      return std::min(static_cast<std::size_t>(std::max(offset, 0.0) / kCell), size - 1);
    };
    ++counts[cell(y(dy) - top, rows) * columns + cell(x(dx) - left, columns)];
    ++drawn;
  }
  const std::size_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<std::string> paths(kShades);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    // Shades on a log scale: a cell of 1 and a cell of `most` are both visible.
    const auto shade = most <= 1 ? kShades - 1
                                 : static_cast<int>(std::floor((kShades - 1) * std::log(double(counts[i])) /
                                                               std::log(double(most))));
    paths[static_cast<std::size_t>(shade)] +=
        fmt::format("M{} {}h{}v{}h-{}z", left + double(i % columns) * kCell,
                    top + double(i / columns) * kCell, kCell, kCell, kCell);
  }
  std::string out = fmt::format(
      R"(<g class="density"><title>{} trials drawn as a density: 1 to {} in a cell, darker cells hold more</title>)",
      drawn, most);
  for (int shade = 0; shade < kShades; ++shade) {
    if (!paths[shade].empty()) out += fmt::format(R"(<path class="d{}" d="{}"/>)", shade + 1, paths[shade]);
  }
  return out + "</g>";
}

// "log 0.301029996 3.69897 integer": what report.js needs to redraw an
// axis's ticks for a zoomed range.
std::string scale_attribute(const Axis& axis, const Scale& scale) {
  const char* kind = !axis.categories.empty() ? "category" : scale.log ? "log" : "linear";
  return fmt::format("{} {:.10g} {:.10g}{}", kind, scale.low, scale.high, axis.integer ? " integer" : "");
}

// Cells from light (#eef3f8) to dark blue (#1d3f66): one sequential hue,
// so markers in the palette's colours stay visible over any cell.
std::string cell_fill(double shade) {
  const double t = std::clamp(shade, 0.0, 1.0);
  const auto channel = [&](int light, int dark) { return static_cast<int>(std::lround(light + t * (dark - light))); };
  return fmt::format("#{:02x}{:02x}{:02x}", channel(0xee, 0x1d), channel(0xf3, 0x3f), channel(0xf8, 0x66));
}

std::string cells_svg(const std::vector<Cell>& cells, const Scale& x, const Scale& y) {
  if (cells.empty()) return "";
  std::string out = R"(<g class="cells">)";
  for (const Cell& cell : cells) {
    const double left = x(cell.x_low);
    const double top = y(cell.y_high);
    out += fmt::format(R"(<rect{} x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>)",
                       cell.faded ? R"( class="faded" fill-opacity="0.5")" : "", px(left), px(top), px(x(cell.x_high) - left),
                       px(y(cell.y_low) - top), cell_fill(cell.shade), html_escape(cell.tooltip));
  }
  return out + "</g>";
}

}  // namespace

bool choose_log(const std::vector<double>& values) {
  double low = std::numeric_limits<double>::infinity();
  double high = 0.0;
  for (const double value : values) {
    if (!std::isfinite(value)) continue;
    if (value <= 0.0) return false;
    low = std::min(low, value);
    high = std::max(high, value);
  }
  return high > 0.0 && high / low > 50.0;
}

std::string Axis::title() const {
  std::string qualifiers = unit;
  if (log) qualifiers += qualifiers.empty() ? "log" : ", log";
  std::string text = qualifiers.empty() ? label : label + " (" + qualifiers + ")";
  return arrow.empty() ? text : text + " " + arrow;
}

std::optional<std::pair<double, double>> robust_range(const std::vector<double>& values, bool log) {
  constexpr std::size_t kMinValues = 8;
  constexpr double kFence = 3.0;
  std::vector<double> scaled;
  for (const double value : values) {
    if (std::isfinite(value) && (!log || value > 0.0)) scaled.push_back(log ? std::log10(value) : value);
  }
  if (scaled.size() < kMinValues) return std::nullopt;
  std::sort(scaled.begin(), scaled.end());
  const auto quantile = [&](double q) {
    const double at = q * static_cast<double>(scaled.size() - 1);
    const auto below = static_cast<std::size_t>(at);
    const double above = below + 1 < scaled.size() ? scaled[below + 1] : scaled[below];
    return scaled[below] + (at - static_cast<double>(below)) * (above - scaled[below]);
  };
  const double q1 = quantile(0.25);
  const double q3 = quantile(0.75);
  const double spread = q3 - q1;
  if (!(spread > 0.0)) return std::nullopt;
  const double low_fence = q1 - kFence * spread;
  const double high_fence = q3 + kFence * spread;
  const auto first = std::lower_bound(scaled.begin(), scaled.end(), low_fence);
  const auto last = std::upper_bound(scaled.begin(), scaled.end(), high_fence);
  if (first == scaled.begin() && last == scaled.end()) return std::nullopt;
  const auto unscaled = [&](double value) { return log ? std::pow(10.0, value) : value; };
  return std::pair{unscaled(*first), unscaled(*(last - 1))};
}

bool beyond(const Axis& axis, double value) {
  return axis.range && std::isfinite(value) &&
         (value < axis.range->first || value > axis.range->second);
}

std::string render_chart(const Chart& chart) {
  std::vector<double> xs;
  std::vector<double> ys;
  for (const auto& marker : chart.markers) {
    xs.push_back(marker.x);
    ys.push_back(marker.y);
  }
  for (const auto& [lx, ly] : chart.line) {
    xs.push_back(lx);
    ys.push_back(ly);
  }
  for (const auto& bar : chart.error_bars) {
    (bar.along_x ? xs : ys).insert((bar.along_x ? xs : ys).end(), {bar.low, bar.high});
  }
  for (const auto& [dx, dy] : chart.density) {
    xs.push_back(dx);
    ys.push_back(dy);
  }
  for (const Cell& cell : chart.cells) {
    xs.insert(xs.end(), {cell.x_low, cell.x_high});
    ys.insert(ys.end(), {cell.y_low, cell.y_high});
  }
  const Scale x = axis_scale(chart.x, xs, kMarginLeft, chart.width - kMarginRight);
  const double top = y_label_on_top(chart) ? kMarginTop + 14.0 : kMarginTop;
  const Scale y = axis_scale(chart.y, ys, chart.height - kMarginBottom, top);
  const std::string fields =
      chart.x_field.empty() || chart.y_field.empty()
          ? std::string()
          : fmt::format(R"( data-x-field="{}" data-y-field="{}")", html_escape(chart.x_field),
                        html_escape(chart.y_field));
  std::string out = fmt::format(
      R"(<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" data-x="{}" data-y="{}"{}>)",
      chart.width, chart.height, chart.width, chart.height, html_escape(chart.aria_label),
      scale_attribute(chart.x, x), scale_attribute(chart.y, y), fields);
  out += axes_svg(chart, x, y);
  // What zooming stretches (cells, lines, bars) apart from the markers it
  // moves, so that a marker stays round.
  out += R"(<g class="plot"><g class="stretch">)";
  out += cells_svg(chart.cells, x, y);
  out += density_svg(chart, x, y);
  if (chart.line.size() >= 2) {
    std::string points;
    for (const auto& [lx, ly] : visible_line(chart, x, y)) points += px(lx) + "," + px(ly) + " ";
    out += fmt::format(R"(<polyline class="{}" points="{}"/>)", html_escape(chart.line_class),
                       points);
  }
  out += error_bars_svg(chart.error_bars, x, y) + "</g>";
  for (const auto& marker : chart.markers) {
    if (!drawable(x, marker.x) || !drawable(y, marker.y)) continue;
    const std::string trial_attr =
        marker.trial >= 0 ? fmt::format(R"( data-trial="{}" tabindex="0")", marker.trial) : "";
    if (marker.ring) {
      out += fmt::format(R"(<circle class="ring" cx="{}" cy="{}" r="9"/>)", px(x(marker.x)), px(y(marker.y)));
    }
    const bool outlier = beyond(chart.x, marker.x) || beyond(chart.y, marker.y);
    out += fmt::format(R"(<circle class="pt {}{}" cx="{}" cy="{}" r="{}"{}><title>{}{}</title></circle>)",
                       html_escape(marker.css_class), outlier ? " outlier" : "", px(x(marker.x)), px(y(marker.y)),
                       marker.css_class.find("front") != std::string::npos ? "5.5" : "4.5",
                       trial_attr, html_escape(marker.tooltip),
                       outlier ? "\n(beyond the axis range: drawn at the edge)" : "");
  }
  return out + "</g></svg>";
}

std::string render_bars(const std::vector<Bar>& bars, int width, const std::string& aria_label) {
  constexpr double kRow = 24.0;
  constexpr double kLabelWidth = 150.0;
  constexpr double kValueWidth = 170.0;
  const double bar_span = width - kLabelWidth - kValueWidth - 12.0;
  const double height = kRow * static_cast<double>(bars.size()) + 8.0;
  const auto at = [&](double value) { return kLabelWidth + (std::clamp(value, -1.0, 1.0) + 1.0) / 2.0 * bar_span; };
  std::string out = fmt::format(
      R"(<svg class="chart bars" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)",
      width, px(height), width, px(height), html_escape(aria_label));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double top = 4.0 + kRow * static_cast<double>(i);
    out += fmt::format(R"(<g><title>{}</title>)", html_escape(bar.tooltip.empty() ? bar.label : bar.tooltip));
    out += fmt::format(R"(<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>)",
                       px(kLabelWidth - 8), px(top + 15), html_escape(shorten(bar.label, 20)));
    out += fmt::format(R"(<rect class="bar-track" x="{}" y="{}" width="{}" height="14" rx="3"/>)",
                       px(kLabelWidth), px(top + 4), px(bar_span));
    if (std::isfinite(bar.value)) {
      const double from = std::min(at(0.0), at(bar.value));
      out += fmt::format(R"(<rect class="bar {}" x="{}" y="{}" width="{}" height="14" rx="3"/>)",
                         bar.value < 0.0 ? "negative" : "positive", px(from), px(top + 4),
                         px(std::abs(at(bar.value) - at(0.0))));
    }
    if (std::isfinite(bar.low) && std::isfinite(bar.high)) {
      const double mid = top + 11.0;
      out += fmt::format(R"(<path class="interval" d="M{0} {1}H{2}M{0} {3}V{4}M{2} {3}V{4}"/>)",
                         px(at(bar.low)), px(mid), px(at(bar.high)), px(mid - 4), px(mid + 4));
    }
    out += fmt::format(R"(<text class="bar-value" x="{}" y="{}">{}</text></g>)",
                       px(kLabelWidth + bar_span + 8), px(top + 15), html_escape(bar.value_text));
  }
  out += fmt::format(R"(<line class="centre" x1="{0}" x2="{0}" y1="2" y2="{1}"/>)", px(at(0.0)),
                     px(height - 2));
  return out + "</svg>";
}

namespace {

constexpr double kParallelTop = 44.0;  // room for two title lines
constexpr double kParallelBottom = 14.0;
constexpr double kParallelSide = 70.0;  // room for the first axis' tick labels

// Tick labels left of the axis, each only where it clears the one below.
std::string parallel_ticks_svg(const Axis& axis, const Scale& scale, double at_x) {
  std::string out;
  double free_above = 1e9;
  for (const double tick : axis_ticks(axis, scale)) {
    const double at_y = scale(tick);
    if (at_y > free_above) continue;
    free_above = at_y - 13.0;
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>)", px(at_x - 4), px(at_x),
                       px(at_y), px(at_y));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>)", px(at_x - 6),
                       px(at_y + 4), tick_label(axis, tick));
  }
  return out;
}

// The axis name on the first line, its unit, log and arrow on the second.
std::string parallel_title_svg(const Axis& axis, double at_x, double spacing) {
  std::string second = axis.unit;
  if (axis.log) second += second.empty() ? "log" : ", log";
  if (!second.empty()) second = "(" + second + ")";
  if (!axis.arrow.empty()) second += second.empty() ? axis.arrow : " " + axis.arrow;
  std::string out = fmt::format(R"(<text class="axis-label" x="{}" y="14" text-anchor="middle"{}</text>)",
                                px(at_x), fitted_text(axis.label, spacing - 6.0));
  if (!second.empty()) {
    out += fmt::format(R"(<text class="axis-label unit" x="{}" y="30" text-anchor="middle"{}</text>)",
                       px(at_x), fitted_text(second, spacing - 6.0));
  }
  return out;
}

}  // namespace

std::string render_parallel(const ParallelChart& chart) {
  const std::size_t count = chart.axes.size();
  const double spacing = count > 1 ? (chart.width - 2.0 * kParallelSide) / static_cast<double>(count - 1) : 0.0;
  const auto axis_x = [&](std::size_t i) { return kParallelSide + spacing * static_cast<double>(i); };
  std::vector<Scale> scales;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> values;
    for (const auto& line : chart.lines) values.push_back(line.values[i]);
    if (!chart.axes[i].categories.empty()) {
      values.insert(values.end(), {0.0, static_cast<double>(chart.axes[i].categories.size() - 1)});
    }
    scales.push_back(make_scale(values, chart.axes[i].log, chart.height - kParallelBottom, kParallelTop));
  }
  std::string out = fmt::format(
      R"(<svg class="chart parallel" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)",
      chart.width, chart.height, chart.width, chart.height, html_escape(chart.aria_label));
  for (const auto& line : chart.lines) {
    std::string path;
    bool drawing = false;
    for (std::size_t i = 0; i < count; ++i) {
      if (!drawable(scales[i], line.values[i])) {
        drawing = false;
        continue;
      }
      path += fmt::format("{}{} {}", drawing ? "L" : "M", px(axis_x(i)), px(scales[i](line.values[i])));
      drawing = true;
    }
    const std::string trial_attr =
        line.trial >= 0 ? fmt::format(R"( data-trial="{}" tabindex="0")", line.trial) : "";
    out += fmt::format(R"(<path class="pc-line {}" d="{}"{}><title>{}</title></path>)",
                       html_escape(line.css_class), path, trial_attr, html_escape(line.tooltip));
  }
  // Axes over the lines, so that their labels stay readable; a brushable
  // one over a band that takes the drag.
  for (std::size_t i = 0; i < count; ++i) {
    const bool brushable = !chart.fields.empty() && !chart.fields[i].empty();
    out += brushable ? fmt::format(R"(<g class="pc-axis" data-field="{}" data-scale="{}">)",
                                   html_escape(chart.fields[i]), scale_attribute(chart.axes[i], scales[i]))
                     : R"(<g class="pc-axis">)";
    out += fmt::format(R"(<line class="frame" x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>)", px(axis_x(i)),
                       px(kParallelTop), px(chart.height - kParallelBottom));
    out += parallel_ticks_svg(chart.axes[i], scales[i], axis_x(i));
    out += parallel_title_svg(chart.axes[i], axis_x(i), count > 1 ? spacing : chart.width);
    if (brushable) {
      out += fmt::format(R"(<rect class="pc-band" x="{}" y="{}" width="16" height="{}"/>)", px(axis_x(i) - 8),
                         px(kParallelTop), px(chart.height - kParallelBottom - kParallelTop));
    }
    out += "</g>";
  }
  return out + "</svg>";
}

}  // namespace ecopt::report::svg
