#pragma once
// NSGA-II's selection under Deb's constrained domination: a feasible
// point beats an infeasible one, two infeasible points compare by total
// violation, two feasible points by Pareto dominance.
#include <cstddef>
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt {

// Fronts of indices, best first: the non-dominated layers of the feasible
// points (violation <= 0), then the infeasible points in order of
// increasing violation (equal violations share a front).
std::vector<std::vector<std::size_t>> constrained_fronts(const std::vector<Point>& values,
                                                         const std::vector<double>& violations);

// Indices of `count` survivors (all when fewer): whole fronts in order,
// the last one cut by decreasing crowding distance.
std::vector<std::size_t> select_survivors(const std::vector<Point>& values,
                                          const std::vector<double>& violations, std::size_t count);

}  // namespace ecopt
