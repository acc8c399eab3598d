#include "ecopt/optim/ehvi.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "normal_math.hpp"

namespace ecopt {
namespace {

using optim_detail::kNegInf;
constexpr double kInf = std::numeric_limits<double>::infinity();

// One box of a 2-D staircase: x in [x_low, x_high), y in (-inf, y_high).
using StairBox = std::array<double, 3>;

// The boxes below `reference` not dominated by any of the 2-D points.
std::vector<StairBox> staircase(std::vector<std::array<double, 2>> points, double ref_x,
                                double ref_y) {
  std::sort(points.begin(), points.end());
  std::vector<StairBox> boxes;
  double x_low = -kInf;
  double y_high = ref_y;
  for (const auto& [x, y] : points) {
    if (y >= y_high) continue;  // dominated by an earlier step
    if (x > x_low) boxes.push_back({x_low, x, y_high});
    x_low = x;
    y_high = y;
  }
  boxes.push_back({x_low, ref_x, y_high});
  return boxes;
}

std::vector<Point> strictly_below(const std::vector<Point>& points, const Point& reference) {
  std::vector<Point> kept;
  for (const Point& p : points) {
    if (p.size() != reference.size()) {
      throw InputError(fmt::format("a point has {} objectives but the reference point has {}; pass "
                                   "points and reference of the same size",
                                   p.size(), reference.size()));
    }
    bool below = true;
    for (std::size_t j = 0; j < p.size(); ++j) below = below && p[j] < reference[j];
    if (below) kept.push_back(p);
  }
  return kept;
}

}  // namespace

HypervolumeBoxes::HypervolumeBoxes(const std::vector<Point>& points, const Point& reference)
    : objectives_(reference.size()) {
  std::vector<Point> kept = strictly_below(points, reference);
  switch (objectives_) {
    case 1: {
      double best = reference[0];
      for (const Point& p : kept) best = std::min(best, p[0]);
      const double lower = -kInf;
      add_box(&lower, &best);
      break;
    }
    case 2:
      build_2d(std::move(kept), reference);
      break;
    case 3:
      build_3d(std::move(kept), reference);
      break;
    default:
      throw InputError(fmt::format("box decompositions support 1 to 3 objectives, not {}; use a "
                                   "scalarisation (ParEGO) for more",
                                   objectives_));
  }
  index_levels();
}

HypervolumeBoxes::HypervolumeBoxes(const std::vector<Point>& points, const Point& reference, const Point& inner,
                                   double outer_weight)
    : objectives_(reference.size()) {
  if (inner.size() != reference.size() || !(outer_weight > 0.0)) {
    throw InputError("a split box decomposition needs an inner point with one value per objective and a "
                     "positive outer weight");
  }
  const HypervolumeBoxes whole(points, reference);
  const double log_inside = std::log1p(outer_weight);
  const double log_outside = std::log(outer_weight);
  std::vector<double> low(objectives_);
  std::vector<double> high(objectives_);
  for (std::size_t b = 0; b < whole.size(); ++b) {
    // The part below `inner`, then the rest as disjoint slabs: slab j lies
    // above `inner` in objective j and below it in the objectives before j.
    for (std::size_t slab = 0; slab <= objectives_; ++slab) {
      for (std::size_t j = 0; j < objectives_; ++j) {
        const double cut = std::min(inner[j], reference[j]);
        const bool below = slab == objectives_ || j < slab;
        low[j] = j == slab ? std::max(whole.lower(b)[j], cut) : whole.lower(b)[j];
        high[j] = below ? std::min(whole.upper(b)[j], cut) : whole.upper(b)[j];
      }
      if (add_box(low.data(), high.data())) log_weight_.push_back(slab == objectives_ ? log_inside : log_outside);
    }
  }
  index_levels();
}

void HypervolumeBoxes::index_levels() {
  levels_.assign(objectives_, {});
  for (std::size_t j = 0; j < objectives_; ++j) {
    std::vector<double>& level = levels_[j];
    for (std::size_t b = 0; b < size(); ++b) {
      if (lower(b)[j] != -kInf) level.push_back(lower(b)[j]);
      level.push_back(upper(b)[j]);
    }
    std::sort(level.begin(), level.end());
    level.erase(std::unique(level.begin(), level.end()), level.end());
  }
  auto index_of = [this](std::size_t j, double value) {
    if (value == -kInf) return kUnbounded;
    const auto& level = levels_[j];
    return static_cast<std::uint32_t>(std::lower_bound(level.begin(), level.end(), value) - level.begin());
  };
  lower_level_.resize(lower_.size());
  upper_level_.resize(upper_.size());
  for (std::size_t i = 0; i < lower_.size(); ++i) {
    lower_level_[i] = index_of(i % objectives_, lower_[i]);
    upper_level_[i] = index_of(i % objectives_, upper_[i]);
  }
}

bool HypervolumeBoxes::add_box(const double* lower, const double* upper) {
  for (std::size_t j = 0; j < objectives_; ++j) {
    if (!(lower[j] < upper[j])) return false;  // empty
  }
  lower_.insert(lower_.end(), lower, lower + objectives_);
  upper_.insert(upper_.end(), upper, upper + objectives_);
  return true;
}

void HypervolumeBoxes::build_2d(std::vector<Point> points, const Point& reference) {
  std::vector<std::array<double, 2>> flat;
  for (const Point& p : points) flat.push_back({p[0], p[1]});
  for (const auto& [x_low, x_high, y_high] : staircase(std::move(flat), reference[0], reference[1])) {
    const double lower[2] = {x_low, -kInf};
    const double upper[2] = {x_high, y_high};
    add_box(lower, upper);
  }
}

// Sweeps z upwards: between consecutive z levels the region is a 2-D
// staircase of the points seen so far; a staircase box that survives
// several levels becomes one 3-D box.
void HypervolumeBoxes::build_3d(std::vector<Point> points, const Point& reference) {
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a[2] < b[2]; });
  std::map<StairBox, double> open;  // staircase box -> z where it started
  for (const StairBox& box : staircase({}, reference[0], reference[1])) open[box] = -kInf;

  auto close = [this](const StairBox& box, double z_low, double z_high) {
    const double lower[3] = {box[0], -kInf, z_low};
    const double upper[3] = {box[1], box[2], z_high};
    add_box(lower, upper);
  };

  std::vector<std::array<double, 2>> seen;
  for (std::size_t i = 0; i < points.size();) {
    const double z = points[i][2];
    for (; i < points.size() && points[i][2] == z; ++i) seen.push_back({points[i][0], points[i][1]});
    std::map<StairBox, double> next;
    for (const StairBox& box : staircase(seen, reference[0], reference[1])) {
      auto found = open.find(box);
      next[box] = found == open.end() ? z : found->second;
    }
    for (const auto& [box, z_start] : open) {
      if (!next.contains(box)) close(box, z_start, z);
    }
    open = std::move(next);
  }
  for (const auto& [box, z_start] : open) close(box, z_start, reference[2]);
}

