#include "reference_box.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ecopt::optim_detail {
namespace {

// Per objective: the value below which `share` of the front's values lie,
// plus a tenth of the span from the front's best to it.
Point box_corner(const std::vector<Point>& front, double share) {
  const std::size_t m = front.front().size();
  Point corner(m);
  std::vector<double> values(front.size());
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t i = 0; i < front.size(); ++i) values[i] = front[i][j];
    std::sort(values.begin(), values.end());
    const double edge = values[static_cast<std::size_t>(std::lround(share * static_cast<double>(values.size() - 1)))];
    double span = edge - values.front();
    if (!(span > 0.0)) span = 1e-3 * std::max(1.0, std::abs(edge));
    corner[j] = edge + 0.1 * span;
  }
  return corner;
}

}  // namespace

Point settled_dense_reference(const std::vector<Point>& values, std::size_t settle_after) {
  if (values.empty()) return {};
  Point reference(values.front().size(), std::numeric_limits<double>::infinity());
  std::vector<Point> front;  // built point by point: O(front) per point
  for (std::size_t k = 0; k < values.size(); ++k) {
    const Point& point = values[k];
    const bool covered = std::any_of(front.begin(), front.end(), [&](const Point& member) {
      return member == point || dominates(member, point);
    });
    if (!covered) {
      std::erase_if(front, [&](const Point& member) { return dominates(point, member); });
      front.push_back(point);
    }
    if (k + 1 < std::min(settle_after, values.size())) continue;
    const Point nadir_box = box_corner(front, 1.0);
    for (std::size_t j = 0; j < reference.size(); ++j) reference[j] = std::min(reference[j], nadir_box[j]);
  }
  const Point dense_box = box_corner(front, 0.9);
  for (std::size_t j = 0; j < reference.size(); ++j) reference[j] = std::min(reference[j], dense_box[j]);
  return reference;
}

}  // namespace ecopt::optim_detail
