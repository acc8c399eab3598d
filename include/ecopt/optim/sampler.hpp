#pragma once
// Samplers keep no state between suggestions: each one is rebuilt from the
// stored history, so any process can ask.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"
#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

struct SamplingContext {
  const StudySpec& spec;
  const SearchSpace& space;
  // Every trial of the study: finished ones to learn from, RUNNING ones
  // (with params) to avoid suggesting twice.
  std::span<const Trial> history;
  std::int64_t trial_number = 0;  // the trial being filled
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  // Point in [0,1]^d for context.space; decoded by the caller. Must be a
  // deterministic function of the context.
  virtual std::vector<double> suggest(const SamplingContext& context) = 0;
};

struct SamplerOptions {
  std::uint64_t seed = 0;
  // Sobol trials before a model-based sampler takes over; -1: 2·(d+1).
  std::int64_t initial_trials = -1;
  nlohmann::json extra = nlohmann::json::object();  // sampler-specific
};

// "random", "sobol", "nsga2", "mobo" (default). Throws InputError listing
// the known names otherwise.
std::unique_ptr<Sampler> make_sampler(std::string_view name, const SamplerOptions& options);

}  // namespace ecopt