double HypervolumeBoxes::improvement(const Point& y) const {
  double total = 0.0;
  for (std::size_t b = 0; b < size(); ++b) {
    double volume = 1.0;
    for (std::size_t j = 0; j < objectives_; ++j) {
      volume *= std::max(0.0, upper(b)[j] - std::max(lower(b)[j], y[j]));
    }
    total += std::exp(log_weight(b)) * volume;
  }
  return total;
}

namespace {

// The Gaussian terms at one bound l of one objective: z = (l - mean) /
// stddev, log h(z), and for the gradient log Phi(z) and log phi(z).
struct BoundTerms {
  double z = kNegInf;
  double log_h = kNegInf;
  double log_cdf = kNegInf;
  double log_pdf = kNegInf;
};

BoundTerms bound_terms(double bound, double mean, double stddev, bool with_gradient) {
  using namespace optim_detail;
  BoundTerms terms;
  if (bound == -kInf) return terms;
  terms.z = (bound - mean) / stddev;
  terms.log_h = log_expected_excess(terms.z);
  if (with_gradient) {
    terms.log_cdf = log_normal_cdf(terms.z);
    terms.log_pdf = log_normal_pdf(terms.z);
  }
  return terms;
}

// log E[(u - max(l, Y))^+] for Y ~ N(mean, stddev^2), and its derivatives.
struct BoxFactor {
  double log_value = kNegInf;
  double d_mean = 0.0;
  double d_stddev = 0.0;
};

BoxFactor box_factor(const BoundTerms& lower, const BoundTerms& upper, double log_stddev, double stddev,
                     bool with_gradient) {
  using namespace optim_detail;
  BoxFactor factor;
  if (upper.log_h == kNegInf || !(lower.log_h < upper.log_h)) return factor;
  const double log_difference = upper.log_h + log1mexp(lower.log_h - upper.log_h);
  factor.log_value = log_stddev + log_difference;
  if (!with_gradient) return factor;
  // d/dmean of stddev (h(zu) - h(zl)) is Phi(zl) - Phi(zu); d/dstddev is phi(zu) - phi(zl).
  const double log_cdf_difference =
      upper.log_cdf + (lower.log_cdf < upper.log_cdf ? log1mexp(lower.log_cdf - upper.log_cdf) : kNegInf);
  factor.d_mean = -std::exp(log_cdf_difference - log_difference) / stddev;
  const double pdf_term_upper = std::exp(upper.log_pdf - log_difference);
  const double pdf_term_lower = lower.z == kNegInf ? 0.0 : std::exp(lower.log_pdf - log_difference);
  factor.d_stddev = (pdf_term_upper - pdf_term_lower) / stddev;
  return factor;
}

}  // namespace

