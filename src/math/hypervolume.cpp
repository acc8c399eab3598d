#include "ecopt/math/hypervolume.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <string>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

// Every point handled below lies strictly inside the reference box; only
// the first `dims` coordinates of a point are read.

double hypervolume_1d(const std::vector<Point>& points, const Point& reference) {
  double best = reference[0];
  for (const Point& p : points) best = std::min(best, p[0]);
  return reference[0] - best;
}

// Sort by x, sweep upward: each point that lowers the staircase adds the
// slab between its y and the previous lowest y.
double hypervolume_2d(std::vector<Point> points, const Point& reference) {
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
  });
  double volume = 0.0;
  double lowest_y = reference[1];
  for (const Point& p : points) {
    if (p[1] >= lowest_y) continue;
    volume += (reference[0] - p[0]) * (lowest_y - p[1]);
    lowest_y = p[1];
  }
  return volume;
}

// A 2-D non-dominated staircase (x ascending, y descending) whose dominated
// area is kept up to date as points are added: O(log n) amortised each.
class Staircase {
 public:
  Staircase(double reference_x, double reference_y) : ref_x_(reference_x), ref_y_(reference_y) {}

  double area() const { return area_; }

  void add(double x, double y) {
    auto right = steps_.lower_bound(x);  // first step with step_x >= x
    // The lowest y reached at x by existing steps is the left neighbour's
    // (or the reference when there is none), unless a step sits exactly at x.
    double cover_y = right == steps_.begin() ? ref_y_ : std::prev(right)->second;
    if (cover_y <= y) return;  // dominated by a step to the left
    if (right != steps_.end() && right->first == x && right->second <= y) return;
    double from_x = x;
    while (right != steps_.end() && right->second >= y) {  // steps the new point dominates
      area_ += (right->first - from_x) * (cover_y - y);
      from_x = right->first;
      cover_y = right->second;
      right = steps_.erase(right);
    }
    const double to_x = right == steps_.end() ? ref_x_ : right->first;
    area_ += (to_x - from_x) * (cover_y - y);
    steps_.emplace(x, y);
  }

 private:
  double ref_x_, ref_y_;
  std::map<double, double> steps_;
  double area_ = 0.0;
};

// Sweep along z: between consecutive z values the dominated region's
// cross-section is the staircase of all points below, so
// volume = sum of area x slab height. O(n log n).
double hypervolume_3d(std::vector<Point> points, const Point& reference) {
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a[2] < b[2]; });
  Staircase staircase(reference[0], reference[1]);
  double volume = 0.0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    staircase.add(points[i][0], points[i][1]);
    const double next_z = i + 1 < points.size() ? points[i + 1][2] : reference[2];
    volume += staircase.area() * (next_z - points[i][2]);
  }
  return volume;
}

bool weakly_dominates(const Point& a, const Point& b, std::size_t dims) {
  for (std::size_t i = 0; i < dims; ++i) {
    if (a[i] > b[i]) return false;
  }
  return true;
}

// Drops points weakly dominated by another (keeping one of equal points):
// they add nothing, and smaller sets keep the recursion cheap.
std::vector<Point> nondominated(std::vector<Point> points, std::size_t dims) {
  std::sort(points.begin(), points.end());  // dominators first (lexicographic)
  std::vector<Point> kept;
  for (Point& p : points) {
    const bool covered = std::any_of(kept.begin(), kept.end(),
                                     [&](const Point& k) { return weakly_dominates(k, p, dims); });
    if (!covered) kept.push_back(std::move(p));
  }
  return kept;
}

double hypervolume_of(std::vector<Point> points, const Point& reference, std::size_t dims);

// WFG (While, Bradstreet, Barone 2012) with its last-objective trick: with
// points sorted worst-first on the last objective, every point after k is
// no worse there, so point k's exclusive contribution is a (dims-1)-D
// exclusive volume times its height (reference - its last coordinate).
double hypervolume_wfg(std::vector<Point> points, const Point& reference, std::size_t dims) {
  const std::size_t last = dims - 1;
  points = nondominated(std::move(points), dims);
  std::sort(points.begin(), points.end(),
            [last](const Point& a, const Point& b) { return a[last] > b[last]; });
  double volume = 0.0;
  for (std::size_t k = 0; k < points.size(); ++k) {
    double box = 1.0;
    for (std::size_t i = 0; i < last; ++i) box *= reference[i] - points[k][i];
    std::vector<Point> limited;
    limited.reserve(points.size() - k - 1);
    for (std::size_t j = k + 1; j < points.size(); ++j) {
      Point worse(points[j].begin(), points[j].begin() + last);
      for (std::size_t i = 0; i < last; ++i) worse[i] = std::max(worse[i], points[k][i]);
      limited.push_back(std::move(worse));
    }
    const double covered = hypervolume_of(std::move(limited), reference, last);
    volume += (box - covered) * (reference[last] - points[k][last]);
  }
  return volume;
}

double hypervolume_of(std::vector<Point> points, const Point& reference, std::size_t dims) {
  if (points.empty()) return 0.0;
  switch (dims) {
    case 1: return hypervolume_1d(points, reference);
    case 2: return hypervolume_2d(std::move(points), reference);
    case 3: return hypervolume_3d(std::move(points), reference);
    default: return hypervolume_wfg(std::move(points), reference, dims);
  }
}

}  // namespace

double hypervolume(const std::vector<Point>& points, const Point& reference) {
  if (reference.empty()) {
    throw InputError("hypervolume needs a reference point with at least one coordinate");
  }
  std::vector<Point> inside;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (p.size() != reference.size()) {
      throw InputError("point " + std::to_string(i) + " has " + std::to_string(p.size()) +
                       " objectives but the reference point has " +
                       std::to_string(reference.size()) + "; give them the same number");
    }
    // Only points strictly better everywhere bound any volume; the negated
    // comparison also drops NaN coordinates.
    bool strictly_inside = true;
    for (std::size_t d = 0; d < p.size(); ++d) strictly_inside = strictly_inside && p[d] < reference[d];
    if (strictly_inside) inside.push_back(p);
  }
  return hypervolume_of(std::move(inside), reference, reference.size());
}

}  // namespace ecopt
