#include "ecopt/optim/posterior_front.hpp"

#include <algorithm>
#include <map>

#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/gaussian_process.hpp"
#include "observations.hpp"

namespace ecopt {

std::vector<std::size_t> posterior_mean_front(const StudySpec& spec, const SearchSpace& space,
                                              std::span<const Trial> trials) {
  const optim_detail::Observations obs = optim_detail::collect_observations({spec, space, trials, -1});
  if (obs.size() == 0) return {};
  const std::vector<InputKind> kinds = optim_detail::input_kinds(space);
  Eigen::MatrixXd means(obs.size(), obs.objectives.cols());
  for (Eigen::Index j = 0; j < means.cols(); ++j) {
    means.col(j) = obs.size() < 2 ? obs.objectives.col(j)
                                  : GaussianProcess::fit(obs.x, obs.objectives.col(j), kinds).predict(obs.x).mean;
  }
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
