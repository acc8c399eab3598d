#pragma once
// One energy figure as ECOpt stores and publishes it: what was measured,
// by which sources on which devices, gross and net, whether idle was
// subtracted, how many windows and their spread, how many counter updates
// and what the meters can resolve, whether the devices were shared with
// parallel trials, and whether any of it is an estimate.
//
// A trial's records live in its user attributes under kEnergyRecordsAttr
// ("energy"), keyed by name. write_energy_records() is the one writer and
// energy_records() the one reader: nothing else parses them, and nothing
// decides "estimate" or "shared" from a string.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/attributes.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/reading.hpp"

namespace ecopt {


// Record names the runner and the built-in tasks use.
inline constexpr const char* kTrialRecord = "trial";          // the whole trial (tuning energy)
inline constexpr const char* kInferenceRecord = "inference";  // per sample, before training
inline constexpr const char* kTrainingRecord = "training";
inline constexpr const char* kGenerationRecord = "generation";  // per generated token
// The tuner's own work for a trial, outside the trial's window: asking the
// sampler (model fits), claiming and telling through storage, and for a
// worker's first trial the idle baseline it measured before.
inline constexpr const char* kTunerRecord = "tuner";

// A window is resolved when it spans at least this many steps of its
// coarsest meter (its energy is then good to about 10%).
inline constexpr double kResolvedSteps = 10.0;

// Flags a record states when its figure cannot stand as measured
// (docs/energy.md, "Figures at the meter's limits").
// Idle was subtracted and the net figure is at or below zero: the idle
// baseline drew at least as much power as the work.
inline constexpr const char* kNetNotPositiveFlag = "net_not_positive";
// The figure (net when idle was subtracted) is no larger than resolution_j:
// one step of a meter could hide all of it.
inline constexpr const char* kWithinResolutionFlag = "within_resolution";

struct EnergySpread {  // of the per-unit (or per-window) figure over windows
  double min_j = 0.0;
  double max_j = 0.0;
  double mad_j = 0.0;  // median absolute deviation
};

struct EnergyRecord {
  std::string name;  // kTrialRecord, kInferenceRecord, a command phase, ...
  std::vector<EnergySource> sources;  // distinct, in reading order
  std::vector<std::string> devices;   // distinct: "cpu:0", "cuda:0", "cpu (estimate)"
  // What its estimates charge and why (EnergyReading::estimate_basis),
  // distinct, in reading order; empty when every figure is a sensor's.
  std::vector<std::string> estimate_basis;
  bool idle_subtracted = false;
  // The devices were measured while another trial ran on them: the figure
  // includes that trial's work.
  bool shared = false;
  // The part of the energy that is this trial's own: below 1 when a
  // machine-wide meter was shared with overlapping trials, whose common
  // time is split evenly among them (docs/energy.md, "Many workers").
  double attributed_fraction = 1.0;
  int windows = 1;
  double duration_s = 0.0;  // of one window (the median one when repeated)
  double gross_j = 0.0;     // of one window
  std::optional<double> net_j;
  // Per-unit figures, when the work was counted ("sample", "token").
  std::string unit;
  std::size_t units_per_window = 0;
  std::optional<double> j_per_unit;  // median over windows; net when idle_subtracted
  std::optional<EnergySpread> spread;  // over windows, when windows > 1
  std::int64_t counter_updates = 0;  // fewest of any counter-backed meter in one window
  double resolution_s = 0.0;         // the coarsest meter's step
  double resolution_j = 0.0;         // energy that can hide within one step, per window

  bool is_estimate() const;
  // duration_s >= kResolvedSteps × resolution_s.
  bool resolved() const;
  // kNetNotPositiveFlag, kWithinResolutionFlag, in that order, when they
  // hold. Derived from the figures, so a record cannot state otherwise.
  std::vector<std::string> flags() const;
  bool flagged(std::string_view flag) const;
  // One line saying what the flags mean for this record's figures; empty
  // when it has none.
  std::string flag_note() const;
  // net_j when idle was subtracted, else gross_j: the figure to compare.
  double energy_j() const;
  // This trial's own energy on one basis (net of idle or gross).
  double attributed_j(bool net) const;
  // "rapl-powercap", or "estimate-cpu-time", or "mixed: a+b".
  std::string source_text() const;
  std::string device_text() const;
  // The source with its marks, for every table and card:
  // "rapl-powercap", "estimate-cpu-time (estimate)", "... (shared)",
  // "... (net ≤ 0)", "... (within resolution)".
  std::string labelled_source() const;
};

// A record of one window.
EnergyRecord energy_record(std::string name, const WindowResult& window);
// A record of repeated windows of counted work (measure_per_sample).
EnergyRecord energy_record(std::string name, std::string unit, const PerSampleEnergy& energy);

// One record of work measured in several windows one after another (the
// tuner's work for a trial: the idle baseline, the ask and claim, the tell):
// energies, durations and each window's resolution add; sources, devices
// and marks are the union; the attributed share is weighted by energy; net
// stays only where every window has one. InputError for per-unit records
// (their windows repeat the same work and are not summed) or none at all.
EnergyRecord record_of_windows(std::string name, std::span<const EnergyRecord> windows);

nlohmann::json to_json(const EnergyRecord& record);
// InputError naming the record and the field when the JSON is not a record.
EnergyRecord energy_record_from_json(std::string name, const nlohmann::json& json);

// "inference: net ≤ 0", "command: within resolution": one label per flag of
// each record of measured work (the windows objectives and figures are read
// from), for the tables, cards, front notes and pages that show a trial. The
// bookkeeping windows are left out: the whole-trial one (tuning energy) and
// the tuner's, whose millisecond of asks is within any meter's resolution
// by nature and says nothing about the trial's figures. Each record's own
// flags stay in it (the report's details panel lists them).
std::vector<std::string> flag_labels(const std::vector<EnergyRecord>& records);

// The one writer: puts each record under user_attrs["energy"][name].
void write_energy_records(nlohmann::json& user_attrs, const std::vector<EnergyRecord>& records);
// The one reader, in name order; InputError when user_attrs["energy"] is
// present but not records (Study::tell checks this before storing).
std::vector<EnergyRecord> energy_records(const nlohmann::json& user_attrs);
std::optional<EnergyRecord> find_energy_record(const nlohmann::json& user_attrs,
                                               std::string_view name);

// user_attrs with its records read by the one reader and written back by
// the one writer: what the writer derives (estimate, resolved, flags) is
// recomputed and fields it does not know are dropped, so a record told
// from outside says what a measured one would. InputError naming a
// malformed record; unchanged when there are none.
nlohmann::json with_normalised_energy(const nlohmann::json& user_attrs);

}  // namespace ecopt
