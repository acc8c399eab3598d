#pragma once
// Pareto dominance and non-dominated sorting. All functions take points in
// "minimise every coordinate" form; use to_minimization for directions.
#include <cstddef>
#include <vector>

#include "ecopt/core/study_spec.hpp"

namespace ecopt {

using Point = std::vector<double>;

// Negates maximised coordinates so that smaller is better everywhere.
Point to_minimization(const Point& values, const std::vector<Direction>& directions);

// a dominates b: no worse everywhere, strictly better somewhere.
bool dominates(const Point& a, const Point& b);

// Indices (ascending) of the non-dominated points (duplicates all kept).
// pareto_front and non_dominated_sort throw InputError for a NaN value or
// points of different sizes: leave failed trials out first.
std::vector<std::size_t> pareto_front(const std::vector<Point>& points);

// Fronts F1, F2, ... of indices, each ascending (NSGA-II's fast
// non-dominated sort, O(m n^2)).
std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<Point>& points);

// NSGA-II crowding distance of each member of one front, in front's order
// (infinite at each objective's extremes and for fronts of 1 or 2 points).
std::vector<double> crowding_distance(const std::vector<Point>& points,
                                      const std::vector<std::size_t>& front);

}  // namespace ecopt
