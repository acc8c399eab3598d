#pragma once
// The meter backends behind discover_meters(). Each appends the meters it
// found to `found`, or one line to found.unavailable saying why it found none.
#include "ecopt/energy/meter.hpp"

namespace ecopt::detail {

// The options with every empty path and null seam filled in (from the
// environment, else the machine's); the backends get them so.
DiscoveryOptions with_defaults(const DiscoveryOptions& options);

void discover_powercap(const DiscoveryOptions& options, Discovery& found);
void discover_perf(const DiscoveryOptions& options, Discovery& found);
void discover_nvml(const DiscoveryOptions& options, Discovery& found);
std::unique_ptr<Meter> make_estimate_meter(const DiscoveryOptions& options);

// How long a probe watches a counter whose value moves every update_period_s.
double probe_duration_s(const DiscoveryOptions& options, double update_period_s);

// Unsigned integer from sysfs text ("12345\n"); nullopt when malformed.
std::optional<unsigned long long> parse_counter(const std::string& text);

// CPU numbers from a sysfs CPU list ("0,36", "0-3,8-11\n").
std::vector<int> parse_cpu_list(const std::string& text);

}  // namespace ecopt::detail
