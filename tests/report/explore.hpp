#pragma once
// Exploring the report's charts in real Chromium with real mouse events
// (the report and dashboard browser tests): wheel zoom, drag pan, shift-drag
// brush, hover; and what a test reads back: a chart's tick labels, the
// markers its ticks misplace, the table's rows and the trial highlighted.
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chromium.hpp"

namespace ecopt::testing {

constexpr int kShift = 8;  // Input.dispatchMouseEvent's modifier bit

struct ViewportPoint {
  double x = 0.0;
  double y = 0.0;
};

// The point at fractions (fx, fy) of a chart's plot frame from its top
// left corner, in viewport px, with the chart scrolled into view.
inline ViewportPoint plot_point(ChromiumSession& browser, const std::string& chart, double fx, double fy) {
  const auto box = browser.evaluate(fmt::format(
      R"js((() => {{ const svg = document.querySelector('{}'); svg.scrollIntoView({{ block: 'center' }});
        const r = svg.querySelector('rect.frame').getBoundingClientRect();
        return [r.left, r.top, r.width, r.height]; }})())js",
      chart));
  return {box[0].get<double>() + fx * box[2].get<double>(), box[1].get<double>() + fy * box[3].get<double>()};
}

inline void wheel(ChromiumSession& browser, ViewportPoint at, double delta_y) {
  browser.mouse("mouseMoved", at.x, at.y);
  browser.mouse("mouseWheel", at.x, at.y, {{"deltaX", 0}, {"deltaY", delta_y}});
}

// Press, move in steps, release: a pan, or with kShift a brush.
inline void drag(ChromiumSession& browser, ViewportPoint from, ViewportPoint to, int modifiers = 0) {
  const nlohmann::json held = {{"button", "left"}, {"buttons", 1}, {"modifiers", modifiers}};
  browser.mouse("mouseMoved", from.x, from.y, {{"modifiers", modifiers}});
  browser.mouse("mousePressed", from.x, from.y, {{"button", "left"}, {"buttons", 1}, {"clickCount", 1}, {"modifiers", modifiers}});
  for (int step = 1; step <= 5; ++step) {
    browser.mouse("mouseMoved", from.x + (to.x - from.x) * step / 5, from.y + (to.y - from.y) * step / 5, held);
  }
  browser.mouse("mouseReleased", to.x, to.y, {{"button", "left"}, {"buttons", 0}, {"clickCount", 1}, {"modifiers", modifiers}});
}

inline void double_click(ChromiumSession& browser, ViewportPoint at) {
  for (const int count : {1, 2}) {
    browser.mouse("mousePressed", at.x, at.y, {{"button", "left"}, {"buttons", 1}, {"clickCount", count}});
    browser.mouse("mouseReleased", at.x, at.y, {{"button", "left"}, {"buttons", 0}, {"clickCount", count}});
  }
}

// The tick labels of axis "x" (under the plot) or "y" (left of it) as
// drawn, each with where: "100 @ 352.5".
inline std::vector<std::string> tick_labels(ChromiumSession& browser, const std::string& chart, char axis) {
  return browser.evaluate(fmt::format(
      R"js(Array.from(document.querySelector('{}').querySelectorAll('text.tick[text-anchor="{}"]'))
        .filter((t) => getComputedStyle(t).display !== 'none').map((t) => t.textContent + ' @ ' + t.getAttribute('{}')))js",
      chart, axis == 'x' ? "middle" : "end", axis));
}

// The markers inside a chart's plot frame that its tick labels misplace by
// more than 2 px (svg units), as "trial N: x at 100.0, ticks say 140.0":
// each marker's value, read from its hover text ("name = value" lines),
// placed by interpolating between the first and last tick label (in log10
// on an axis whose title says "log"). Also the count of markers checked.
inline nlohmann::json misplaced_markers(ChromiumSession& browser, const std::string& chart,
                                        const std::string& x_name, const std::string& y_name) {
  return browser.evaluate(fmt::format(R"js((() => {{
    const svg = document.querySelector('{0}');
    const frame = svg.querySelector('rect.frame');
    const fx = Number(frame.getAttribute('x')), fy = Number(frame.getAttribute('y'));
    const fw = Number(frame.getAttribute('width')), fh = Number(frame.getAttribute('height'));
    const labels = svg.querySelectorAll('text.axis-label');
    const axes = [['x', 'middle', 'x', '{1}', labels[0]], ['y', 'end', 'y', '{2}', labels[1]]].map(
      ([name, anchor, attribute, field, label]) => {{
        const log = label.textContent.includes('log');
        const ticks = Array.from(svg.querySelectorAll('text.tick[text-anchor="' + anchor + '"]'))
          .filter((t) => getComputedStyle(t).display !== 'none')
          .map((t) => [Number(t.textContent), Number(t.getAttribute(attribute)) - (name === 'y' ? 4 : 0)]);
        const first = ticks[0], last = ticks[ticks.length - 1];
        const at = (v) => log ? Math.log10(v) : v;
        return {{ name, field, place: (v) => first[1] + (at(v) - at(first[0])) / (at(last[0]) - at(first[0])) * (last[1] - first[1]) }};
      }});
    const problems = [];
    let checked = 0;
    for (const marker of svg.querySelectorAll('circle.pt[data-trial]:not(.outlier)')) {{
      const cx = Number(marker.getAttribute('cx')), cy = Number(marker.getAttribute('cy'));
      if (cx < fx || cx > fx + fw || cy < fy || cy > fy + fh) continue;
      ++checked;
      const text = marker.querySelector('title').textContent;
      for (const axis of axes) {{
        const value = Number(new RegExp('^' + axis.field + ' = (.*)$', 'm').exec(text)[1]);
        const drawn = axis.name === 'x' ? cx : cy;
        const said = axis.place(value);
        if (Math.abs(said - drawn) > 2) problems.push('trial ' + marker.dataset.trial + ': ' + axis.name + ' at ' + drawn.toFixed(1) + ', ticks say ' + said.toFixed(1));
      }}
    }}
    return {{ checked, problems }};
  }})())js", chart, x_name, y_name));
}

