#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/report/escape.hpp"

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

  double transform(double value) const { return log ? std::log10(value) : value; }
  double operator()(double value) const {
    return pixel_from + (transform(value) - low) / (high - low) * (pixel_to - pixel_from);
  }
};

Scale make_scale(std::vector<double> values, bool log, double pixel_from, double pixel_to) {
  Scale scale{0.0, 1.0, pixel_from, pixel_to, log};
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

double nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double residual = raw / magnitude;
  if (residual <= 1.0) return magnitude;
  if (residual <= 2.0) return 2.0 * magnitude;
  if (residual <= 5.0) return 5.0 * magnitude;
  return 10.0 * magnitude;
}

std::vector<double> linear_ticks(double low, double high) {
  const double step = nice_step((high - low) / 5.0);
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  }
  return ticks;
}

// Data-space tick values of an axis.
std::vector<double> ticks(const Scale& scale) {
  if (!scale.log) return linear_ticks(scale.low, scale.high);
  std::vector<double> values;
  const int first = static_cast<int>(std::floor(scale.low));
  const int last = static_cast<int>(std::ceil(scale.high));
  const int stride = std::max(1, (last - first) / 6);
  for (const double mantissa : {1.0, 2.0, 5.0}) {
    if (mantissa > 1.0 && last - first > 2) break;  // decades alone are enough
    for (int exponent = first; exponent <= last; exponent += (mantissa > 1.0 ? 1 : stride)) {
      const double value = mantissa * std::pow(10.0, exponent);
      const double position = std::log10(value);
      if (position >= scale.low && position <= scale.high) values.push_back(value);
    }
  }
  std::sort(values.begin(), values.end());
  if (values.size() >= 2) return values;
  values.clear();
  for (const double tick : linear_ticks(std::pow(10.0, scale.low), std::pow(10.0, scale.high))) {
    if (tick > 0.0) values.push_back(tick);
  }
  return values;
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
  if (axis.categories.empty()) return si(tick);
  const auto index = static_cast<std::size_t>(std::lround(tick));
  return index < axis.categories.size() ? html_escape(shorten(axis.categories[index], 12)) : "";
}

std::vector<double> axis_ticks(const Axis& axis, const Scale& scale) {
  if (axis.categories.empty()) return ticks(scale);
  std::vector<double> indices;
  for (std::size_t i = 0; i < axis.categories.size(); ++i) indices.push_back(static_cast<double>(i));
  return indices;
}

std::string axes_svg(const Chart& chart, const Scale& x, const Scale& y) {
  std::string out;
  const double left = kMarginLeft;
  const double right = chart.width - kMarginRight;
  const double top = kMarginTop;
  const double bottom = chart.height - kMarginBottom;
  for (const double tick : axis_ticks(chart.y, y)) {
    const double py = y(tick);
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>)", px(left),
                       px(right), px(py), px(py));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>)",
                       px(left - 6), px(py + 4), tick_label(chart.y, tick));
  }
  for (const double tick : axis_ticks(chart.x, x)) {
    const double pxx = x(tick);
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>)", px(pxx),
                       px(pxx), px(top), px(bottom));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>)",
                       px(pxx), px(bottom + 16), tick_label(chart.x, tick));
  }
  out += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", px(left),
                     px(top), px(right - left), px(bottom - top));
  out += fmt::format(R"(<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>)",
                     px((left + right) / 2), px(chart.height - 8.0),
                     html_escape(chart.x.label + (chart.x.log ? " (log)" : "")));
  out += fmt::format(
      R"svg(<text class="axis-label" transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>)svg",
      px((top + bottom) / 2), html_escape(chart.y.label + (chart.y.log ? " (log)" : "")));
  return out;
}

