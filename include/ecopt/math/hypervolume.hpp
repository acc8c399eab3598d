#pragma once
// Exact hypervolume of points (minimisation) dominated region bounded by a
// reference point. Points not strictly better than the reference in every
// coordinate contribute nothing.
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt {

// 2-D: sort and sweep; 3-D: sweep over the third coordinate with a 2-D
// front; n-D: recursive slicing (WFG-style). Throws InputError when a
// point's size differs from the reference's.
double hypervolume(const std::vector<Point>& points, const Point& reference);

}  // namespace ecopt
