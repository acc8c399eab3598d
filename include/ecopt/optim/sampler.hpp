#pragma once
// Samplers keep no state between suggestions: each one is rebuilt from the
// stored history, so any process can ask.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"
#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

// What a sampler reads from the study before it suggests, so that a study
// reads no more than that for each ask.
enum class HistoryNeed {
  None,    // the trial number and the seed decide the point (random, Sobol)
  Trials,  // the stored trials (NSGA-II's generations, MOBO's observations and pending points)
};

// A finished related study (same parameter names, the same number of
// objectives; values may be shifted or scaled): its COMPLETE trials inform
// a model-based sampler's models, mapped onto its scale, without being
// trials of the study asked for (a warm start).
struct RelatedHistory {
  StudySpec spec;
  std::vector<Trial> trials;
};

struct SamplingContext {
  const StudySpec& spec;
  const SearchSpace& space;
  // HistoryNeed::Trials: every trial of the study, in number order, the one
  // being filled included (RUNNING, without params): finished ones to learn
  // from, RUNNING ones (with params) to avoid suggesting twice. Empty for
  // HistoryNeed::None.
  std::span<const Trial> history;
  std::int64_t trial_number = 0;  // the trial being filled
  const RelatedHistory* warm_start = nullptr;  // none: null
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  virtual HistoryNeed history_need() const = 0;
  // Point in [0,1]^d for context.space; decoded by the caller. Must be a
  // deterministic function of the context.
  virtual std::vector<double> suggest(const SamplingContext& context) = 0;
};

struct SamplerOptions {
  std::uint64_t seed = 0;
  // Start-design trials before a model-based sampler takes over (Sobol;
  // mobo's warm start fills half with the related Pareto set); -1: 2·(d+1).
  std::int64_t initial_trials = -1;
  nlohmann::json extra = nlohmann::json::object();  // sampler-specific
};

// "random", "sobol", "nsga2", "mobo" (default). Throws InputError listing
// the known names otherwise.
std::unique_ptr<Sampler> make_sampler(std::string_view name, const SamplerOptions& options);

}  // namespace ecopt
