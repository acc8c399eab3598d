// How the runner measures and charges energy: its meters, the idle
// baseline, windows attributed among trials sharing a machine-wide meter,
// the tuner's own work, and which leased devices a trial is charged for.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ecopt/core/trial.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/device_lease.hpp"
#include "ecopt/study/machine_activity.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

// The meters discovered for the study file, each named on `out`;
// UnavailableError naming what is missing when there are none.
std::unique_ptr<EnergyMonitor> make_monitor(const StudyFile& file, std::ostream& out);

// The machine's activity log where a meter counts the whole machine (its
// windows may then overlap other workers' trials); null otherwise.
std::unique_ptr<MachineActivity> machine_activity(const EnergyMonitor& monitor, const RunOptions& options);

// Idle power with no trial of any worker running on the machine: a
// neighbour's trial would be counted as idle and understate every net figure.
// Locks are taken in the one order every worker keeps (docs/scaling.md):
// device leases, then the machine gate, then machine.lock. A trial holds its
// lease before it passes the gate, so the baseline takes every lease of the
// node before the gate; taking the gate first would wait for a lease whose
// holder waits at the gate. Returns the baseline's own energy, which is the
// tuner's work (no other work runs meanwhile, so none is attributed away);
// nothing when the study file asks for no baseline.
std::optional<EnergyRecord> measure_idle(const StudyFile& file, EnergyMonitor& monitor, MachineActivity* activity,
                                         DeviceLeases* leases, const std::atomic<bool>& stop, std::ostream& out);

// One energy window of this process's work, registered with the machine's
// activity where a machine-wide meter is shared with other workers, so
// that its record keeps only its own share: each machine-wide reading
// splits its overlapped time evenly among the trials reading that meter
// then; the rest is its own.
class AttributedWindow {
 public:
  AttributedWindow(EnergyMonitor& monitor, MachineActivity* activity, const std::string& window,
                   const std::string& who);
  EnergyRecord end(const std::string& record_name);
  // Ends the window unrecorded, leaving no interval for neighbours' windows
  // to split with: for work that no record will be charged.
  void discard();

 private:
  MachineActivity* activity_;
  std::optional<MachineActivity::Registration> registration_;  // before the window opens
  ScopedWindow window_;
};

// The tuner's own work, charged to the trial it was done for: the idle
// baseline to the worker's first trial, then each trial's ask and claim
// and, once told, its tell. A claim that found no trial is charged to the
// next one; the last, which found the study full, is discarded.
class TunerAccount {
 public:
  void add(EnergyRecord window) { windows_.push_back(std::move(window)); }
  EnergyRecord record() const { return record_of_windows(kTunerRecord, windows_); }
  // Rewrites the told trial's kTunerRecord with its tell added (the record
  // was stored with the result, before the tell could be measured).
  void charge_tell(Storage& storage, Trial& told, EnergyRecord tell);
  void drop() { windows_.clear(); }

 private:
  std::vector<EnergyRecord> windows_;
};

// Devices held beside parallel trials put their work in this trial's
// figures only where a meter reads the whole device; the CPU-time estimate
// counts this trial's own processes whoever else runs on the CPU.
bool lease_mixes_energy(const DeviceLease& lease, const EnergyMonitor& monitor);

// What a leased trial is charged for: a CPU set's own package where a
// meter measures each package (RAPL's cpu:N), so that trials on other
// packages stay out of its figures; else every device it leased.
std::vector<std::string> charged_devices(const DeviceLease& lease, const EnergyMonitor& monitor);

// The accelerator a lease holds, for the task's device; none for a CPU lease.
std::optional<std::string> leased_accelerator(const DeviceLease& lease);

}  // namespace ecopt
