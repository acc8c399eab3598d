// The chart primitives the report's sections draw with (src/report/svg_plot).
#include "svg_plot.hpp"

#include <regex>

#include <gtest/gtest.h>

namespace ecopt::report {
namespace {

// A tick label at the plot's right edge stays inside the chart: the last
// label of a cumulative-carbon axis, "0.00014", ran past it and the
// browser test of the tuning charts failed on some runs' carbon figures.
TEST(SvgPlot, XTickLabelsAtThePlotsEdgesStayInsideTheChart) {
  svg::Chart chart;
  chart.x.label = "tuning carbon";
  chart.y.label = "hypervolume";
  chart.width = 400;
  chart.markers = {svg::Marker{0.0, 0.1}, svg::Marker{0.0001321, 0.2}};
  const std::string drawn = svg::render_chart(chart);
  const std::regex tick(R"re(<text class="tick" x="([-\d.]+)" y="[-\d.]+" text-anchor="middle">([^<]*)</text>)re");
  std::size_t labels = 0;
  for (std::sregex_iterator it(drawn.begin(), drawn.end(), tick), end; it != end; ++it, ++labels) {
    const double half = 0.58 * 11 * static_cast<double>((*it)[2].length()) / 2;  // svg_plot's estimate
    EXPECT_LE(std::stod((*it)[1]) + half, chart.width) << (*it)[0];
    EXPECT_GE(std::stod((*it)[1]) - half, 0.0) << (*it)[0];
  }
  EXPECT_GE(labels, 2u) << drawn;
}

}  // namespace
}  // namespace ecopt::report
