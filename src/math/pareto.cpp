#include "ecopt/math/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

// NaN has no place in an order; a failed trial's values must be left out
// before sorting rather than silently ranked.
void require_comparable(const std::vector<Point>& points) {
  if (points.empty()) return;
  const std::size_t size = points.front().size();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].size() != size) {
      throw InputError("point " + std::to_string(i) + " has " + std::to_string(points[i].size()) +
                       " objectives but point 0 has " + std::to_string(size) +
                       "; give every point the same number of objectives");
    }
    for (double value : points[i]) {
      if (std::isnan(value)) {
        throw InputError("point " + std::to_string(i) +
                         " has a NaN objective; leave failed trials out of Pareto sorting");
      }
    }
  }
}

}  // namespace

Point to_minimization(const Point& values, const std::vector<Direction>& directions) {
  if (values.size() != directions.size()) {
    throw InputError("got " + std::to_string(values.size()) + " objective values for " +
                     std::to_string(directions.size()) + " directions; give one value per objective");
  }
  Point result(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    result[i] = directions[i] == Direction::Maximize ? -values[i] : values[i];
  }
  return result;
}

bool dominates(const Point& a, const Point& b) {
  if (a.size() != b.size()) {
    throw InputError("cannot compare points with " + std::to_string(a.size()) + " and " +
                     std::to_string(b.size()) + " objectives; give both the same number");
  }
  bool strictly_better = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly_better = true;
  }
  return strictly_better;
}

std::vector<std::size_t> pareto_front(const std::vector<Point>& points) {
  require_comparable(points);
  // A dominating point always comes first in lexicographic order, so each
  // point needs checking only against the front found so far.
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  std::vector<std::size_t> front;
  for (std::size_t candidate : order) {
    const bool dominated = std::any_of(front.begin(), front.end(), [&](std::size_t member) {
      return dominates(points[member], points[candidate]);
    });
    if (!dominated) front.push_back(candidate);
  }
  std::sort(front.begin(), front.end());
  return front;
}

std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<Point>& points) {
  require_comparable(points);
  const std::size_t n = points.size();
  std::vector<std::vector<std::size_t>> dominated_by(n);  // S_p: points p dominates
  std::vector<std::size_t> domination_count(n, 0);        // n_p: points dominating p
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      if (dominates(points[p], points[q])) {
        dominated_by[p].push_back(q);
        ++domination_count[q];
      } else if (dominates(points[q], points[p])) {
        dominated_by[q].push_back(p);
        ++domination_count[p];
      }
    }
  }
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (std::size_t p = 0; p < n; ++p) {
    if (domination_count[p] == 0) current.push_back(p);
  }
  while (!current.empty()) {
    std::vector<std::size_t> next;
    for (std::size_t p : current) {
      for (std::size_t q : dominated_by[p]) {
        if (--domination_count[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    current = std::move(next);
  }
  return fronts;
}

std::vector<double> crowding_distance(const std::vector<Point>& points,
                                      const std::vector<std::size_t>& front) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<double> distance(front.size(), 0.0);
  if (front.size() <= 2) return std::vector<double>(front.size(), kInfinity);
  for (std::size_t member : front) {
    if (member >= points.size()) {
      throw InputError("front member " + std::to_string(member) + " is not a point index (" +
                       std::to_string(points.size()) + " points); pass a front of these points");
    }
  }
  const std::size_t objectives = points[front.front()].size();
  std::vector<std::size_t> order(front.size());  // positions within front
  for (std::size_t m = 0; m < objectives; ++m) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return points[front[a]][m] < points[front[b]][m];
    });
    const double low = points[front[order.front()]][m];
    const double high = points[front[order.back()]][m];
    distance[order.front()] = kInfinity;
    distance[order.back()] = kInfinity;
    if (!(high > low)) continue;  // all equal: this objective separates nobody
    for (std::size_t k = 1; k + 1 < order.size(); ++k) {
      const double gap = points[front[order[k + 1]]][m] - points[front[order[k - 1]]][m];
      distance[order[k]] += gap / (high - low);
    }
  }
  return distance;
}

}  // namespace ecopt
