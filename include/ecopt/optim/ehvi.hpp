#pragma once
// Expected hypervolume improvement (EHVI) in closed form, in log space.
// All points are in minimisation form (see to_minimization).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ecopt/math/pareto.hpp"

namespace ecopt {

// Disjoint axis-aligned boxes tiling the region below `reference` that no
// point of the front weakly dominates. Lower corners may be -infinity.
// 1 objective: one box; 2: the sorted-front staircase (k + 1 boxes);
// 3: a sweep over the third objective that keeps each 2-D staircase box
// alive while it persists (O(k) boxes in practice, O(k^2) at worst).
class HypervolumeBoxes {
 public:
  // Points need not be non-dominated; points not strictly below the
  // reference are ignored. Throws InputError for more than 3 objectives or
  // mismatched sizes.
  HypervolumeBoxes(const std::vector<Point>& points, const Point& reference);
  // The same region with its boxes split at `inner` (taken no larger than
  // `reference`): the parts below `inner` weigh 1 + outer_weight, the rest
  // outer_weight (> 0). Improvement and EHVI are then those against
  // `inner` plus outer_weight times those against `reference`, from one
  // decomposition instead of two.
  HypervolumeBoxes(const std::vector<Point>& points, const Point& reference, const Point& inner,
                   double outer_weight);

  std::size_t objectives() const { return objectives_; }
  std::size_t size() const { return lower_.size() / (objectives_ == 0 ? 1 : objectives_); }
  const double* lower(std::size_t box) const { return &lower_[box * objectives_]; }
  const double* upper(std::size_t box) const { return &upper_[box * objectives_]; }
  double log_weight(std::size_t box) const { return log_weight_.empty() ? 0.0 : log_weight_[box]; }

  // Exact (weighted) hypervolume gained by adding y.
  double improvement(const Point& y) const;

  // The distinct finite bounds of one objective, ascending, and each box's
  // bounds as indices into them (kUnbounded for a -infinity lower bound):
  // log-EHVI evaluates its Gaussian terms once per bound, not per box.
  static constexpr std::uint32_t kUnbounded = 0xffffffffU;
  const std::vector<double>& levels(std::size_t objective) const { return levels_[objective]; }
  std::uint32_t lower_level(std::size_t box, std::size_t objective) const {
    return lower_level_[box * objectives_ + objective];
  }
  std::uint32_t upper_level(std::size_t box, std::size_t objective) const {
    return upper_level_[box * objectives_ + objective];
  }

 private:
  bool add_box(const double* lower, const double* upper);  // false: empty, not added
  void build_2d(std::vector<Point> points, const Point& reference);
  void build_3d(std::vector<Point> points, const Point& reference);
  void index_levels();

  std::size_t objectives_ = 0;
  std::vector<double> lower_;  // size() x objectives(), row-major
  std::vector<double> upper_;
  std::vector<double> log_weight_;  // per box; empty: all 0
  std::vector<std::vector<double>> levels_;  // per objective
  std::vector<std::uint32_t> lower_level_;   // as lower_
  std::vector<std::uint32_t> upper_level_;
};

// log E[HVI(Y)] for independent Gaussian objectives Y_j ~ N(mean_j,
// stddev_j^2), averaged over several fronts (NEHVI's posterior samples of
// the observed front): log((1/S) sum_s EHVI_s). Per box the expectation
// factorises into per-objective terms stddev * (h(z_upper) - h(z_lower)),
// h(z) = phi(z) + z Phi(z). When dmean/dstddev are non-empty they receive
// the gradient. Returns -infinity when no improvement is possible.
double log_expected_hypervolume_improvement(std::span<const HypervolumeBoxes> fronts,
                                            std::span<const double> mean,
                                            std::span<const double> stddev,
                                            std::span<double> dmean = {},
                                            std::span<double> dstddev = {});

}  // namespace ecopt
