#include "ecopt/math/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require_same_size(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw InputError("correlation needs paired samples, got " + std::to_string(x.size()) +
                     " and " + std::to_string(y.size()) + " values; pass equally long series");
  }
}

// Ranks 1..n, tied values sharing the average of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    const double shared = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (std::size_t k = start; k < end; ++k) ranks[order[k]] = shared;
    start = end;
  }
  return ranks;
}

}  // namespace

double median(std::vector<double> values) { return quantile(std::move(values), 0.5); }

double median_absolute_deviation(const std::vector<double>& values) {
  const double center = median(values);
  std::vector<double> deviations(values.size());
  std::transform(values.begin(), values.end(), deviations.begin(),
                 [center](double v) { return std::abs(v - center); });
  return median(std::move(deviations));
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_stddev(const std::vector<double>& values) {
  if (values.size() < 2) return kNaN;
  const double center = mean(values);
  double squares = 0.0;  // two passes: no cancellation for large offsets
  for (double v : values) squares += (v - center) * (v - center);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

double quantile(std::vector<double> values, double q) {
  if (!(q >= 0.0 && q <= 1.0)) {
    throw InputError("quantile " + std::to_string(q) + " is outside [0, 1]; pass a fraction such as 0.9");
  }
  if (values.empty()) return kNaN;
  // Linear interpolation between closest ranks (NumPy's default).
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + below, values.end());
  const double low = values[below];
  const double high =
      above == below ? low : *std::min_element(values.begin() + below + 1, values.end());
  return low + (position - static_cast<double>(below)) * (high - low);
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  require_same_size(x, y);
  if (x.size() < 2) return kNaN;
  const double mean_x = mean(x), mean_y = mean(y);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0.0 || syy == 0.0) return kNaN;  // a constant series has no correlation
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  require_same_size(x, y);
  return pearson(average_ranks(x), average_ranks(y));
}

Interval spearman_interval_95(double rho, std::size_t n) {
  constexpr double kZ95 = 1.959963984540054;
  if (n <= 3 || std::isnan(rho)) {
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
  const double z = std::atanh(std::clamp(rho, -0.999999, 0.999999));
  const double half = kZ95 * std::sqrt(1.06 / static_cast<double>(n - 3));
  return {std::tanh(z - half), std::tanh(z + half)};
}

}  // namespace ecopt
