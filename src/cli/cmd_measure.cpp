// ecopt measure [flags] -- COMMAND ARGS...: `perf stat` for energy. Runs the
// command as an argv (never through a shell) with ecopt's stdin, stdout and
// stderr, measures one energy window around it, prints the report to stderr
// (or JSON to stdout after the command's own output) and exits with the
// command's status. The measuring is energy/command_measurement.hpp's; this
// file parses the flags and prints.

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/command_measurement.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/study/text_table.hpp"
#include "energy_output.hpp"

namespace ecopt::cli {
namespace {

// A command that cannot be started exits like it does in a shell.
constexpr int kExitCannotStart = 127;

struct MeasureFlags {
  bool json = false;
  std::vector<std::string> devices;
  double idle_baseline_s = 0.0;
  double cpu_watts_per_core = 0.0;  // 0: the CPU model's TDP / cores, else the default
  std::string region = "world";
  double carbon_intensity = 0.0;
  const CLI::Option* carbon_intensity_option = nullptr;  // given: overrides the region
  double pue = 1.0;
  std::vector<std::string> command;
};

CarbonOptions carbon_options(const MeasureFlags& flags) {
  CarbonOptions options;
  options.region = flags.region;
  if (*flags.carbon_intensity_option) options.g_per_kwh = flags.carbon_intensity;
  options.pue = flags.pue;
  return options;
}

bool is_shell_safe(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_@%+=:,./-", c) != nullptr;
}

// The command as one would type it in a shell, quoted where needed.
std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), is_shell_safe);
    text += (text.empty() ? "" : " ") + (plain ? arg : shell_quote(arg));
  }
  return text;
}


// --- output ------------------------------------------------------------------

std::optional<double> per_second(std::optional<double> energy_j, double duration_s) {
  if (!energy_j || duration_s <= 0) return std::nullopt;
  return *energy_j / duration_s;
}

