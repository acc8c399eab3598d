// The typed energy record: built from windows, written and read back by the
// one writer and reader, and refused when malformed.
#include "ecopt/energy/record.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnergyReading reading(std::string device, EnergySource source, double gross_j, double resolution_s,
                      int updates, std::optional<double> net_j = std::nullopt) {
  EnergyReading r;
  r.device = std::move(device);
  r.domain = "package";
  r.source = source;
  r.gross_j = gross_j;
  r.net_j = net_j;
  r.idle_w = net_j ? std::optional<double>(1.0) : std::nullopt;
  r.counter_updates = updates;
  r.resolution_s = resolution_s;
  return r;
}

// Counter meters: one step at the window's mean power can hide.
WindowResult window(double duration_s, std::vector<EnergyReading> readings) {
  for (auto& r : readings) r.resolution_j = r.resolution_s * r.gross_j / duration_s;
  return {"w", duration_s, std::move(readings)};
}

TEST(EnergyRecord, FromOneWindowKeepsSourcesDevicesIdleAndResolution) {
  const auto record = energy_record(
      "trial", window(2.0, {reading("cpu:0", EnergySource::RaplPowercap, 20.0, 0.001, 1900, 18.0),
                            reading("cuda:0", EnergySource::NvmlEnergyCounter, 100.0, 0.1, 19, 60.0)}));
  EXPECT_EQ(record.name, "trial");
  EXPECT_THAT(record.sources, ElementsAre(EnergySource::RaplPowercap, EnergySource::NvmlEnergyCounter));
  EXPECT_THAT(record.devices, ElementsAre("cpu:0", "cuda:0"));
  EXPECT_DOUBLE_EQ(record.gross_j, 120.0);
  EXPECT_DOUBLE_EQ(*record.net_j, 78.0);
  EXPECT_TRUE(record.idle_subtracted);
  EXPECT_DOUBLE_EQ(record.energy_j(), 78.0);
  EXPECT_EQ(record.counter_updates, 19);  // the fewest of any counter
  EXPECT_DOUBLE_EQ(record.resolution_s, 0.1);
  // 10 W × 1 ms + 50 W × 100 ms.
  EXPECT_DOUBLE_EQ(record.resolution_j, 0.01 + 5.0);
  EXPECT_TRUE(record.resolved());
  EXPECT_FALSE(record.is_estimate());
  EXPECT_EQ(record.source_text(), "mixed: rapl-powercap+nvml-energy-counter");
}

TEST(EnergyRecord, AWindowShorterThanTenMeterStepsIsNotResolved) {
  // The CPU-time estimate moves in 10 ms ticks: 38 ms is under 10 ticks.
  const auto record = energy_record(
      "inference", window(0.038, {reading("cpu (estimate)", EnergySource::EstimateCpuTime, 0.2, 0.01, 0)}));
  EXPECT_FALSE(record.resolved());
  EXPECT_TRUE(record.is_estimate());
  EXPECT_EQ(record.labelled_source(), "estimate-cpu-time (estimate)");
  EXPECT_TRUE(energy_record("inference", window(0.1, {reading("cpu (estimate)", EnergySource::EstimateCpuTime,
                                                                 0.5, 0.01, 0)}))
                  .resolved());
}

TEST(EnergyRecord, FromRepeatedWindowsKeepsTheMedianWindowAndTheSpread) {
  PerSampleEnergy energy;
  for (double j : {1.0, 3.0, 2.0}) {
    energy.windows.push_back(window(1.0, {reading("cpu:0", EnergySource::RaplPowercap, j * 100, 0.001, 900 + int(j))}));
  }
  energy.median_j = 0.02;
  energy.min_j = 0.01;
  energy.max_j = 0.03;
  energy.mad_j = 0.01;
  energy.samples_per_window = 100;
  const auto record = energy_record("inference", "sample", energy);
  EXPECT_EQ(record.windows, 3);
  EXPECT_DOUBLE_EQ(record.gross_j, 200.0);  // the median window
  EXPECT_EQ(record.unit, "sample");
  EXPECT_EQ(record.units_per_window, 100u);
  EXPECT_DOUBLE_EQ(*record.j_per_unit, 0.02);
  ASSERT_TRUE(record.spread);
  EXPECT_DOUBLE_EQ(record.spread->max_j, 0.03);
  EXPECT_EQ(record.counter_updates, 901);
}

