#pragma once
// Carbon of measured energy: gCO2e = kWh × PUE × grid intensity (g/kWh).
// Intensities are annual averages from a small table with source and year
// (docs/energy.md), or the user's own value.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

struct GridIntensity {
  std::string region;  // "world", "FR", "DE", ...
  double g_per_kwh = 0.0;
  int year = 0;
  std::string source;
};

const std::vector<GridIntensity>& grid_intensity_table();
// InputError listing the known regions when `region` is not in the table.
const GridIntensity& grid_intensity(std::string_view region);

struct CarbonOptions {
  std::string region = "world";
  std::optional<double> g_per_kwh;  // overrides the region's figure
  double pue = 1.0;                 // data-centre power usage effectiveness
};

struct CarbonEstimate {
  double grams_co2e = 0.0;
  double g_per_kwh = 0.0;
  double pue = 1.0;
  std::string basis;  // "FR 2023 (Ember...)" or "user value"

  nlohmann::json to_json() const;
};

double grams_co2e(double energy_j, double pue, double g_per_kwh);
// InputError for a PUE below 1 or a negative intensity.
CarbonEstimate estimate_carbon(double energy_j, const CarbonOptions& options);

}  // namespace ecopt
