// Carbon arithmetic, the region table, and readings' summaries.
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/reading.hpp"

namespace ecopt {
namespace {

TEST(Carbon, KilowattHourTimesPueTimesIntensity) {
  EXPECT_DOUBLE_EQ(grams_co2e(3.6e6, 1.5, 100.0), 150.0);
  CarbonOptions options;
  options.region = "fr";
  options.pue = 1.2;
  const auto estimate = estimate_carbon(7.2e6, options);
  EXPECT_DOUBLE_EQ(estimate.g_per_kwh, 56.0);
  EXPECT_DOUBLE_EQ(estimate.grams_co2e, 2 * 1.2 * 56.0);
  EXPECT_NE(estimate.basis.find("FR 2023"), std::string::npos);
  EXPECT_EQ(estimate.to_json()["pue"], 1.2);
}

TEST(Carbon, UserValueOverridesTheRegion) {
  CarbonOptions options;
  options.region = "unknown-but-unused";
  options.g_per_kwh = 10.0;
  const auto estimate = estimate_carbon(3.6e6, options);
  EXPECT_DOUBLE_EQ(estimate.grams_co2e, 10.0);
  EXPECT_EQ(estimate.basis, "user value");
}

TEST(Carbon, UnknownRegionListsTheKnownOnes) {
  try {
    grid_intensity("Atlantis");
    FAIL();
  } catch (const InputError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("'Atlantis'"), std::string::npos);
    EXPECT_NE(text.find("world"), std::string::npos);
    EXPECT_NE(text.find("DE"), std::string::npos);
  }
}

TEST(Carbon, EveryEntryHasSourceAndYear) {
  for (const auto& entry : grid_intensity_table()) {
    EXPECT_FALSE(entry.source.empty()) << entry.region;
    EXPECT_GE(entry.year, 2018) << entry.region;
    EXPECT_GT(entry.g_per_kwh, 0.0) << entry.region;
  }
}

TEST(Carbon, BadPueOrIntensityIsAnInputError) {
  CarbonOptions options;
  options.pue = 0.9;
  EXPECT_THROW(estimate_carbon(1.0, options), InputError);
  options.pue = 1.0;
  options.g_per_kwh = -5.0;
  EXPECT_THROW(estimate_carbon(1.0, options), InputError);
}

TEST(Reading, SourcesAndSummaries) {
  EXPECT_EQ(to_string(EnergySource::NvmlEnergyCounter), "nvml-energy-counter");
  EXPECT_EQ(to_string(EnergySource::RaplPerf), "rapl-perf");
  EXPECT_TRUE(is_estimate(EnergySource::EstimateCpuTime));
  EXPECT_FALSE(is_estimate(EnergySource::RaplPowercap));

  WindowResult window;
  window.readings.push_back({"cuda:0", "gpu", EnergySource::NvmlEnergyCounter, 10.0, 2.0, 8.0, 5});
  window.readings.push_back({"cpu (estimate)", "cpu-time", EnergySource::EstimateCpuTime, 3.0,
                             std::nullopt, std::nullopt, 0});
  EXPECT_DOUBLE_EQ(window.gross_j(), 13.0);
  EXPECT_FALSE(window.net_j().has_value());  // not every reading has a baseline
  EXPECT_TRUE(window.is_estimate());
  EXPECT_EQ(window.source_summary(), "mixed: nvml-energy-counter+estimate-cpu-time");
  EXPECT_EQ(window.device_summary(), "cuda:0, cpu (estimate)");
  const auto json = to_json(window);
  EXPECT_EQ(json["estimate"], true);
  EXPECT_EQ(json["readings"][1]["estimate"], true);
  EXPECT_TRUE(json["readings"][1]["net_j"].is_null());
}

}  // namespace
}  // namespace ecopt
