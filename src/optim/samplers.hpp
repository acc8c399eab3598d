#pragma once
// Constructors behind make_sampler, one per implementation file.
#include <initializer_list>
#include <memory>
#include <string_view>

#include "ecopt/optim/sampler.hpp"

namespace ecopt::optim_detail {

std::unique_ptr<Sampler> make_random_sampler(const SamplerOptions& options);
std::unique_ptr<Sampler> make_sobol_sampler(const SamplerOptions& options);
std::unique_ptr<Sampler> make_nsga2_sampler(const SamplerOptions& options);
std::unique_ptr<Sampler> make_mobo_sampler(const SamplerOptions& options);

// Point `index` of the scrambled Sobol sequence for `seed`.
std::vector<double> sobol_point(std::size_t dimensions, std::uint64_t seed, std::uint64_t index);

// Throws InputError naming any key of options.extra not in `known`.
void check_extra_keys(std::string_view sampler, const SamplerOptions& options,
                      std::initializer_list<std::string_view> known);

}  // namespace ecopt::optim_detail
