// RAPL through the powercap sysfs tree (/sys/class/powercap/intel-rapl:*,
// amd-rapl:*): one meter per CPU package with its package and dram domains,
// or the platform (psys) zone alone where there are no packages.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "poller.hpp"

namespace ecopt::detail {
namespace {

constexpr double kRaplUpdatePeriodS = 0.001;  // RAPL status registers move about every 1 ms
constexpr double kMinPollPeriodS = 0.05;      // 20 counted updates a second, cheap enough
constexpr double kMaxPollPeriodS = 1.0;
constexpr double kAssumedMaxPowerW = 1000.0;  // when a zone does not state its maximum

struct Zone {
  std::string dir;   // full path of the zone folder
  std::string id;    // "intel-rapl:0", "intel-rapl:0:1"
  std::string name;  // "package-0", "dram", "core", "psys"
};

struct Domain {
  std::string name;  // "package", "dram", "psys"
  std::string energy_path;
  unsigned long long range_uj = 0;
  double max_power_w = kAssumedMaxPowerW;
};

struct MeterPlan {
  std::string device;
  std::vector<Domain> domains;
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool is_rapl_zone_id(const std::string& id) {
  return id.rfind("intel-rapl:", 0) == 0 || id.rfind("amd-rapl:", 0) == 0;
}

std::vector<Zone> list_zones(const DiscoveryOptions& options) {
  std::vector<Zone> zones;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options.powercap_root, ec)) {
    const std::string id = entry.path().filename().string();
    if (!is_rapl_zone_id(id)) continue;
    const auto name = options.file_reader->read(entry.path().string() + "/name");
    if (name.error == 0) zones.push_back({entry.path().string(), id, trimmed(name.text)});
  }
  std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) { return a.id < b.id; });
  return zones;
}

bool is_top_level(const Zone& zone) {
  return std::count(zone.id.begin(), zone.id.end(), ':') == 1;
}

Domain make_domain(const DiscoveryOptions& options, const Zone& zone, std::string name) {
  Domain domain{std::move(name), zone.dir + "/energy_uj"};
  if (const auto range = parse_counter(options.file_reader->read(zone.dir + "/max_energy_range_uj").text))
    domain.range_uj = *range;
  const auto max_power = options.file_reader->read(zone.dir + "/constraint_0_max_power_uw");
  if (const auto uw = parse_counter(max_power.text); uw && *uw > 0) domain.max_power_w = *uw * 1e-6;
  return domain;
}

// Package zones carry their dram subzone; core and uncore are inside the
// package and psys contains everything, so neither is ever added to them.
std::vector<MeterPlan> plan_meters(const DiscoveryOptions& options, const std::vector<Zone>& zones,
                                   Discovery& found) {
  std::vector<MeterPlan> plans;
  const Zone* psys = nullptr;
  for (const auto& zone : zones) {
    if (!is_top_level(zone)) continue;
    if (zone.name == "psys") psys = &zone;
    if (zone.name.rfind("package-", 0) != 0) continue;
    MeterPlan plan{"cpu:" + zone.name.substr(std::strlen("package-")),
                   {make_domain(options, zone, "package")}};
    for (const auto& sub : zones)
      if (sub.id.rfind(zone.id + ":", 0) == 0 && sub.name == "dram")
        plan.domains.push_back(make_domain(options, sub, "dram"));
    plans.push_back(std::move(plan));
  }
  if (plans.empty() && psys) {
    plans.push_back({"platform", {make_domain(options, *psys, "psys")}});
  } else if (psys) {
    found.warnings.push_back(
        "rapl-powercap: the psys (platform) zone is not reported: it contains the packages, "
        "and ECOpt reports package + dram per socket instead");
  }
  return plans;
}

std::string access_fix(const std::string& root) {
  return fmt::format(
      "rapl-powercap: permission denied reading {}/intel-rapl:*/energy_uj: energy_uj is readable "
      "by root only since Linux 5.10 (CVE-2020-8694): run as root, or `sudo chmod o+r "
      "{}/intel-rapl:*/energy_uj {}/intel-rapl:*:*/energy_uj` (until reboot), or use the perf_event "
      "power PMU with `sudo sysctl kernel.perf_event_paranoid=0`",
      root, root, root);
}

std::vector<unsigned long long> ranges_uj(const MeterPlan& plan) {
  std::vector<unsigned long long> ranges;
  for (const auto& domain : plan.domains) ranges.push_back(domain.range_uj);
  return ranges;
}

class PowercapMeter final : public Meter {
 public:
  PowercapMeter(MeterPlan plan, std::shared_ptr<const FileReader> reader, bool polling)
      : plan_(std::move(plan)), reader_(std::move(reader)), counters_(ranges_uj(plan_)) {
    sample();
    if (polling)
      poller_ = std::make_unique<Poller>(poll_period_s(), [this] {
        try {
          sample();
        } catch (const Error&) {
          // A failing read surfaces on the next read_j(); the poller goes on.
        }
      });
  }

