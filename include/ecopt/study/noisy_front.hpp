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

// Whether sampler options (a study file's [study] sampler_options, or
// ask's sampler keyword arguments) say the objectives are noisy: noisy = true.
bool says_noisy(const nlohmann::json& sampler_options);
// Whether the study says so: the study file stored with it (user attribute
// "study_file", written by ecopt tune), or the sampler options of its
// latest trial asked with any (ecopt ask --sampler-kwargs, Python's ask).
bool stated_noisy(const StudyRecord& study, std::span<const Trial> trials);

// The search space the models are fitted over: the one stored with the
// study on its first ask, else the one stored with its latest asked trial
// (a study record read before another process's first ask lacks it);
// nullopt when no trial was asked through ECOpt.
std::optional<SearchSpace> stored_search_space(const StudyRecord& study, std::span<const Trial> trials);

// Numbers of the trials on the front judged by posterior means, in number
// order (beyond a thousand complete trials the models judge them through
// a spread subset, optim/posterior_front.cpp).
std::vector<std::int64_t> posterior_mean_front_numbers(const StudySpec& spec, const SearchSpace& space,
                                                       std::span<const Trial> trials);
// The same over the stored search space; InputError when there is none.
std::vector<std::int64_t> posterior_mean_front_numbers(const StudyRecord& study,
                                                       std::span<const Trial> trials);

}  // namespace ecopt
