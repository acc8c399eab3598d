// Carbon intensity over time (issue 26 item 4): a CSV series read with its
// bad rows refused by line, integrated over a trial's window, and a real
// command whose failures are errors, never the static figure.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/carbon.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TimePoint at(const char* text) { return parse_time(text); }

TEST(IntensitySeries, IntegratesTheStepsOverAWindow) {
  const auto series = IntensitySeries::parse_csv(
      "time,g_per_kwh\n# hourly\n2026-12-07T08:00:00Z,100\n\n2026-12-07T09:00:00Z,300\n", "grid.csv");
  // 08:30-09:30: half an hour at 100, half at 300.
  EXPECT_DOUBLE_EQ(series.mean_g_per_kwh(at("2026-12-07T08:30:00Z"), at("2026-12-07T09:30:00Z")), 200.0);
  EXPECT_DOUBLE_EQ(series.mean_g_per_kwh(at("2026-12-07T08:15:00Z"), at("2026-12-07T08:45:00Z")), 100.0);
  EXPECT_DOUBLE_EQ(series.mean_g_per_kwh(at("2026-12-08T00:00:00Z"), at("2026-12-08T00:00:00Z")), 300.0)
      << "the last row holds on";
  EXPECT_THAT([&] { series.mean_g_per_kwh(at("2026-12-07T07:00:00Z"), at("2026-12-07T08:30:00Z")); },
              ThrowsMessage<InputError>(HasSubstr("intensity file 'grid.csv' starts at 2026-12-07T08:00:00.000Z")));
}

TEST(IntensitySeries, BadRowsAreRefusedWithTheirLineNumber) {
  const auto error_of = [](const char* text) {
    try {
      IntensitySeries::parse_csv(text, "grid.csv");
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("2026-12-07T08:00:00Z,100\n2026-12-07T09:00:00Z,lots\n"), HasSubstr("grid.csv:2: "));
  EXPECT_THAT(error_of("time,g\n2026-12-07T08:00:00Z,100\nyesterday,5\n"), HasSubstr("grid.csv:3: 'yesterday,5'"));
  EXPECT_THAT(error_of("2026-12-07T08:00:00Z,-4\n"), HasSubstr("grid.csv:1: intensity -4 g/kWh is negative"));
  EXPECT_THAT(error_of("2026-12-07T09:00:00Z,1\n2026-12-07T08:00:00Z,2\n"),
              HasSubstr("grid.csv:2: time 2026-12-07T08:00:00.000Z is not after the row before"));
  EXPECT_THAT(error_of("time,g_per_kwh\n"), HasSubstr("grid.csv: no time,g_per_kwh rows"));
}

class IntensityCommand : public ::testing::Test {
 protected:
  std::vector<std::string> script(const std::string& body) {
    const auto path = dir_ / "intensity.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    return {"/bin/sh", path.string()};
  }
  testing::TempDir dir_{"intensity-command"};
};

TEST_F(IntensityCommand, ReadsTheNumberTheCommandPrints) {
  EXPECT_DOUBLE_EQ(intensity_from_command(script("echo ' 312.5'"), 5.0), 312.5);
  CarbonOptions options;
  options.intensity_command = script("echo 250");
  const IntensitySource source(options);
  const auto reading = source.now();
  EXPECT_DOUBLE_EQ(reading.g_per_kwh, 250.0);
  EXPECT_THAT(reading.source, HasSubstr("command /bin/sh"));
  const auto over = source.over(Clock::now(), Clock::now(), IntensityReading{150.0, "command"});
  EXPECT_DOUBLE_EQ(over.g_per_kwh, 200.0) << "the mean of the readings at the start and the end";
}

TEST_F(IntensityCommand, AFailingCommandIsAClearErrorNotTheStaticFigure) {
  EXPECT_THAT([&] { intensity_from_command(script("echo 'no token' >&2; exit 3"), 5.0); },
              ThrowsMessage<UnavailableError>(HasSubstr("failed (exit code 3)")));
  EXPECT_THAT([&] { intensity_from_command(script("echo high"), 5.0); },
              ThrowsMessage<UnavailableError>(HasSubstr("printed 'high', not one intensity in g/kWh")));
  EXPECT_THAT([&] { intensity_from_command(script("exec sleep 30"), 0.2); },
              ThrowsMessage<UnavailableError>(HasSubstr("printed no intensity within 0.2 s")));
  EXPECT_THAT([&] { intensity_from_command({(dir_ / "missing.sh").string()}, 5.0); },
              ThrowsMessage<UnavailableError>(HasSubstr("did not start")));
}

}  // namespace
}  // namespace ecopt