double log_expected_hypervolume_improvement(std::span<const HypervolumeBoxes> fronts,
                                            std::span<const double> mean,
                                            std::span<const double> stddev,
                                            std::span<double> dmean, std::span<double> dstddev) {
  const std::size_t m = mean.size();
  const bool with_gradient = !dmean.empty();
  if (fronts.empty() || stddev.size() != m || (with_gradient && (dmean.size() != m || dstddev.size() != m))) {
    throw InputError("log_expected_hypervolume_improvement needs at least one front and one mean, "
                     "stddev (and gradient slot) per objective");
  }
  for (const auto& front : fronts) {
    if (front.objectives() != m) {
      throw InputError(fmt::format("a front has {} objectives but {} means were given",
                                   front.objectives(), m));
    }
  }
  // Box terms T_b = sum_j log factor_j; their per-objective derivatives are
  // kept so the gradient can weight them by softmax(T) afterwards.
  thread_local std::vector<double> terms;
  thread_local std::vector<double> derivatives;  // per box: m d_mean then m d_stddev
  terms.clear();
  derivatives.clear();
  double log_total = kNegInf;
  std::vector<double> safe_stddev(m);
  std::vector<double> log_stddev(m);
  for (std::size_t j = 0; j < m; ++j) {
    safe_stddev[j] = std::max(stddev[j], 1e-12);
    log_stddev[j] = std::log(safe_stddev[j]);
  }
  thread_local std::vector<std::vector<BoundTerms>> bounds;  // per objective, per level
  bounds.resize(m);
  const BoundTerms unbounded;
  for (const auto& front : fronts) {
    for (std::size_t j = 0; j < m; ++j) {
      bounds[j].clear();
      for (double level : front.levels(j)) bounds[j].push_back(bound_terms(level, mean[j], safe_stddev[j], with_gradient));
    }
    for (std::size_t b = 0; b < front.size(); ++b) {
      double term = front.log_weight(b);
      const std::size_t offset = derivatives.size();
      if (with_gradient) derivatives.resize(offset + 2 * m);
      for (std::size_t j = 0; j < m && term != kNegInf; ++j) {
        const std::uint32_t lower = front.lower_level(b, j);
        const BoxFactor factor =
            box_factor(lower == HypervolumeBoxes::kUnbounded ? unbounded : bounds[j][lower],
                       bounds[j][front.upper_level(b, j)], log_stddev[j], safe_stddev[j], with_gradient);
        term += factor.log_value;
        if (with_gradient) {
          derivatives[offset + j] = factor.d_mean;
          derivatives[offset + m + j] = factor.d_stddev;
        }
      }
      terms.push_back(term);
      log_total = optim_detail::log_add_exp(log_total, term);
    }
  }
  if (with_gradient) {
    std::fill(dmean.begin(), dmean.end(), 0.0);
    std::fill(dstddev.begin(), dstddev.end(), 0.0);
    if (log_total != kNegInf) {
      for (std::size_t b = 0; b < terms.size(); ++b) {
        if (terms[b] == kNegInf) continue;
        const double weight = std::exp(terms[b] - log_total);
        for (std::size_t j = 0; j < m; ++j) {
          dmean[j] += weight * derivatives[b * 2 * m + j];
          dstddev[j] += weight * derivatives[b * 2 * m + m + j];
        }
      }
    }
  }
  return log_total - std::log(static_cast<double>(fronts.size()));
}

}  // namespace ecopt