bool drawable(const Scale& scale, double value) {
  return std::isfinite(value) && (!scale.log || value > 0.0);
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

std::string si(double value) {
  if (value == 0.0 || !std::isfinite(value)) return fmt::format("{:g}", value);
  const double magnitude = std::abs(value);
  if (magnitude >= 1e-2 && magnitude < 1e4) return fmt::format("{:.4g}", value);
  static constexpr const char* kPrefixes[] = {"p", "n", "µ", "m", "", "k", "M", "G", "T"};
  int group = static_cast<int>(std::floor(std::log10(magnitude) / 3.0));
  group = std::clamp(group, -4, 4);
  double scaled = value / std::pow(1000.0, group);
  if (std::abs(scaled) >= 999.5 && group < 4) {
    ++group;
    scaled /= 1000.0;
  }
  return fmt::format("{:.3g}{}", scaled, kPrefixes[group + 4]);
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
  const Scale x = make_scale(xs, chart.x.log, kMarginLeft, chart.width - kMarginRight);
  const Scale y = make_scale(ys, chart.y.log, chart.height - kMarginBottom, kMarginTop);
  std::string out = fmt::format(
      R"(<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)",
      chart.width, chart.height, chart.width, chart.height, html_escape(chart.aria_label));
  out += axes_svg(chart, x, y);
  if (chart.line.size() >= 2) {
    std::string points;
    for (const auto& [lx, ly] : chart.line) {
      if (drawable(x, lx) && drawable(y, ly)) points += px(x(lx)) + "," + px(y(ly)) + " ";
    }
    out += fmt::format(R"(<polyline class="{}" points="{}"/>)", html_escape(chart.line_class),
                       points);
  }
  for (const auto& marker : chart.markers) {
    if (!drawable(x, marker.x) || !drawable(y, marker.y)) continue;
    const std::string trial_attr =
        marker.trial >= 0 ? fmt::format(R"( data-trial="{}" tabindex="0")", marker.trial) : "";
    out += fmt::format(R"(<circle class="pt {}" cx="{}" cy="{}" r="{}"{}><title>{}</title></circle>)",
                       html_escape(marker.css_class), px(x(marker.x)), px(y(marker.y)),
                       marker.css_class.find("front") != std::string::npos ? "5.5" : "4.5",
                       trial_attr, html_escape(marker.tooltip));
  }
  return out + "</svg>";
}

std::string render_bars(const std::vector<Bar>& bars, int width, const std::string& aria_label) {
  constexpr double kRow = 24.0;
  constexpr double kLabelWidth = 150.0;
  constexpr double kValueWidth = 64.0;
  const double bar_span = width - kLabelWidth - kValueWidth - 12.0;
  const double height = kRow * static_cast<double>(bars.size()) + 8.0;
  std::string out = fmt::format(
      R"(<svg class="chart bars" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)",
      width, px(height), width, px(height), html_escape(aria_label));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double top = 4.0 + kRow * static_cast<double>(i);
    const std::string label = shorten(bar.label, 20);
    out += fmt::format(R"(<text class="bar-label" x="{}" y="{}" text-anchor="end">{}<title>{}</title></text>)",
                       px(kLabelWidth - 8), px(top + 15), html_escape(label), html_escape(bar.label));
    out += fmt::format(R"(<rect class="bar-track" x="{}" y="{}" width="{}" height="14" rx="3"/>)",
                       px(kLabelWidth), px(top + 4), px(bar_span));
    const bool known = std::isfinite(bar.value);
    if (known) {
      out += fmt::format(R"(<rect class="bar" x="{}" y="{}" width="{}" height="14" rx="3"/>)",
                         px(kLabelWidth), px(top + 4),
                         px(std::clamp(bar.value, 0.0, 1.0) * bar_span));
    }
    out += fmt::format(R"(<text class="bar-value" x="{}" y="{}">{}</text>)",
                       px(kLabelWidth + bar_span + 8), px(top + 15),
                       html_escape(known ? fmt::format("{:.2f} {}", bar.value, bar.note) : "n/a"));
  }
  return out + "</svg>";
}

}  // namespace ecopt::report::svg
