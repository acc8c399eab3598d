#include "energy_output.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ecopt::cli {
namespace {

// Discovery's reasons start with the backend: "nvml: ...", "rapl-perf cpu:0: ...".
std::vector<std::string> backend_names(const std::vector<std::string>& unavailable) {
  std::vector<std::string> names;
  for (const auto& reason : unavailable) {
    const std::string name = reason.substr(0, reason.find_first_of(" :"));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

std::string estimate_line(const std::vector<std::string>& unavailable, const std::string& charge,
                          bool only_estimates) {
  std::string backends;
  for (const auto& name : backend_names(unavailable))
    backends += (backends.empty() ? "" : ", ") + name;
  const std::string why = backends.empty() ? "" : fmt::format(" ({} unavailable: see below)", backends);
  if (only_estimates)
    return fmt::format("ESTIMATE: no energy sensor is readable here{} — figures are CPU time × {}",
                       why, charge);
  return fmt::format(
      "ESTIMATE: no CPU energy sensor is readable here{} — the CPU figures are CPU time × {}", why,
      charge);
}

void print_discovery_notes(std::ostream& out, const std::vector<std::string>& unavailable,
                           const std::vector<std::string>& warnings) {
  for (const auto& reason : unavailable) out << "  unavailable: " << reason << '\n';
  for (const auto& warning : warnings) out << "  warning: " << warning << '\n';
}

}  // namespace ecopt::cli
