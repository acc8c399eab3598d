// ecopt devices [--json]: the energy meters found on this machine and, for
// each backend that found nothing, why and how to fix it.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/study/text_table.hpp"
#include "energy_output.hpp"

namespace ecopt::cli {
namespace {

struct DevicesFlags {
  bool json = false;
};

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ",") + name;
  return text;
}

nlohmann::json meter_json(const Meter& meter) {
  return {{"device", meter.device()},
          {"domains", meter.domains()},
          {"source", to_string(meter.source())},
          {"estimate", is_estimate(meter.source())},
          {"uuid", meter.uuid().empty() ? nlohmann::json(nullptr) : nlohmann::json(meter.uuid())},
          {"update_period_s", meter.update_period_s()},
          {"description", meter.description()}};
}

bool has_estimate(const Discovery& found) {
  return std::any_of(found.meters.begin(), found.meters.end(),
                     [](const auto& meter) { return is_estimate(meter->source()); });
}

bool only_estimates(const Discovery& found) {
  return std::all_of(found.meters.begin(), found.meters.end(),
                     [](const auto& meter) { return is_estimate(meter->source()); });
}

void print_json(const Discovery& found) {
  auto meters = nlohmann::json::array();
  for (const auto& meter : found.meters) meters.push_back(meter_json(*meter));
  const nlohmann::json report = {{"meters", meters},
                                 {"estimate", has_estimate(found)},
                                 {"unavailable", found.unavailable},
                                 {"warnings", found.warnings}};
  std::cout << report.dump(2) << '\n';
}

std::string period_text(double period_s) {
  return period_s > 0 ? fmt::format("{:g} ms", period_s * 1e3) : "-";
}

void print_text(const Discovery& found) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& meter : found.meters)
    rows.push_back({meter->device(), joined(meter->domains()), std::string(to_string(meter->source())),
                    period_text(meter->update_period_s()), meter->description()});
  if (rows.empty())
    std::cout << "No energy meter found.\n";
  else
    std::cout << format_table({"device", "domains", "source", "update period", "description"}, rows);
  std::cout << '\n';
  if (has_estimate(found)) {
    std::cout << estimate_line(found.unavailable, cpu_time_charge(DiscoveryOptions{}).text(),
                               only_estimates(found))
              << '\n'
              << "  fix: give your CPU's TDP / cores with `ecopt measure --cpu-watts-per-core W`, "
                 "or run where a sensor is readable (reasons below)\n";
  }
  print_discovery_notes(std::cout, found.unavailable, found.warnings);
}

void run(const DevicesFlags& flags) {
  const Discovery found = discover_meters(DiscoveryOptions{});
  if (flags.json)
    print_json(found);
  else
    print_text(found);
}

}  // namespace

void add_devices_command(CLI::App& app) {
  auto flags = std::make_shared<DevicesFlags>();
  auto* command = app.add_subcommand(
      "devices", "List the energy meters found here and why each missing one is unavailable");
  command->add_flag("--json", flags->json, "Print as JSON");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
