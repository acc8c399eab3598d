// Carbon of measured energy from annual grid intensities.
#include "ecopt/energy/carbon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/energy/process.hpp"
#include "ecopt/energy/tuning_energy.hpp"

namespace ecopt {
namespace {

// Annual average carbon intensity of electricity generation, g CO2e/kWh.
// Country figures and the world average: Ember (Yearly Electricity Data)
// with the Energy Institute Statistical Review, year 2023, as published by
// Our World in Data ("Carbon intensity of electricity generation") and
// Ember's Global Electricity Review 2024 (world: 481 g/kWh). EU-27: European
// Environment Agency, indicator "GHG emission intensity of electricity
// generation", year 2018. US: the Energy Information Administration's
// 2023 figures (1,532 million t CO2 over 4,183 TWh of utility-scale net
// generation: 366 g/kWh, CO2 only). UK: the UK Government's 2023 GHG
// conversion factors (DESNZ), electricity generated, 0.20707 kg CO2e/kWh,
// which reflects the 2021 grid mix. Figures we could not check against a
// source are left out on purpose; users give their own value instead.
constexpr const char* kEmber2023 = "Ember / Energy Institute via Our World in Data";
constexpr const char* kEea2018 = "European Environment Agency";
constexpr const char* kEia2023 = "U.S. Energy Information Administration (CO2 only, utility-scale generation)";
constexpr const char* kDesnz2021 = "UK Government GHG conversion factors 2023 (DESNZ), 2021 grid mix";

const std::vector<GridIntensity> kTable = {
    {"world", 481, 2023, kEmber2023}, {"US", 366, 2023, kEia2023},
    {"UK", 207, 2021, kDesnz2021},    {"AT", 111, 2023, kEmber2023},
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

// --- intensity over time --------------------------------------------------

namespace {

constexpr std::size_t kMaxIntensityFileBytes = std::size_t{64} << 20;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::optional<double> whole_number(std::string_view text) {
  text = trimmed(text);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

double seconds_between(TimePoint from, TimePoint to) { return std::chrono::duration<double>(to - from).count(); }

}  // namespace

IntensitySeries IntensitySeries::read_csv(const std::string& path) {
  return parse_csv(read_input_file(path, fmt::format("intensity file '{}'", path), kMaxIntensityFileBytes,
                                   FileKind::Regular),
                   path);
}

IntensitySeries IntensitySeries::parse_csv(std::string_view text, const std::string& origin) {
  IntensitySeries series;
  series.origin_ = origin;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    const std::string_view line = trimmed(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const auto comma = line.find(',');
    const auto value = comma == std::string_view::npos ? std::nullopt : whole_number(line.substr(comma + 1));
    std::optional<TimePoint> at;
    try {
      if (comma != std::string_view::npos) at = parse_time(trimmed(line.substr(0, comma)));
    } catch (const InputError&) {
    }
    if (!at || !value) {
      if (series.rows_.empty() && line_number == 1) continue;  // a header
      throw InputError(fmt::format("{}:{}: '{}' is not a row of time,g_per_kwh such as "
                                   "2026-12-07T08:00:00Z,312; fix or remove the line",
                                   origin, line_number, printable(cut_text(line, 80, 20))));
    }
    if (*value < 0.0 || !std::isfinite(*value)) {
      throw InputError(fmt::format("{}:{}: intensity {} g/kWh is negative or not finite; give a value >= 0",
                                   origin, line_number, *value));
    }
    if (!series.rows_.empty() && *at <= series.rows_.back().first) {
      throw InputError(fmt::format("{}:{}: time {} is not after the row before ({}); sort the rows by time",
                                   origin, line_number, format_time(*at), format_time(series.rows_.back().first)));
    }
    series.rows_.emplace_back(*at, *value);
  }
  if (series.rows_.empty()) {
    throw InputError(fmt::format("{}: no time,g_per_kwh rows; add rows such as 2026-12-07T08:00:00Z,312", origin));
  }
  return series;
}

double IntensitySeries::mean_g_per_kwh(TimePoint from, TimePoint to) const {
  if (from < rows_.front().first) {
    throw InputError(fmt::format("intensity file '{}' starts at {}, after the trial window from {}; add rows "
                                 "that cover the study's time",
                                 origin_, format_time(rows_.front().first), format_time(from)));
  }
  // The row in force at `from`: the last one at or before it.
  auto row = std::prev(std::upper_bound(rows_.begin(), rows_.end(), from,
                                        [](TimePoint t, const auto& entry) { return t < entry.first; }));
  if (to <= from) return row->second;
  double weighted = 0.0;
  for (TimePoint start = from; start < to; ++row) {
    const TimePoint next = std::next(row) == rows_.end() ? to : std::min(to, std::next(row)->first);
    weighted += row->second * seconds_between(start, next);
    start = next;
  }
  return weighted / seconds_between(from, to);
}

double intensity_from_command(const std::vector<std::string>& argv, double timeout_s) {
  const std::string name = printable(fmt::format("{}", fmt::join(argv, " ")));
  std::string output;
  std::mutex output_mutex;
  ProcessOptions options;
  options.argv = argv;
  options.on_stdout_line = [&](std::string_view line) {
    const std::lock_guard lock(output_mutex);
    if (output.size() < 4096) output.append(line).push_back('\n');
  };
  ExitStatus status;
  try {
    Process process(options);
    status = process.wait_or_terminate(timeout_s, 1.0);
  } catch (const Error& error) {
    throw UnavailableError(fmt::format("the carbon-intensity command '{}' did not start: {}", name, error.what()));
  }
  if (status.timed_out) {
    throw UnavailableError(fmt::format("the carbon-intensity command '{}' printed no intensity within {} s; make "
                                       "it answer sooner or raise [energy] intensity_command_timeout_s",
                                       name, timeout_s));
  }
  if (!status.success()) {
    throw UnavailableError(fmt::format("the carbon-intensity command '{}' failed ({}); fix it, or give the grid's "
                                       "intensity another way",
                                       name, status.describe()));
  }
  const auto value = whole_number(output);
  if (!value || *value < 0.0 || !std::isfinite(*value)) {
    throw UnavailableError(fmt::format("the carbon-intensity command '{}' printed '{}', not one intensity in "
                                       "g/kWh such as 312",
                                       name, printable(cut_text(trimmed(output), 80, 20))));
  }
  return *value;
}

IntensitySource::IntensitySource(CarbonOptions options) : options_(std::move(options)) {
  if (options_.intensity_csv) series_ = IntensitySeries::read_csv(*options_.intensity_csv);
}

IntensityReading IntensitySource::now() const {
  if (series_) {
    const TimePoint now = Clock::now();
    return {series_->mean_g_per_kwh(now, now), fmt::format("csv {}", *options_.intensity_csv)};
  }
  if (!options_.intensity_command.empty()) {
    return {intensity_from_command(options_.intensity_command, options_.intensity_command_timeout_s),
            fmt::format("command {}", printable(options_.intensity_command.front()))};
  }
  const auto estimate = estimate_carbon(0.0, options_);
  return {estimate.g_per_kwh, estimate.basis};
}

std::optional<IntensityReading> IntensitySource::start_reading() const {
  if (options_.intensity_command.empty()) return std::nullopt;
  return now();
}

IntensityReading IntensitySource::over(TimePoint from, TimePoint to,
                                       const std::optional<IntensityReading>& at_start) const {
  if (series_) {
    return {series_->mean_g_per_kwh(from, to),
            fmt::format("csv {} (time-weighted over the trial)", *options_.intensity_csv)};
  }
  IntensityReading reading = now();
  if (!options_.intensity_command.empty() && at_start) {
    reading.g_per_kwh = (reading.g_per_kwh + at_start->g_per_kwh) / 2.0;
    reading.source += " (mean of readings at the trial's start and end)";
  }
  return reading;
}

nlohmann::json trial_carbon_json(double tuning_energy_j, double pue, const IntensityReading& reading) {
  return {{"grams_co2e", grams_co2e(tuning_energy_j, pue, reading.g_per_kwh)},
          {"g_per_kwh", reading.g_per_kwh},
          {"pue", pue},
          {"source", reading.source}};
}

TuningCarbon tuning_carbon(std::span<const Trial> trials, const CarbonOptions& options) {
  TuningCarbon carbon;
  const auto note_source = [&](const std::string& source) {
    if (std::find(carbon.sources.begin(), carbon.sources.end(), source) == carbon.sources.end())
      carbon.sources.push_back(source);
  };
  double static_j = 0.0;
  for (const Trial& trial : trials) {
    const auto stored = trial.user_attrs.find(kTrialCarbonAttr);
    if (stored != trial.user_attrs.end() && stored->is_object() && stored->value("grams_co2e", nlohmann::json()).is_number()) {
      carbon.grams_co2e += (*stored)["grams_co2e"].get<double>();
      note_source(stored->value("source", std::string("unknown")));
      continue;
    }
    TuningEnergy own;  // the trial's record and the tuner's for it, as budgets count them
    own.add(trial);
    if (own.measured > 0) {
      static_j += own.total_j();
      ++carbon.at_static;
    }
  }
  if (carbon.at_static > 0) carbon.grams_co2e += estimate_carbon(static_j, options).grams_co2e;
  return carbon;
}

std::string TuningCarbon::labelled_source(const CarbonOptions& options) const {
  std::string label = fmt::format("{}", fmt::join(sources, "; "));
  if (at_static == 0) return label.empty() ? estimate_carbon(0.0, options).basis : label;
  const std::string at_static_note =
      fmt::format("{} trial{} at {}", at_static, at_static == 1 ? "" : "s", estimate_carbon(0.0, options).basis);
  return label.empty() ? estimate_carbon(0.0, options).basis : label + "; " + at_static_note;
}

}  // namespace ecopt
