#pragma once
// Named phases of a trial (training, inference), each measured in its own
// window of the trial's monitor. Command trials report them by protocol
// lines (docs/command-protocol.md) and ecopt.optimize's
// `with trial.phase(...)` in process: both through this class, so both give
// the same metrics and the same energy records.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"

namespace ecopt {

class PhaseWindows {
 public:
  // The phases measure the work of the thread that makes this, whichever
  // thread later begins them (a command's output reader).
  explicit PhaseWindows(EnergyMonitor& monitor)
      : monitor_(monitor), worker_(std::this_thread::get_id()) {}

  // InputError when the phase is open already.
  void begin(const std::string& phase);
  // Ends the phase's window and adds its metrics to `metrics`: <phase>_j
  // (net of idle when a baseline was taken, else gross), _gross_j, _s, and
  // with samples > 0 also _samples, _j_per_sample and _samples_per_j; its
  // record (per sample when counted) goes to records(). An energy at or
  // below zero gets no _j, _j_per_sample or _samples_per_j: its record is
  // flagged (EnergyRecord::flags) and says why. InputError when the phase
  // was not begun.
  void end(const std::string& phase, std::int64_t samples, nlohmann::json& metrics);
  // Closes the phases left open, whose energy is lost; returns the first
  // one's name for the caller's error.
  std::optional<std::string> abandon_open();

  const std::vector<EnergyRecord>& records() const { return records_; }

 private:
  EnergyMonitor& monitor_;
  std::thread::id worker_;
  std::map<std::string, ScopedWindow> open_;  // ended on every exit path
  std::vector<EnergyRecord> records_;
};

}  // namespace ecopt
