#pragma once
// Carbon of measured energy: gCO2e = kWh × PUE × grid intensity (g/kWh).
// Intensities are annual averages from a small table with source and year
// (docs/energy.md), the user's own value, or intensity over time: a CSV
// file of (time, g/kWh) rows or a command that prints the current
// intensity (a grid operator's or a commercial API, wired by the user).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/trial.hpp"

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
  // Intensity over time, instead of the static figure (at most one):
  std::optional<std::string> intensity_csv;     // path of a time,g_per_kwh file
  std::vector<std::string> intensity_command;   // argv printing the current g/kWh
  double intensity_command_timeout_s = 10.0;
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

// --- intensity over time --------------------------------------------------

// A time series of grid intensity read from CSV: one "time,g_per_kwh" row a
// line, time in ISO-8601 UTC (2026-12-07T08:00:00Z), rows in increasing
// time; a first line that is a header, blank lines and # comments are
// skipped. Each row's value holds until the next row, the last row's on.
class IntensitySeries {
 public:
  // InputError naming the file and line of the first bad row.
  static IntensitySeries read_csv(const std::string& path);
  static IntensitySeries parse_csv(std::string_view text, const std::string& origin);

  // The time-weighted mean over [from, to] (the value at `from` when they
  // are equal); InputError when `from` precedes the first row.
  double mean_g_per_kwh(TimePoint from, TimePoint to) const;

 private:
  std::string origin_;
  std::vector<std::pair<TimePoint, double>> rows_;
};

// Runs `argv` (no shell) for at most timeout_s; its stdout must hold one
// number, the current intensity in g/kWh. UnavailableError saying what
// went wrong otherwise (did not start, timed out, failed, printed no
// number): a failing source is an error, never the static figure.
double intensity_from_command(const std::vector<std::string>& argv, double timeout_s);

// The intensity a trial is charged and where it came from.
struct IntensityReading {
  double g_per_kwh = 0.0;
  std::string source;  // "csv grid.csv (time-weighted over the trial)", "command ./now.sh (...)", "world 2023 ..."
};

// The carbon options' intensity source, one per run: the CSV file is read
// once (a bad row fails before any trial), the command is run on demand.
class IntensitySource {
 public:
  explicit IntensitySource(CarbonOptions options);

  // The intensity now: the command's reading, the series' value, or the
  // static figure.
  IntensityReading now() const;
  // For a command, its reading as a trial starts (now()); nullopt for the
  // other sources, which need none.
  std::optional<IntensityReading> start_reading() const;
  // Over a trial's window: the series' time-weighted mean; for a command,
  // the mean of its readings at the start (`at_start`, start_reading())
  // and now; the static figure otherwise.
  IntensityReading over(TimePoint from, TimePoint to, const std::optional<IntensityReading>& at_start) const;
  bool varies() const { return series_.has_value() || !options_.intensity_command.empty(); }
  const CarbonOptions& options() const { return options_; }

 private:
  CarbonOptions options_;
  std::optional<IntensitySeries> series_;
};

// The user attribute where a trial the runner ran keeps its carbon:
// {"grams_co2e", "g_per_kwh", "pue", "source"}.
inline constexpr const char* kTrialCarbonAttr = "carbon";

nlohmann::json trial_carbon_json(double tuning_energy_j, double pue, const IntensityReading& reading);

// The carbon of a study's tuning: each trial's stored figure, and for a
// trial without one (run before intensities were stored, or told from
// outside) its tuning energy at the options' static figure, counted apart.
struct TuningCarbon {
  double grams_co2e = 0.0;
  std::size_t at_static = 0;         // trials charged the static figure
  std::vector<std::string> sources;  // distinct, in trial order
  // "csv grid.csv (time-weighted over each trial)", with "; N trials at
  // <static basis>" when some are.
  std::string labelled_source(const CarbonOptions& options) const;
};
TuningCarbon tuning_carbon(std::span<const Trial> trials, const CarbonOptions& options);

}  // namespace ecopt
