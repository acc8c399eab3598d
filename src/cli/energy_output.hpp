#pragma once
// Text shared by `ecopt measure` and `ecopt devices`: the plain ESTIMATE
// line and the list of backends that found nothing, with their reasons.
#include <ostream>
#include <string>
#include <vector>

namespace ecopt::cli {

// "ESTIMATE: no energy sensor is readable here (nvml, rapl-powercap, rapl-perf
// unavailable: see below) — figures are CPU time × 3.38 W per hardware thread
// (6.75 W per core / 2 threads per core)", the charge being
// CpuTimeCharge::text(). only_estimates: no sensor measured anything (else
// only the CPU is estimated).
std::string estimate_line(const std::vector<std::string>& unavailable, const std::string& charge,
                          bool only_estimates);

// "unavailable: <reason>" and "warning: <text>", one line each, indented.
void print_discovery_notes(std::ostream& out, const std::vector<std::string>& unavailable,
                           const std::vector<std::string>& warnings);

}  // namespace ecopt::cli
