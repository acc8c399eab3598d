#include "ecopt/study/noisy_front.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/optim/posterior_front.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt {

std::vector<std::int64_t> posterior_mean_front_numbers(const StudySpec& spec, const SearchSpace& space,
                                                       std::span<const Trial> trials) {
  std::vector<std::int64_t> numbers;
  for (const std::size_t i : posterior_mean_front(spec, space, trials)) numbers.push_back(trials[i].number);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::vector<std::int64_t> posterior_mean_front_numbers(const StudyRecord& study,
                                                       std::span<const Trial> trials) {
  const auto space = declared_search_space(study.spec);
  if (!space) {
    throw InputError(fmt::format(
        "study '{}' has no stored search space (no trial was asked through ECOpt), so there are "
        "no models to judge its trials by posterior means; judge them by their observed values",
        study.spec.name));
  }
  return posterior_mean_front_numbers(study.spec, *space, trials);
}

}  // namespace ecopt