  std::string device() const override { return plan_.device; }
  EnergySource source() const override { return EnergySource::RaplPowercap; }
  std::vector<std::string> domains() const override {
    std::vector<std::string> names;
    for (const auto& domain : plan_.domains) names.push_back(domain.name);
    return names;
  }
  std::vector<double> read_j() override {
    sample();
    std::vector<double> joules;
    for (const auto total : counters_.totals()) joules.push_back(total * 1e-6);
    return joules;
  }
  double update_period_s() const override { return kRaplUpdatePeriodS; }
  std::int64_t counter_updates() const override { return counters_.first_changes(); }
  double background_cpu_s() const override { return poller_ ? poller_->cpu_s() : 0.0; }
  std::string description() const override {
    return fmt::format("RAPL via powercap sysfs ({}), machine-wide, polled every {:.0f} ms",
                       std::filesystem::path(plan_.domains.front().energy_path).parent_path().string(),
                       poll_period_s() * 1e3);
  }

 private:
  // Often enough to count updates, and well within the time the fastest
  // domain needs to wrap at its maximum power (range / max power).
  double poll_period_s() const {
    double period = std::max(kRaplUpdatePeriodS / 2, kMinPollPeriodS);
    for (const auto& domain : plan_.domains)
      if (domain.range_uj > 0)
        period = std::min(period, domain.range_uj * 1e-6 / domain.max_power_w / 2);
    return std::min(period, kMaxPollPeriodS);
  }

  void sample() { counters_.sample([this] { return read_raw(); }); }

  std::vector<unsigned long long> read_raw() const {
    std::vector<unsigned long long> raw;
    for (const auto& domain : plan_.domains) {
      const auto file = reader_->read(domain.energy_path);
      const auto value = file.error == 0 ? parse_counter(file.text) : std::nullopt;
      if (!value)
        throw UnavailableError(fmt::format("rapl-powercap: cannot read {}: {}", domain.energy_path,
                                           file.error ? std::strerror(file.error) : "malformed"));
      raw.push_back(*value);
    }
    return raw;
  }

  MeterPlan plan_;
  std::shared_ptr<const FileReader> reader_;
  CounterSet counters_;
  std::unique_ptr<Poller> poller_;  // last: stopped before the rest goes
};

// Reads every domain once; the first failure becomes the backend's reason.
std::optional<std::string> unreadable_reason(const DiscoveryOptions& options,
                                             const std::vector<MeterPlan>& plans) {
  for (const auto& plan : plans)
    for (const auto& domain : plan.domains) {
      const auto file = options.file_reader->read(domain.energy_path);
      if (file.error == EACCES || file.error == EPERM) return access_fix(options.powercap_root);
      if (file.error != 0)
        return fmt::format("rapl-powercap: cannot read {}: {}", domain.energy_path,
                           std::strerror(file.error));
      if (!parse_counter(file.text))
        return fmt::format("rapl-powercap: {} does not hold a number", domain.energy_path);
      if (domain.range_uj == 0)
        return fmt::format("rapl-powercap: cannot read max_energy_range_uj beside {}",
                           domain.energy_path);
    }
  return std::nullopt;
}

}  // namespace

std::optional<unsigned long long> parse_counter(const std::string& text) {
  const std::string value = trimmed(text);
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  try {
    return std::stoull(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::istringstream items(text.substr(0, text.find('\n')));
  for (std::string item; std::getline(items, item, ',');) {
    try {
      const auto dash = item.find('-');
      const int first = std::stoi(item.substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(item.substr(dash + 1));
      for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    } catch (const std::exception&) {
    }
  }
  return cpus;
}

double probe_duration_s(const DiscoveryOptions& options, double update_period_s) {
  return options.probe_s > 0 ? options.probe_s : std::max(2 * update_period_s, 0.02);
}

void discover_powercap(const DiscoveryOptions& options, Discovery& found) {
  const auto zones = list_zones(options);
  auto plans = plan_meters(options, zones, found);
  if (plans.empty()) {
    found.unavailable.push_back(fmt::format(
        "rapl-powercap: no RAPL package or psys zone under {} (no intel_rapl/amd RAPL driver, or "
        "a virtual machine that does not expose RAPL)",
        options.powercap_root));
    return;
  }
  if (const auto reason = unreadable_reason(options, plans)) {
    found.unavailable.push_back(*reason);
    return;
  }
  // Counters that exist but never move (virtual machines) are worse than
  // none: they would report 0 J for everything.
  std::vector<std::unique_ptr<PowercapMeter>> meters;
  std::vector<std::vector<double>> before;
  for (auto& plan : plans) {
    meters.push_back(std::make_unique<PowercapMeter>(plan, options.file_reader, false));
    before.push_back(meters.back()->read_j());
  }
  const double probe_s = probe_duration_s(options, kRaplUpdatePeriodS);
  options.clock->sleep_for_s(probe_s);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (meters[i]->read_j() == before[i]) {
      found.unavailable.push_back(fmt::format(
          "rapl-powercap {}: counter frozen (no change in {:.0f} ms): typical of virtual machines "
          "whose hypervisor does not pass RAPL through",
          plans[i].device, probe_s * 1e3));
      continue;
    }
    found.meters.push_back(std::make_unique<PowercapMeter>(std::move(plans[i]), options.file_reader,
                                                           options.background_polling));
  }
}

}  // namespace ecopt::detail
