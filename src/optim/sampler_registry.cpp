#include <array>
#include <utility>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/optim/sampler.hpp"
#include "samplers.hpp"

namespace ecopt {

std::unique_ptr<Sampler> make_sampler(std::string_view name, const SamplerOptions& options) {
  using Factory = std::unique_ptr<Sampler> (*)(const SamplerOptions&);
  static constexpr std::array<std::pair<std::string_view, Factory>, 4> kSamplers{{
      {"mobo", optim_detail::make_mobo_sampler},
      {"nsga2", optim_detail::make_nsga2_sampler},
      {"random", optim_detail::make_random_sampler},
      {"sobol", optim_detail::make_sobol_sampler},
  }};
  for (const auto& [known, factory] : kSamplers) {
    if (known == name) return factory(options);
  }
  throw InputError(fmt::format("unknown sampler '{}'; choose one of mobo (default), nsga2, random, sobol",
                               name));
}

}  // namespace ecopt
