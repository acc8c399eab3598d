// RAPL through the perf_event "power" PMU: energy-pkg and energy-ram per
// package (one CPU of each package is listed in the PMU's cpumask), or
// energy-psys alone where there is no package event.
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "poller.hpp"

namespace ecopt::detail {
namespace {

constexpr double kRaplUpdatePeriodS = 0.001;
constexpr double kPollPeriodS = 0.05;  // only to count updates: perf counts in 64 bits

struct PerfEvent {
  std::string domain;  // "package", "dram", "psys"
  std::uint64_t config = 0;
  double scale_j = 1.0;  // joules per count
};

// "event=0x02" (possibly with other terms after a comma).
std::optional<std::uint64_t> parse_event_config(const std::string& text) {
  const auto at = text.find("event=");
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stoull(text.substr(at + 6), nullptr, 0);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct EventsOrReason {
  std::vector<PerfEvent> events;
  std::string reason;
};

EventsOrReason read_events(const DiscoveryOptions& options) {
  const auto& reader = *options.file_reader;
  EventsOrReason result;
  const std::pair<const char*, const char*> wanted[] = {
      {"energy-pkg", "package"}, {"energy-ram", "dram"}, {"energy-psys", "psys"}};
  for (const auto& [event, domain] : wanted) {
    const std::string base = options.perf_root + "/events/" + event;
    const auto config = parse_event_config(reader.read(base).text);
    if (!config) continue;
    const auto unit = first_line(reader.read(base + ".unit").text);
    if (unit != "Joules") {
      result.reason = fmt::format("rapl-perf: {}.unit is '{}', expected 'Joules'", base, unit);
      return result;
    }
    PerfEvent parsed{domain, *config};
    try {
      parsed.scale_j = std::stod(reader.read(base + ".scale").text);
    } catch (const std::exception&) {
      result.reason = fmt::format("rapl-perf: cannot read {}.scale", base);
      return result;
    }
    result.events.push_back(parsed);
  }
  // psys contains the packages: report it only where there is no package.
  const bool has_package = !result.events.empty() && result.events.front().domain == "package";
  std::erase_if(result.events, [&](const PerfEvent& e) {
    return has_package ? e.domain == "psys" : e.domain != "psys";
  });
  if (result.events.empty())
    result.reason = fmt::format("rapl-perf: the power PMU at {} has no energy-pkg or energy-psys event",
                                options.perf_root);
  return result;
}

std::string open_failure(int error, const std::string& root) {
  if (error == EACCES || error == EPERM)
    return fmt::format(
        "rapl-perf: perf_event_open on the power PMU ({}) was denied ({}): system-wide events need "
        "kernel.perf_event_paranoid <= 0 (`sudo sysctl kernel.perf_event_paranoid=0`) or root / "
        "CAP_PERFMON",
        root, std::strerror(error));
  return fmt::format("rapl-perf: perf_event_open on the power PMU ({}) failed: {}", root,
                     std::strerror(error));
}

class PerfMeter final : public Meter {
 public:
  PerfMeter(std::string device, std::vector<PerfEvent> events, std::vector<int> fds,
            std::shared_ptr<PerfEventApi> api, bool polling)
      : device_(std::move(device)),
        events_(std::move(events)),
        fds_(std::move(fds)),
        api_(std::move(api)),
        counters_(std::vector<unsigned long long>(fds_.size(), 0)) {
    sample();
    if (polling)
      poller_ = std::make_unique<Poller>(kPollPeriodS, [this] {
        try {
          sample();
        } catch (const Error&) {
        }
      });
  }
  ~PerfMeter() override {
    poller_.reset();
    for (int fd : fds_) api_->close(fd);
  }

  std::string device() const override { return device_; }
  EnergySource source() const override { return EnergySource::RaplPerf; }
  std::vector<std::string> domains() const override {
    std::vector<std::string> names;
    for (const auto& event : events_) names.push_back(event.domain);
    return names;
  }
  std::vector<double> read_j() override {
    sample();
    const auto totals = counters_.totals();
    std::vector<double> joules;
    for (std::size_t i = 0; i < totals.size(); ++i)
      joules.push_back(static_cast<double>(totals[i]) * events_[i].scale_j);
    return joules;
  }
  double update_period_s() const override { return kRaplUpdatePeriodS; }
  std::int64_t counter_updates() const override { return counters_.first_changes(); }
  double background_cpu_s() const override { return poller_ ? poller_->cpu_s() : 0.0; }
  std::string description() const override {
    return "RAPL via the perf_event power PMU, machine-wide";
  }

 private:
  void sample() { counters_.sample([this] { return read_raw(); }); }

  std::vector<unsigned long long> read_raw() const {
    std::vector<unsigned long long> raw;
    for (int fd : fds_) {
      const auto value = api_->read(fd);
      if (!value) throw UnavailableError(fmt::format("rapl-perf: reading {} failed", device_));
      raw.push_back(*value);
    }
    return raw;
  }

  std::string device_;
  std::vector<PerfEvent> events_;
  std::vector<int> fds_;
  std::shared_ptr<PerfEventApi> api_;
  CounterSet counters_;
  std::unique_ptr<Poller> poller_;
};

struct OpenedMeter {
  std::string device;
  std::vector<int> fds;
};

}  // namespace

void discover_perf(const DiscoveryOptions& options, Discovery& found) {
  const auto type_file = options.file_reader->read(options.perf_root + "/type");
  const auto type = type_file.error == 0 ? parse_counter(type_file.text) : std::nullopt;
  if (!type) {
    found.unavailable.push_back(fmt::format(
        "rapl-perf: no perf 'power' PMU at {} (the kernel exposes no RAPL events: typical of "
        "virtual machines and of CPUs without RAPL)",
        options.perf_root));
    return;
  }
  const auto events = read_events(options);
  if (events.events.empty()) {
    found.unavailable.push_back(events.reason);
    return;
  }
  auto cpus = parse_cpu_list(options.file_reader->read(options.perf_root + "/cpumask").text);
  if (cpus.empty()) cpus.push_back(0);

  std::vector<OpenedMeter> opened;
  for (std::size_t package = 0; package < cpus.size(); ++package) {
    const std::string device = events.events.front().domain == "psys"
                                   ? std::string("platform")
                                   : fmt::format("cpu:{}", package);
    OpenedMeter meter{device, {}};
    for (const auto& event : events.events) {
      const int fd = options.perf_events->open(static_cast<std::uint32_t>(*type), event.config,
                                               cpus[package]);
      if (fd < 0) {
        for (auto& m : opened)
          for (int open_fd : m.fds) options.perf_events->close(open_fd);
        for (int open_fd : meter.fds) options.perf_events->close(open_fd);
        found.unavailable.push_back(open_failure(-fd, options.perf_root));
        return;
      }
      meter.fds.push_back(fd);
    }
    opened.push_back(std::move(meter));
  }

  std::vector<std::unique_ptr<PerfMeter>> meters;
  std::vector<std::vector<double>> before;
  for (auto& m : opened) {
    meters.push_back(std::make_unique<PerfMeter>(m.device, events.events, std::move(m.fds),
                                                 options.perf_events, options.background_polling));
    before.push_back(meters.back()->read_j());
  }
  const double probe_s = probe_duration_s(options, kRaplUpdatePeriodS);
  options.clock->sleep_for_s(probe_s);
  for (std::size_t i = 0; i < meters.size(); ++i) {
    if (meters[i]->read_j() == before[i]) {
      found.unavailable.push_back(fmt::format(
          "rapl-perf {}: counter frozen (no change in {:.0f} ms): typical of virtual machines",
          meters[i]->device(), probe_s * 1e3));
      continue;
    }
    found.meters.push_back(std::move(meters[i]));
  }
}

}  // namespace ecopt::detail
