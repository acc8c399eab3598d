#pragma once
// The front of a study whose objectives are noisy, as every place that
// shows one computes it (ecopt best-trials --noisy, tune's summary, the
// report, the dashboard, the Python package): the feasible trials whose
// posterior means, under one GP per objective (optim/posterior_front.hpp),
// no other feasible trial's dominate. A lucky or unlucky reading moves
// the observed front, not this one.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt {

// Numbers of the trials on the front judged by posterior means, in number
// order (beyond a thousand complete trials the models judge them through
// a spread subset, optim/posterior_front.cpp).
std::vector<std::int64_t> posterior_mean_front_numbers(const StudySpec& spec, const SearchSpace& space,
                                                       std::span<const Trial> trials);
// The same over the study definition's declared space; InputError when it
// declares none.
std::vector<std::int64_t> posterior_mean_front_numbers(const StudyRecord& study,
                                                       std::span<const Trial> trials);

}  // namespace ecopt
