#pragma once
// Exact hypervolume of points (minimisation) dominated region bounded by a
// reference point. Points not strictly better than the reference in every
// coordinate contribute nothing.
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt {

// 2-D: sort and sweep, O(n log n); 3-D: sweep over the third coordinate
// with a 2-D staircase, O(n log n); n-D: WFG with its last-objective
// slicing down to the 3-D sweep, O(n^2 log n) in 4-D (2,000 points in
// about 0.7 s). Duplicates count once; points with a NaN coordinate are
// ignored. Throws InputError when a point's size differs from the
// reference's.
double hypervolume(const std::vector<Point>& points, const Point& reference);

}  // namespace ecopt
