#pragma once
// The data report.js reads from the page (docs/report.md, "The page's
// data"): every trial as columns, one array per field, numbers rounded to
// the significant digits the page shows; energy records and metrics only for
// the trials the page lists in `details`. trials.csv and trials.json keep
// everything. Private to src/report.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt::report {

struct PageDataInput {
  const StudySpec& spec;
  const std::vector<Trial>& trials;
  std::vector<std::string> objective_units;    // parallel to spec.objectives
  std::function<bool(std::int64_t)> detailed;  // whose user attributes the page embeds
};

nlohmann::json page_data(const PageDataInput& input);

}  // namespace ecopt::report
