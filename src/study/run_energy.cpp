#include "run_energy.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"

namespace ecopt {
namespace {

// The trial's own share of its window: each machine-wide reading splits its
// overlapped time evenly among the trials reading that meter then; the
// rest is its own.
void attribute(EnergyRecord& record, const WindowResult& window, const Overlap& overlap) {
  double machine_wide_j = 0.0;
  double others_j = 0.0;
  for (const auto& reading : window.readings) {
    if (!is_machine_wide(reading.source)) continue;
    machine_wide_j += reading.gross_j;
    others_j += reading.gross_j * (1.0 - overlap.share_of(reading.device));
  }
  if (!overlap.shared || !(machine_wide_j > 0.0) || !(record.gross_j > 0.0)) return;
  record.shared = true;
  record.attributed_fraction = (record.gross_j - others_j) / record.gross_j;
}

// The machine-wide meters a window reads now: where other trials' work
// would show in its figures (its package's only, for a pinned trial where
// RAPL measures each package).
std::vector<std::string> machine_wide_scope(const EnergyMonitor& monitor) {
  std::vector<std::string> devices;
  for (const Meter* meter : monitor.counted_meters())
    if (is_machine_wide(meter->source())) devices.push_back(meter->device());
  return devices;
}

std::vector<std::string> leased_devices(const DeviceLease& lease) {
  auto devices = lease.exclusive();
  devices.insert(devices.end(), lease.shared().begin(), lease.shared().end());
  return devices;
}

}  // namespace

std::unique_ptr<EnergyMonitor> make_monitor(const StudyFile& file, std::ostream& out) {
  auto discovery = discover_meters(discovery_options(file));
  // What is missing first: the warnings refer to these reasons.
  for (const auto& line : discovery.unavailable) out << "energy: unavailable: " << line << '\n';
  for (const auto& line : discovery.warnings) out << "energy: " << line << '\n';
  if (discovery.meters.empty()) {
    std::string reasons;
    for (const auto& line : discovery.unavailable) reasons += (reasons.empty() ? "" : "; ") + line;
    throw UnavailableError(fmt::format(
        "{}: no energy meter is available ({}); allow the estimate with [energy] allow_estimate = "
        "true",
        file.origin, reasons));
  }
  auto monitor = std::make_unique<EnergyMonitor>(std::move(discovery.meters));
  for (const auto& meter : monitor->meters()) {
    out << fmt::format("energy: {} via {}\n", meter->device(), to_string(meter->source()));
  }
  return monitor;
}

std::unique_ptr<MachineActivity> machine_activity(const EnergyMonitor& monitor,
                                                  const RunOptions& options) {
  const auto& meters = monitor.meters();
  if (std::none_of(meters.begin(), meters.end(),
                   [](const auto& meter) { return is_machine_wide(meter->source()); })) {
    return nullptr;
  }
  return std::make_unique<MachineActivity>(options.lease_dir.value_or(default_lease_dir()));
}

std::optional<EnergyRecord> measure_idle(const StudyFile& file, EnergyMonitor& monitor,
                                         MachineActivity* activity, DeviceLeases* leases,
                                         const std::atomic<bool>& stop, std::ostream& out) {
  if (file.energy.idle_baseline_s <= 0) return std::nullopt;
  // Every device lease of the node: no worker's trial runs on a measured
  // GPU meanwhile, with or without a machine-wide meter.
  const DeviceLease whole_node = leases ? leases->acquire_machine(stop) : DeviceLease();
  std::optional<EnergyRecord> spent;
  const auto measure = [&] {
    out << fmt::format("energy: measuring idle power for {}s ...\n", file.energy.idle_baseline_s)
        << std::flush;
    ScopedWindow window(monitor, "idle baseline");
    monitor.measure_idle_baseline(
        std::chrono::milliseconds(std::llround(file.energy.idle_baseline_s * 1000)));
    spent = energy_record(kTunerRecord, window.end());
  };
  if (!activity) {
    measure();
    return spent;
  }
  activity->exclusively(measure, [&](std::size_t running) {
    out << fmt::format("energy: waiting for {} running trial{} on this machine to end before "
                       "measuring idle power\n",
                       running, running == 1 ? "" : "s")
        << std::flush;
  });
  return spent;
}

AttributedWindow::AttributedWindow(EnergyMonitor& monitor, MachineActivity* activity, const std::string& window,
                                   const std::string& who)
    : activity_(activity),
      registration_(activity ? std::optional(activity->begin(who, machine_wide_scope(monitor))) : std::nullopt),
      window_(monitor, window) {
  if (registration_) activity_->opened(*registration_);
}

void AttributedWindow::discard() {
  window_.end();
  registration_.reset();  // released unlogged
}

EnergyRecord AttributedWindow::end(const std::string& record_name) {
  const WindowResult measured = window_.end();
  EnergyRecord record = energy_record(record_name, measured);
  if (registration_) attribute(record, measured, activity_->end(*registration_));
  return record;
}

void TunerAccount::charge_tell(Storage& storage, Trial& told, EnergyRecord tell) {
  add(std::move(tell));
  EnergyRecord tuner = record();
  windows_.clear();
  if (const auto stored = find_energy_record(told.user_attrs, kTunerRecord))
    tuner.shared = tuner.shared || stored->shared;
  write_energy_records(told.user_attrs, {tuner});
  storage.set_trial_user_attrs(told.id, {{kEnergyRecordsAttr, told.user_attrs[kEnergyRecordsAttr]}});
}

bool lease_mixes_energy(const DeviceLease& lease, const EnergyMonitor& monitor) {
  const auto& meters = monitor.meters();
  return std::any_of(lease.shared().begin(), lease.shared().end(), [&](const std::string& device) {
    return std::any_of(meters.begin(), meters.end(), [&](const auto& meter) {
      return device_matches(device, meter->device()) && !is_estimate(meter->source());
    });
  });
}

std::vector<std::string> charged_devices(const DeviceLease& lease, const EnergyMonitor& monitor) {
  auto devices = leased_devices(lease);
  if (lease.cpus().empty()) return devices;
  const auto package = fmt::format("cpu:{}", lease.cpu_package());
  const auto& meters = monitor.meters();
  if (std::none_of(meters.begin(), meters.end(), [&](const auto& meter) { return meter->device() == package; }))
    return devices;
  std::replace(devices.begin(), devices.end(), std::string(kCpuLease), package);
  return devices;
}

std::optional<std::string> leased_accelerator(const DeviceLease& lease) {
  for (const auto& device : leased_devices(lease))
    if (device != kCpuLease) return device;
  return std::nullopt;
}

}  // namespace ecopt
