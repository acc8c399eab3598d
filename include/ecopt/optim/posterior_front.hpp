#pragma once
// The front a study with noisy objectives reports. By observed values, a
// lucky draw pushes a truly better neighbour off the front and an unlucky
// one hides a good trial; judged by the posterior means of one GP per
// objective (the models mobo suggests with), each trial is judged with
// what its neighbours say too.
#include <cstddef>
#include <span>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

// Indices into `trials` of the COMPLETE trials that satisfy the outcome
// constraints (by their observed metrics) and whose posterior means no
// other such trial's dominate, in the given order. The GPs are fitted on
// every COMPLETE trial with finite values whose params fit `space`.
std::vector<std::size_t> posterior_mean_front(const StudySpec& spec, const SearchSpace& space,
                                              std::span<const Trial> trials);

}  // namespace ecopt