nlohmann::json optional_json(std::optional<double> value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string signal_name(int number) {
  const char* abbreviation = sigabbrev_np(number);
  return abbreviation ? fmt::format("SIG{}", abbreviation) : fmt::format("signal {}", number);
}

CpuTimeCharge charge(const MeasureFlags& flags) {
  DiscoveryOptions options;
  options.cpu_watts_per_core = flags.cpu_watts_per_core;
  return cpu_time_charge(options);
}

std::optional<std::string> estimate_text(const MeasureFlags& flags, const CommandMeasurement& m) {
  if (!m.window.is_estimate()) return std::nullopt;
  const bool only_estimates =
      std::all_of(m.window.readings.begin(), m.window.readings.end(),
                  [](const EnergyReading& r) { return is_estimate(r.source); });
  return estimate_line(m.unavailable, charge(flags).text(), only_estimates);
}

nlohmann::json report_json(const MeasureFlags& flags, const CommandMeasurement& m) {
  const CarbonOptions carbon = carbon_options(flags);
  const auto net_j = m.window.net_j();
  const auto estimate = estimate_text(flags, m);
  return {
      {"command", flags.command},
      {"exit_status",
       {{"code", m.status.exit_code ? nlohmann::json(*m.status.exit_code) : nullptr},
        {"signal", m.status.term_signal ? nlohmann::json(*m.status.term_signal) : nullptr},
        {"shell_status", m.status.shell_status()},
        {"description", m.status.describe()}}},
      {"forwarded_signal",
       m.forwarded_signal ? nlohmann::json(signal_name(*m.forwarded_signal)) : nullptr},
      {"duration_s", m.window.duration_s},
      {"command_cpu_s", m.status.cpu_s},
      {"energy_j", m.window.gross_j()},
      {"net_energy_j", optional_json(net_j)},
      {"average_power_w", optional_json(per_second(m.window.gross_j(), m.window.duration_s))},
      {"net_average_power_w", optional_json(per_second(net_j, m.window.duration_s))},
      {"idle_baseline_s", flags.idle_baseline_s > 0 ? nlohmann::json(flags.idle_baseline_s) : nullptr},
      {"source", m.window.source_summary()},
      {"estimate", m.window.is_estimate()},
      {"estimate_note", estimate ? nlohmann::json(*estimate) : nullptr},
      {"cpu_watts_per_core", charge(flags).watts_per_core},
      {"cpu_watts_basis", charge(flags).basis},
      {"cpu_watts_per_thread", charge(flags).watts_per_thread()},
      {"window", to_json(m.window)},
      {"record", to_json(energy_record("command", m.window))},
      {"carbon", estimate_carbon(m.window.gross_j(), carbon).to_json()},
      {"net_carbon", net_j ? estimate_carbon(*net_j, carbon).to_json() : nlohmann::json(nullptr)},
      {"unavailable", m.unavailable},
      {"warnings", m.warnings}};
}

std::string joules(double value) { return fmt::format("{:.3f}", value); }

std::string readings_table(const WindowResult& window) {
  const bool has_net = window.net_j().has_value();
  std::vector<std::string> header{"device", "domain", "source", "energy J"};
  if (has_net) header.insert(header.end(), {"idle W", "net J"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& reading : window.readings) {
    std::vector<std::string> row{reading.device, reading.domain,
                                 std::string(to_string(reading.source)), joules(reading.gross_j)};
    if (has_net) row.insert(row.end(), {fmt::format("{:.2f}", reading.idle_w.value_or(0.0)),
                                        joules(reading.net_j.value_or(0.0))});
    rows.push_back(std::move(row));
  }
  if (window.readings.size() > 1) {
    std::vector<std::string> total{"total", "", window.source_summary(), joules(window.gross_j())};
    if (has_net) total.insert(total.end(), {"", joules(*window.net_j())});
    rows.push_back(std::move(total));
  }
  return format_table(header, rows);
}

// What the meters can resolve of this window, as a trial's record states it.
void print_resolution(std::ostream& out, const EnergyRecord& record) {
  const double steps = record.resolution_s > 0 ? record.duration_s / record.resolution_s : 0.0;
  out << fmt::format("   resolution      {} per window (meter step {} s): {}\n",
                     format_joules(record.resolution_j), format_number(record.resolution_s),
                     record.resolved()
                         ? fmt::format("resolved, {:.0f} steps", steps)
                         : fmt::format("NOT resolved, {:.1f} steps of the {:g} needed: repeat the work "
                                       "until it lasts {} s",
                                       steps, kResolvedSteps,
                                       format_number(kResolvedSteps * record.resolution_s)));
  out << "   windows         1 (no spread: one run is one window)\n";
  if (const auto note = record.flag_note(); !note.empty()) out << "   flagged         " << note << '\n';
}

void print_report(std::ostream& out, const MeasureFlags& flags, const CommandMeasurement& m) {
  const CarbonOptions carbon = carbon_options(flags);
  const WindowResult& window = m.window;
  const auto net_j = window.net_j();
  out << fmt::format("\n ecopt measure: {}\n\n", command_text(flags.command));
  out << fmt::format("   exit status     {}\n", m.status.describe());
  if (m.forwarded_signal)
    out << fmt::format("   interrupted: {} passed on to the command; figures cover the run until it "
                       "ended\n",
                       signal_name(*m.forwarded_signal));
  out << fmt::format("   duration        {:.3f} s\n", window.duration_s);
  out << fmt::format("   command CPU     {:.3f} s (user + system of its process tree)\n",
                     m.status.cpu_s);
  if (flags.idle_baseline_s > 0)
    out << fmt::format("   idle baseline   {:.3f} s before the command; net = energy - idle W × "
                       "duration\n",
                       flags.idle_baseline_s);
  out << '\n';
  std::string table = readings_table(window);
  for (std::size_t start = 0, end; start < table.size(); start = end + 1) {
    end = table.find('\n', start);
    if (end == std::string::npos) end = table.size();
    out << "   " << table.substr(start, end - start) << '\n';
  }
  out << '\n';
  const auto gross_w = per_second(window.gross_j(), window.duration_s);
  const auto net_w = per_second(net_j, window.duration_s);
  out << fmt::format("   energy          {} J{}  ({})\n", joules(window.gross_j()),
                     net_j ? fmt::format(", net of idle {} J", joules(*net_j)) : "",
                     window.source_summary());
  if (gross_w)
    out << fmt::format("   average power   {:.2f} W{}\n", *gross_w,
                       net_w ? fmt::format(", net of idle {:.2f} W", *net_w) : "");
  const CarbonEstimate gross_carbon = estimate_carbon(window.gross_j(), carbon);
  out << fmt::format("   carbon          {:.4g} gCO2e{} ({:.0f} g/kWh, {}, PUE {:.2f})\n",
                     gross_carbon.grams_co2e,
                     net_j ? fmt::format(", net of idle {:.4g} gCO2e",
                                         estimate_carbon(*net_j, carbon).grams_co2e)
                           : "",
                     gross_carbon.g_per_kwh, gross_carbon.basis, gross_carbon.pue);
  print_resolution(out, energy_record("command", window));
  out << '\n';
  if (const auto estimate = estimate_text(flags, m)) out << *estimate << '\n';
  print_discovery_notes(out, m.unavailable, m.warnings);
}

void run(const MeasureFlags& flags) {
  // A bad region or PUE is refused before the command runs, not after.
  estimate_carbon(0.0, carbon_options(flags));
  CommandMeasurement measurement;
  try {
    measurement = measure_command({flags.command, flags.devices, flags.idle_baseline_s, flags.cpu_watts_per_core});
  } catch (const CommandNotStarted& error) {
    throw ExitWithStatus{kExitCannotStart, std::string(error.what()) +
                                               " (ecopt measure runs COMMAND without a shell: "
                                               "give a program and its arguments)"};
  }
  if (flags.json)
    std::cout << report_json(flags, measurement).dump(2) << std::endl;
  else
    print_report(std::cerr, flags, measurement);
  if (const int status = measurement.status.shell_status(); status != 0)
    throw ExitWithStatus{status, ""};
}

}  // namespace

void add_measure_command(CLI::App& app) {
  auto flags = std::make_shared<MeasureFlags>();
  auto* command = app.add_subcommand(
      "measure",
      "Run a command (no shell) and report the energy, power and carbon of its run; exits with "
      "the command's status");
  command->add_flag("--json", flags->json,
                    "Print the report as JSON on stdout (after the command's own output)");
  command->add_option("--devices", flags->devices,
                      "Meters to use: cpu, cpu:N, platform, cuda, cuda:N (default: all found)")
      ->delimiter(',')
      // One value per use, so that `--devices cpu -- COMMAND` keeps its `--`.
      ->allow_extra_args(false);
  command->add_option("--idle-baseline", flags->idle_baseline_s,
                      "Seconds of idle power measured before the command; figures are then also "
                      "given net of idle")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--cpu-watts-per-core", flags->cpu_watts_per_core,
                      "W per busy core for the CPU-time estimate (your CPU's TDP / cores; default: the "
                      "CPU model's from ECOpt's TDP table, else 6.75); shared by the core's hardware threads")
      ->check(CLI::PositiveNumber);
  auto* region = command->add_option("--region", flags->region,
                                     "Grid region for carbon (world, FR, DE, ...)")
                     ->capture_default_str();
  flags->carbon_intensity_option =
      command->add_option("--carbon-intensity", flags->carbon_intensity,
                          "Grid carbon intensity in gCO2e/kWh (instead of --region)")
          ->excludes(region);
  command->add_option("--pue", flags->pue, "Data-centre power usage effectiveness (>= 1)")
      ->capture_default_str();
  command->add_option("command", flags->command, "The command and its arguments, after --")
      ->required();
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli

