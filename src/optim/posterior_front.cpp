#include "ecopt/optim/posterior_front.hpp"

#include <algorithm>
#include <map>

#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/gaussian_process.hpp"
#include "observations.hpp"
#include "spread_subset.hpp"

namespace ecopt {
namespace {

// Posterior means of one objective at every observed point. Up to
// kExactPoints the GP conditions on all of them; beyond, exact conditioning
// would cost the count cubed (25 s and 620 MB at 5,000 points), so the GP
// is fitted and conditioned on an evenly spread kInducingPoints and judges
// every point with every observation through them (projected_means): the
// cost grows linearly.
constexpr std::size_t kExactPoints = 1000;
constexpr std::size_t kInducingPoints = 500;

// Known noise (stated or measured) counts on the exact path.
Eigen::VectorXd posterior_means(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& noise,
                                const std::vector<InputKind>& kinds) {
  if (x.rows() < 2) return y;
  if (static_cast<std::size_t>(x.rows()) <= kExactPoints) {
    return GaussianProcess::fit(x, y, kinds, {}, noise).predict(x).mean;
  }
  const std::vector<Eigen::Index> rows = optim_detail::spread_subset(x.rows(), kInducingPoints);
  return GaussianProcess::fit(x(rows, Eigen::all), y(rows), kinds).projected_means(x, y);
}

}  // namespace

std::vector<std::size_t> posterior_mean_front(const StudySpec& spec, const SearchSpace& space,
                                              std::span<const Trial> trials) {
  const optim_detail::Observations obs = optim_detail::collect_observations({spec, space, trials, -1});
  if (obs.size() == 0) return {};
  const std::vector<InputKind> kinds = optim_detail::input_kinds(space);
  Eigen::MatrixXd means(obs.size(), obs.objectives.cols());
  for (Eigen::Index j = 0; j < means.cols(); ++j) means.col(j) = posterior_means(obs.x, obs.objectives.col(j), obs.noise.col(j), kinds);
  std::vector<Point> feasible_means;
  std::vector<std::int64_t> feasible_numbers;
  for (Eigen::Index i = 0; i < obs.size(); ++i) {
    if (!obs.feasible(i)) continue;
    feasible_means.push_back(optim_detail::row_vector(means, i));
    feasible_numbers.push_back(obs.numbers[static_cast<std::size_t>(i)]);
  }
  std::map<std::int64_t, std::size_t> index_of_number;
  for (std::size_t t = 0; t < trials.size(); ++t) index_of_number.emplace(trials[t].number, t);
  std::vector<std::size_t> front;
  for (std::size_t i : pareto_front(feasible_means)) front.push_back(index_of_number.at(feasible_numbers[i]));
  std::sort(front.begin(), front.end());
  return front;
}

}  // namespace ecopt
