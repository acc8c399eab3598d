#pragma once
// The study file: one TOML document that says what to tune, how, and where
// to store it (docs/study-file.md lists every key). It is read into JSON
// first, checked key by key (a misspelt key is an error, never ignored),
// then into StudyFile.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/study/pruning.hpp"

namespace ecopt {

// [energy] hold_above_g_per_kwh: new trials wait while the intensity is
// above it, polling every poll_s, at most max_wait_s before a trial runs
// anyway.
struct CarbonHold {
  double above_g_per_kwh = 0.0;
  double max_wait_s = 3600.0;
  double poll_s = 60.0;
};

struct EnergySettings {
  double idle_baseline_s = 0.0;      // 0: no baseline, energies are gross
  std::vector<std::string> devices;  // empty: every meter found
  double cpu_watts_per_core = 0.0;   // 0: the energy module's default
  bool allow_estimate = true;        // the CPU-time estimate when no sensor
  // Measurement policy, passed to the task as [task.energy] when given.
  std::optional<double> min_window_s;
  std::optional<int> repeats;
  CarbonOptions carbon;
  // Hold new trials while the grid's intensity is above a threshold.
  std::optional<CarbonHold> hold;
};

// How the [space] tables combine with the task's default space.
enum class SpaceMode { Override, Replace };

inline constexpr int kMaxCpusPerTrial = 4096;

struct StudyFile {
  std::string origin;  // the file's path, for messages
  StudySpec spec;
  std::string storage_url = "sqlite:///ecopt.db";
  std::string sampler = "mobo";
  std::uint64_t seed = 0;
  std::int64_t n_trials = 20;
  std::int64_t initial_trials = -1;  // -1: the sampler's default
  // A finished related study in the same storage whose COMPLETE trials
  // warm-start the sampler's models (Study::warm_start_from); empty: none.
  std::string warm_start_from;
  nlohmann::json sampler_options = nlohmann::json::object();  // the sampler's own (mobo: reference_rule, ...)
  // Pruning before and during training (docs/pruning.md): the [pruning]
  // table, [study] energy_first and each objective's best_plausible.
  PruningConfig pruning;
  // Crash recovery: a RUNNING trial whose heartbeat is older than
  // stale_after_s is failed when a run starts.
  double heartbeat_interval_s = 10.0;
  double stale_after_s = 120.0;
  // How long a worker rides out an unreachable PostgreSQL server (its
  // retries' waits add up to at least this) before it gives up; nullopt:
  // the storage's default, about 11 s.
  std::optional<double> storage_retry_s;
  // A trial failed as stale (its worker died) is run again, with the same
  // params, up to this many times (system attr "retried_from").
  int retry_failed = 0;
  // Workers on one node run trials at once, each on its own set of this
  // many CPUs of one package (docs/scaling.md); 0: not set, so `tune
  // --workers` chooses from the meters and a lone worker leases whole packages.
  int cpus_per_trial = 0;
  // A run stops when this many trials in a row fail with the same reason:
  // a mistake in the settings, not bad luck of the parameters.
  int stop_after_same_failures = 3;
  // A run stops after this many failed trials of its own (FAILED trials do
  // not use up n_trials); nullopt: n_trials.
  std::optional<std::int64_t> max_failed_trials;
  EnergySettings energy;
  // [budget] lives in spec.budget, stored with the study.
  nlohmann::json task = nlohmann::json::object();  // [task], "kind" included
  nlohmann::ordered_json space = nlohmann::ordered_json::object();  // [space.*] in file order
  SpaceMode space_mode = SpaceMode::Override;
  // [[enqueue]]: configurations to run before any sampled one, queued when
  // a run starts unless queued before (Study::enqueue).
  std::vector<ParamMap> enqueue;
  nlohmann::json document;  // the whole file as JSON, stored with the study
};

// Throws InputError naming the file (and the key or line) on any problem.
StudyFile parse_study_file(std::string_view toml_text, const std::string& origin);
StudyFile load_study_file(const std::string& path);
// The same document already in JSON form (ecopt.optimize's settings dict).
StudyFile study_file_from_json(const nlohmann::ordered_json& document, const std::string& origin);

// The file's [energy] settings as discover_meters takes them.
DiscoveryOptions discovery_options(const StudyFile& file);

// The task's default space with the file's [space] entries: in Override
// mode an entry replaces the parameter of that name in place or is added at
// the end; in Replace mode the file's entries are the whole space.
SearchSpace resolve_search_space(const StudyFile& file, const SearchSpace& task_default);

// One [[enqueue]] table of these parameters, as a study file reads it
// back (floats keep every digit, so the run repeats the trial exactly):
// what the report's selection panel exports for the chosen trial.
std::string enqueue_toml(const ParamMap& params);

// TOML to JSON; tables keep the order of the file. Exposed for tests.
nlohmann::ordered_json toml_to_json(std::string_view toml_text, const std::string& origin);

}  // namespace ecopt
