#pragma once
// Where mobo measures hypervolume improvement in 3 or more objectives
// without thresholds. There nearly every early point is non-dominated, and
// points at the front's extremes (DTLZ2's corners, where two objectives are
// 0 whatever the distance to the front) set its nadir: a box up to that
// nadir makes the next extreme point look valuable, the search keeps
// adding them and the box keeps growing. So the box never widens once the
// Sobol start is over, and covers the front's dense part rather than its
// sparse extremes (docs/benchmarks/optimizers.md, "Reference point without
// thresholds").
#include <cstddef>
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt::optim_detail {

// `values`: feasible observations in minimisation form, in trial order.
// Per objective, the smaller of
// - Ax's box (the front's nadir plus a tenth of the front's range) at its
//   smallest over the fronts of the first k values, for every k from
//   `settle_after` on (or of all of them when there are fewer), and
// - the 90th percentile of the whole front's values plus a tenth of the
//   span from the front's best to it.
Point settled_dense_reference(const std::vector<Point>& values, std::size_t settle_after);

}  // namespace ecopt::optim_detail
