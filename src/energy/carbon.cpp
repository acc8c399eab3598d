// Carbon of measured energy from annual grid intensities.
#include "ecopt/energy/carbon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

// Annual average carbon intensity of electricity generation, g CO2e/kWh.
// Country figures and the world average: Ember (Yearly Electricity Data)
// with the Energy Institute Statistical Review, year 2023, as published by
// Our World in Data ("Carbon intensity of electricity generation") and
// Ember's Global Electricity Review 2024 (world: 481 g/kWh). EU-27: European
// Environment Agency, indicator "GHG emission intensity of electricity
// generation", year 2018. Figures we could not check against a source are
// left out on purpose; users give their own value instead.
constexpr const char* kEmber2023 = "Ember / Energy Institute via Our World in Data";
constexpr const char* kEea2018 = "European Environment Agency";

const std::vector<GridIntensity> kTable = {
    {"world", 481, 2023, kEmber2023}, {"AT", 111, 2023, kEmber2023},
    {"AU", 549, 2023, kEmber2023},    {"BE", 138, 2023, kEmber2023},
    {"BR", 98, 2023, kEmber2023},     {"CA", 170, 2023, kEmber2023},
    {"CN", 582, 2023, kEmber2023},    {"DE", 381, 2023, kEmber2023},
    {"DK", 152, 2023, kEmber2023},    {"EU", 281, 2018, kEea2018},
    {"FI", 79, 2023, kEmber2023},     {"FR", 56, 2023, kEmber2023},
    {"IE", 291, 2023, kEmber2023},    {"IN", 713, 2023, kEmber2023},
    {"NO", 30, 2023, kEmber2023},
};

std::string upper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return result;
}

std::string known_regions() {
  std::string names;
  for (const auto& entry : kTable) names += (names.empty() ? "" : ", ") + entry.region;
  return names;
}

}  // namespace

const std::vector<GridIntensity>& grid_intensity_table() { return kTable; }

const GridIntensity& grid_intensity(std::string_view region) {
  const std::string wanted = upper(region);
  for (const auto& entry : kTable)
    if (upper(entry.region) == wanted) return entry;
  throw InputError(fmt::format(
      "unknown carbon region '{}': use one of {} or give your grid's intensity in g/kWh", region,
      known_regions()));
}

double grams_co2e(double energy_j, double pue, double g_per_kwh) {
  constexpr double kJoulesPerKwh = 3.6e6;
  return energy_j / kJoulesPerKwh * pue * g_per_kwh;
}

CarbonEstimate estimate_carbon(double energy_j, const CarbonOptions& options) {
  if (options.pue < 1.0)
    throw InputError(fmt::format("PUE {} is below 1: a data centre cannot use less energy than "
                                 "its IT load; use 1.0 for none",
                                 options.pue));
  CarbonEstimate estimate;
  estimate.pue = options.pue;
  if (options.g_per_kwh) {
    if (*options.g_per_kwh < 0.0)
      throw InputError(fmt::format("carbon intensity {} g/kWh is negative: give a value >= 0",
                                   *options.g_per_kwh));
    estimate.g_per_kwh = *options.g_per_kwh;
    estimate.basis = "user value";
  } else {
    const auto& entry = grid_intensity(options.region);
    estimate.g_per_kwh = entry.g_per_kwh;
    estimate.basis = fmt::format("{} {} annual average ({})", entry.region, entry.year, entry.source);
  }
  estimate.grams_co2e = grams_co2e(energy_j, estimate.pue, estimate.g_per_kwh);
  return estimate;
}

nlohmann::json CarbonEstimate::to_json() const {
  return {{"grams_co2e", grams_co2e}, {"g_per_kwh", g_per_kwh}, {"pue", pue}, {"basis", basis}};
}

}  // namespace ecopt