// The trial numbers of the table rows shown.
inline std::set<std::int64_t> table_rows(ChromiumSession& browser) {
  return browser.evaluate("Array.from(document.querySelectorAll('#trial-table tbody tr')).map((r) => Number(r.dataset.trial))")
      .get<std::set<std::int64_t>>();
}

// The trials whose markers in `chart` lie within the viewport rectangle
// spanned by two points.
inline std::set<std::int64_t> markers_within(ChromiumSession& browser, const std::string& chart, ViewportPoint a,
                                             ViewportPoint b) {
  return browser.evaluate(fmt::format(R"js(Array.from(document.querySelector('{}').querySelectorAll('circle.pt[data-trial]'))
      .filter((c) => {{ const r = c.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
        return x >= {} && x <= {} && y >= {} && y <= {}; }}).map((c) => Number(c.dataset.trial)))js",
      chart, std::min(a.x, b.x), std::max(a.x, b.x), std::min(a.y, b.y), std::max(a.y, b.y)))
      .get<std::set<std::int64_t>>();
}

// A marker of `chart` nothing covers, scrolled into view: its trial and
// its centre in viewport px.
struct Target {
  std::int64_t trial = -1;
  ViewportPoint centre;
};

inline Target uncovered_marker(ChromiumSession& browser, const std::string& chart) {
  const auto found = browser.evaluate(fmt::format(R"js((() => {{
    const svg = document.querySelector('{}');
    svg.scrollIntoView({{ block: 'center' }});
    for (const c of Array.from(svg.querySelectorAll('circle.pt[data-trial]')).reverse()) {{
      const r = c.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
      if (document.elementFromPoint(x, y) === c) return [Number(c.dataset.trial), x, y];
    }}
    return null; }})())js", chart));
  if (found.is_null()) return {};
  return {found[0].get<std::int64_t>(), {found[1].get<double>(), found[2].get<double>()}};
}

// How many charts hold a marker or line of trial `number` with class
// `state` ("hover" or "selected").
inline int charts_marking(ChromiumSession& browser, std::int64_t number, const std::string& state) {
  return browser.evaluate(fmt::format(
      R"js(new Set(Array.from(document.querySelectorAll('svg.chart [data-trial="{}"].{}')).map((n) => n.closest('svg'))).size)js",
      number, state));
}

// Parallel coordinates (#parallel): the axis titled `name`, as a script
// expression for its group.
inline std::string parallel_axis(const std::string& name) {
  return fmt::format(R"js(Array.from(document.querySelectorAll('#parallel svg.chart g.pc-axis'))
      .find((g) => g.querySelector('text.axis-label').textContent === {}))js", nlohmann::json(name).dump());
}

// The point at fraction fy from the top of a parallel axis, in viewport px,
// with the chart scrolled into view.
inline ViewportPoint axis_point(ChromiumSession& browser, const std::string& name, double fy) {
  const auto box = browser.evaluate(fmt::format(
      R"js((() => {{ const axis = {}; axis.closest('svg').scrollIntoView({{ block: 'center' }});
        const r = axis.querySelector('line.frame').getBoundingClientRect();
        return [r.left + r.width / 2, r.top, r.height]; }})())js",
      parallel_axis(name)));
  return {box[0].get<double>(), box[1].get<double>() + fy * box[2].get<double>()};
}

// The trials whose lines cross the parallel axis titled `name` between two
// viewport heights, read from the lines' paths as drawn.
inline std::set<std::int64_t> lines_crossing(ChromiumSession& browser, const std::string& name, double y0, double y1) {
  return browser.evaluate(fmt::format(R"js((() => {{
    const axis = {};
    const svg = axis.closest('svg');
    const x = Number(axis.querySelector('line.frame').getAttribute('x1'));
    const ctm = svg.getScreenCTM();
    const crossing = [];
    for (const path of svg.querySelectorAll('path.pc-line[data-trial]')) {{
      const numbers = path.getAttribute('d').match(/-?[0-9.]+/g).map(Number);
      for (let i = 0; i + 1 < numbers.length; i += 2) {{
        if (Math.abs(numbers[i] - x) > 0.05) continue;
        const y = new DOMPoint(x, numbers[i + 1]).matrixTransform(ctm).y;
        if (y >= {} && y <= {}) crossing.push(Number(path.dataset.trial));
      }}
    }}
    return crossing; }})())js", parallel_axis(name), std::min(y0, y1), std::max(y0, y1)))
      .get<std::set<std::int64_t>>();
}

}  // namespace ecopt::testing
