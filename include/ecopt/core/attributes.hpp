#pragma once
// Every attribute key ECOpt writes into storage, in one place: what it
// holds and where (a study's user attributes, a trial's user or system
// attributes). Readers and writers use these names, never the text.
//
// The study's definition (objectives, roles, constraints, declared space,
// baseline) is not an attribute: it is StudySpec (core/study_spec.hpp).
namespace ecopt {

// --- study user attributes ---------------------------------------------------
// The study file `ecopt tune` ran, as JSON (storage password removed).
inline constexpr const char* kStudyFileAttr = "study_file";
// The study's tuning energy so far, in joules (TuningEnergy::gross_j,
// energy/tuning_energy.hpp).
inline constexpr const char* kTuningEnergyStudyAttr = "tuning_energy_j";
// Objective names, as Optuna's export keeps them.
inline constexpr const char* kObjectiveNamesAttr = "objective_names";

// --- trial user attributes ---------------------------------------------------
// The trial's energy records (energy/record.hpp), by record name.
inline constexpr const char* kEnergyRecordsAttr = "energy";
// Why a trial was pruned (energy-first evaluation), for the report.
inline constexpr const char* kPrunedReasonAttr = "pruned_reason";
// Standard errors the user states for the trial's values, {objective name:
// value} (core/stated_noise.hpp): the models take them as known noise.
inline constexpr const char* kStatedStderrAttr = "ecopt_stderr";
// The devices a trial ran on: "cuda:0+cpu", and their stable ids
// "GPU-...+cpu-node1-package-0".
inline constexpr const char* kDeviceLeaseAttr = "device_lease";
inline constexpr const char* kDeviceLeaseIdsAttr = "device_lease_ids";

// --- trial system attributes -------------------------------------------------
// The search space the trial was asked in (Optuna's JSON text, declared
// order), its sampler and the sampler's own options.
inline constexpr const char* kSearchSpaceAttr = "search_space";
inline constexpr const char* kSamplerAttr = "sampler";
inline constexpr const char* kSamplerOptionsAttr = "sampler_options";
// A retry of a trial failed as stale: the failed trial's number, and 1 for
// the first retry.
inline constexpr const char* kRetriedFromAttr = "retried_from";
inline constexpr const char* kRetryCountAttr = "retry_count";
// A trial that runs a configuration queued with enqueue: its index in the
// study definition's `enqueued` list.
inline constexpr const char* kEnqueuedAttr = "enqueued";
// Who runs the trial, so that a rerun tells a dead process's trial from a
// live one (containers share hostnames, hence the pid namespace).
inline constexpr const char* kRunnerHostAttr = "host";
inline constexpr const char* kRunnerPidAttr = "pid";
inline constexpr const char* kRunnerPidNamespaceAttr = "pid_namespace";

}  // namespace ecopt
