#pragma once
// A Markdown model card with the energy figures a regulator or a paper asks
// for: joules per inference and per 1,000, gCO2e, hardware, measurement
// method, energy source, idle handling and spread over repeats.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/report/analysis.hpp"

namespace ecopt::report {

struct ModelCardInput {
  const StudySpec& spec;
  const std::vector<Trial>& trials;
  std::int64_t trial_number = -1;
  std::string choice_reason;  // why this trial (user's --trial or default rule)
  CarbonSettings carbon;
  std::optional<NetImpact> impact;  // tuning energy and break-even, when known
};

// Throws NotFoundError for an unknown trial number.
std::string render_model_card(const ModelCardInput& input);

}  // namespace ecopt::report