// The tuner's work for a trial is measured in windows one after another
// (baseline, ask and claim, tell): one record adds them up.
TEST(EnergyRecord, WindowsOneAfterAnotherAddUpIntoOneRecord) {
  auto baseline = energy_record(
      "tuner", window(0.3, {reading("cpu:0", EnergySource::RaplPowercap, 6.0, 0.001, 290, 0.0)}));
  auto claim = energy_record(
      "tuner", window(0.01, {reading("cpu (estimate)", EnergySource::EstimateCpuTime, 0.5, 0.01, 0)}));
  claim.shared = true;
  claim.attributed_fraction = 0.5;
  const std::vector<EnergyRecord> windows{baseline, claim};
  const auto sum = record_of_windows("tuner", windows);
  EXPECT_EQ(sum.name, "tuner");
  EXPECT_THAT(sum.sources, ElementsAre(EnergySource::RaplPowercap, EnergySource::EstimateCpuTime));
  EXPECT_THAT(sum.devices, ElementsAre("cpu:0", "cpu (estimate)"));
  EXPECT_DOUBLE_EQ(sum.duration_s, 0.31);
  EXPECT_DOUBLE_EQ(sum.gross_j, 6.5);
  // One window without an idle figure leaves the sum without one.
  EXPECT_FALSE(sum.idle_subtracted);
  EXPECT_FALSE(sum.net_j.has_value());
  EXPECT_TRUE(sum.shared);
  EXPECT_DOUBLE_EQ(sum.attributed_j(false), 6.0 + 0.25);
  EXPECT_DOUBLE_EQ(sum.resolution_j, baseline.resolution_j + claim.resolution_j);
  EXPECT_DOUBLE_EQ(sum.resolution_s, 0.01);
  EXPECT_EQ(sum.windows, 1);

  const std::vector<EnergyRecord> none;
  EXPECT_THROW(record_of_windows("tuner", none), InputError);
  PerSampleEnergy energy;
  for (double j : {1.0, 1.2}) energy.windows.push_back(window(0.1, {reading("cpu:0", EnergySource::RaplPowercap, j, 0.001, 90)}));
  energy.samples_per_window = 10;
  const auto repeated = energy_record("inference", "sample", energy);
  const std::vector<EnergyRecord> counted{baseline, repeated};
  EXPECT_THAT([&] { record_of_windows("tuner", counted); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("repeats counted work")));
}

TEST(EnergyRecord, OneWriterAndOneReaderRoundTripEveryField) {
  auto record = energy_record(
      "inference", window(1.5, {reading("cpu:0", EnergySource::RaplPerf, 15.0, 0.001, 1400, 9.0)}));
  record.unit = "sample";
  record.units_per_window = 30;
  record.j_per_unit = 0.3;
  record.windows = 5;
  record.spread = EnergySpread{0.2, 0.4, 0.05};
  record.shared = true;
  record.attributed_fraction = 0.75;
  nlohmann::json attrs = {{"accuracy", 0.9}};
  write_energy_records(attrs, {record, energy_record("trial", window(3.0, {}))});
  const auto read = energy_records(nlohmann::json::parse(attrs.dump()));
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(to_json(read[0]), to_json(record));
  EXPECT_EQ(read[0].name, "inference");
  EXPECT_EQ(read[1].name, "trial");
  EXPECT_DOUBLE_EQ(read[0].attributed_j(true), 0.75 * 9.0);
  EXPECT_EQ(read[0].labelled_source(), "rapl-perf (shared)");
  EXPECT_TRUE(find_energy_record(attrs, "trial"));
  EXPECT_FALSE(find_energy_record(attrs, "training"));
}

// Issue 23: a net figure at or below zero, or one within the meters'
// resolution, is flagged; the flags come from the figures, so a record that
// claims none is read with them.
TEST(EnergyRecord, FiguresBelowIdleOrWithinResolutionAreFlagged) {
  const auto record_of = [](double gross_j, double net_j) {
    return energy_record("inference", window(0.5, {reading("cpu:0", EnergySource::RaplPowercap, gross_j, 0.001, 500, net_j)}));
  };
  EXPECT_THAT(record_of(10.0, 5.0).flags(), ElementsAre());
  const auto below_idle = record_of(2.0, -1.5);
  EXPECT_THAT(below_idle.flags(), ElementsAre(kNetNotPositiveFlag, kWithinResolutionFlag));
  EXPECT_THAT(below_idle.flag_note(), HasSubstr("energy record 'inference': net of idle -1.5 J from 2 J gross"));
  EXPECT_THAT(below_idle.flag_note(), HasSubstr("at or below zero"));
  EXPECT_EQ(below_idle.labelled_source(), "rapl-powercap (net ≤ 0) (within resolution)");
  // 10 J over 0.5 s: 20 mJ can hide within one 1 ms step; a 15 mJ net cannot stand.
  EXPECT_THAT(record_of(10.0, 0.015).flags(), ElementsAre(kWithinResolutionFlag));
  EXPECT_EQ(record_of(10.0, 5.0).flag_note(), "");
  nlohmann::json attrs;
  write_energy_records(attrs, {below_idle});
  attrs["energy"]["inference"]["flags"] = nlohmann::json::array();
  EXPECT_EQ(with_normalised_energy(attrs)["energy"]["inference"]["flags"],
            nlohmann::json::array({"net_not_positive", "within_resolution"}));
  EXPECT_THAT(flag_labels({below_idle}), ElementsAre("inference: net ≤ 0", "inference: within resolution"));
}

TEST(EnergyRecord, AMalformedRecordIsRefusedWithItsNameAndField) {
  const auto error_of = [](const nlohmann::json& attrs) {
    try {
      energy_records(attrs);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  nlohmann::json attrs;
  write_energy_records(attrs, {energy_record("trial", window(1.0, {}))});
  auto bad_source = attrs;
  bad_source["energy"]["trial"]["sources"] = {"a-guess"};
  EXPECT_THAT(error_of(bad_source), HasSubstr("unknown energy source 'a-guess'"));
  auto bad_flag = attrs;
  bad_flag["energy"]["trial"]["shared"] = "yes";
  EXPECT_THAT(error_of(bad_flag), HasSubstr("energy record 'trial': field 'shared' must be true or false"));
  auto missing = attrs;
  missing["energy"]["trial"].erase("gross_j");
  EXPECT_THAT(error_of(missing), HasSubstr("field 'gross_j' is missing"));
  EXPECT_THAT(error_of({{"energy", 3}}), HasSubstr("must be an object of energy records"));
}

}  // namespace
}  // namespace ecopt
