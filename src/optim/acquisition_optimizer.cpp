#include "acquisition_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <nlopt.h>

#include "ecopt/math/sobol.hpp"
#include "observations.hpp"
#include "random_stream.hpp"

namespace ecopt::optim_detail {
namespace {

constexpr double kLowest = -std::numeric_limits<double>::infinity();

void add_sobol_candidates(Eigen::MatrixXd& candidates, Eigen::Index& row, int count, std::uint64_t seed) {
  const auto d = static_cast<std::size_t>(candidates.cols());
  if (d <= SobolSequence::max_dimensions()) {
    const SobolSequence sobol(d, seed);
    for (int i = 0; i < count; ++i, ++row) {
      const std::vector<double> p = sobol.point(static_cast<std::uint64_t>(i));
      candidates.row(row) = Eigen::Map<const Eigen::RowVectorXd>(p.data(), static_cast<Eigen::Index>(d));
    }
    return;
  }
  RandomStream random(seed);
  for (int i = 0; i < count; ++i, ++row) {
    for (Eigen::Index c = 0; c < candidates.cols(); ++c) candidates(row, c) = random.uniform();
  }
}

// Gaussian steps around anchors at three scales, each coordinate moved
// with probability 1/2 (at least one), so both single-coordinate moves
// along a front and joint moves are tried. Categorical coordinates jump to
// a random choice instead.
void add_local_candidates(Eigen::MatrixXd& candidates, Eigen::Index& row, int count,
                          const std::vector<std::vector<double>>& anchors,
                          const std::vector<InputKind>& kinds, std::uint64_t seed) {
  static constexpr double kScales[] = {0.02, 0.08, 0.25};
  RandomStream random(seed);
  const Eigen::Index d = candidates.cols();
  for (int i = 0; i < count; ++i, ++row) {
    const std::vector<double>& anchor = anchors[static_cast<std::size_t>(i) % anchors.size()];
    const double scale = kScales[(static_cast<std::size_t>(i) / anchors.size()) % 3];
    const auto forced = static_cast<Eigen::Index>(random.below(static_cast<std::uint64_t>(d)));
    for (Eigen::Index c = 0; c < d; ++c) {
      double value = anchor[static_cast<std::size_t>(c)];
      if (c == forced || random.uniform() < 0.5) {
        value = kinds[static_cast<std::size_t>(c)] == InputKind::Categorical
                    ? random.uniform()
                    : std::clamp(value + scale * random.normal(), 0.0, 1.0);
      }
      candidates(row, c) = value;
    }
  }
}

struct Refinement {
  const Acquisition* acquisition;
  std::vector<double> point;                // full point; free coordinates overwritten
  const std::vector<std::size_t>* free;     // continuous coordinates
  std::vector<double> best_point;
  double best_value = kLowest;
};

double refine_callback(unsigned size, const double* x, double* grad, void* data) {
  auto* state = static_cast<Refinement*>(data);
  for (unsigned i = 0; i < size; ++i) state->point[(*state->free)[i]] = x[i];
  std::vector<double> full_gradient(state->point.size());
  double value = state->acquisition->evaluate(state->point.data(), grad ? full_gradient.data() : nullptr);
  if (value > state->best_value) {
    state->best_value = value;
    state->best_point = state->point;
  }
  if (!std::isfinite(value)) value = -1e300;
  if (grad) {
    for (unsigned i = 0; i < size; ++i) grad[i] = full_gradient[(*state->free)[i]];
  }
  return value;
}

std::vector<double> refine(const Acquisition& acquisition, std::vector<double> start,
                           const std::vector<std::size_t>& free, int evaluations) {
  Refinement state{&acquisition, start, &free, start, kLowest};
  const auto size = static_cast<unsigned>(free.size());
  std::vector<double> x(size);
  for (unsigned i = 0; i < size; ++i) x[i] = start[free[i]];
  const std::vector<double> lower(size, 0.0);
  const std::vector<double> upper(size, 1.0);
  nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, size);
  nlopt_set_lower_bounds(opt, lower.data());
  nlopt_set_upper_bounds(opt, upper.data());
  nlopt_set_max_objective(opt, refine_callback, &state);
  nlopt_set_maxeval(opt, evaluations);
  nlopt_set_ftol_rel(opt, 1e-8);
  nlopt_set_xtol_abs1(opt, 1e-7);
  double value = 0.0;
  nlopt_optimize(opt, x.data(), &value);  // the best point seen is kept by the callback
  nlopt_destroy(opt);
  return state.best_point;
}

}  // namespace

std::vector<double> maximise_acquisition(const Acquisition& acquisition, const SearchSpace& space,
                                         const std::vector<std::vector<double>>& anchors,
                                         const AcquisitionSearch& search, std::uint64_t seed) {
  const auto d = static_cast<Eigen::Index>(space.dimensions());
  const std::vector<InputKind> kinds = input_kinds(space);
  const bool discrete = needs_projection(space);
  const int local = anchors.empty() ? 0 : search.local_candidates;
  Eigen::MatrixXd candidates(search.sobol_candidates + local, d);
  Eigen::Index row = 0;
  add_sobol_candidates(candidates, row, search.sobol_candidates, mix_seed(seed, 1));
  if (local > 0) add_local_candidates(candidates, row, local, anchors, kinds, mix_seed(seed, 2));
  if (discrete) {
    for (Eigen::Index i = 0; i < candidates.rows(); ++i) {
      const std::vector<double> p = project(space, row_vector(candidates, i));
      candidates.row(i) = Eigen::Map<const Eigen::RowVectorXd>(p.data(), d);
    }
  }
  const Eigen::VectorXd values = acquisition.evaluate(candidates);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(candidates.rows()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return values[a] > values[b] || (std::isnan(values[b]) && !std::isnan(values[a]));
  });

  std::vector<double> best = row_vector(candidates, order.front());
  double best_value = values[order.front()];
  std::vector<std::size_t> free;
  for (std::size_t c = 0; c < kinds.size(); ++c) {
    if (kinds[c] == InputKind::Continuous) free.push_back(c);
  }
  if (free.empty()) return best;
  const auto starts = std::min<std::size_t>(order.size(), static_cast<std::size_t>(search.refine_starts));
  for (std::size_t s = 0; s < starts; ++s) {
    if (!std::isfinite(values[order[s]])) break;
    std::vector<double> refined = refine(acquisition, row_vector(candidates, order[s]), free, search.refine_evaluations);
    if (discrete) refined = project(space, refined);
    const double value = acquisition.evaluate(refined.data(), nullptr);
    if (value > best_value) {
      best_value = value;
      best = std::move(refined);
    }
  }
  return best;
}

}  // namespace ecopt::optim_detail
