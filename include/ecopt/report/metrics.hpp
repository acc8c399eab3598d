#pragma once
// How the report reads figures out of a trial's user attributes. Tasks
// record different metrics, so every lookup tolerates absent keys; the
// rules are documented in docs/report.md ("Which metrics are read").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt::report {

// Energy of one inference unit (an image, a token) and where it came from.
struct InferenceEnergy {
  double j_per_unit = 0.0;
  std::string unit;  // "sample" or "token"
  std::string key;   // the user attribute it was read from
};

// "inference_j_per_sample"; else the first key ending in "_j_per_sample" or
// "_j_per_token"; else the inverse of "inference_samples_per_j" or of a key
// ending in "_per_j". Keys starting with "train" never count: a training
// phase's energy per sample is not an inference's. nullopt when none is a
// positive finite number.
std::optional<InferenceEnergy> inference_energy(const Trial& trial);

// Energy one trial spent on tuning (training it and measuring it).
struct TuningEnergy {
  double j = 0.0;
  std::vector<std::string> keys;  // the user attributes that were summed
};

// kTrialEnergyAttr (the runner's gross energy of the whole trial) when
// present; otherwise, for trials told from outside the runner, the sum of
// every top-level numeric user attribute whose key ends in "_j" but not
// "_per_j" (whole-phase energies such as training_j; per-sample figures such
// as inference_j_per_sample and efficiencies such as samples_per_j are not).
TuningEnergy tuning_energy(const Trial& trial);

// The "accuracy" user attribute, else the value of an objective named
// "accuracy"; nullopt when neither exists.
std::optional<double> accuracy(const StudySpec& spec, const Trial& trial);

// COMPLETE trials with one finite value per objective, in number order.
std::vector<const Trial*> complete_trials(const StudySpec& spec, const std::vector<Trial>& trials);

// The most accurate complete trial (by accuracy(), else by the first
// objective's direction); nullopt when there is no complete trial.
std::optional<std::int64_t> most_accurate_trial(const StudySpec& spec,
                                                const std::vector<Trial>& trials);

// The trial a model card describes when the user names none.
struct TrialChoice {
  std::int64_t number = -1;
  std::string reason;  // one sentence for the report
};

// Among complete trials within `accuracy_tolerance` (absolute) of the best
// accuracy, the one with the least inference energy; when accuracy or
// energy is not recorded, the knee of the Pareto front (the front member
// nearest the ideal point after scaling each objective to [0, 1]).
std::optional<TrialChoice> default_chosen_trial(const StudySpec& spec,
                                                const std::vector<Trial>& trials,
                                                double accuracy_tolerance = 0.01);

// The knee as defined above; nullopt without complete trials.
std::optional<std::int64_t> knee_trial(const StudySpec& spec, const std::vector<Trial>& trials);

// Throws NotFoundError when no trial has that number.
const Trial& trial_by_number(const std::vector<Trial>& trials, std::int64_t number);

// A string user attribute such as energy_source; nullopt when absent.
std::optional<std::string> text_attr(const Trial& trial, const std::string& key);

// What measured the trial, for a table: energy_source (the task's
// measurement), else kTrialEnergySourceAttr (the runner's whole-trial
// window, all a test-problem trial has), without the runner's " (shared)"
// mark: tables show energy_is_shared() their own way. nullopt when neither
// is recorded.
std::optional<std::string> trial_energy_source(const Trial& trial);

// True when the runner marked the trial energy_shared: the measured device
// was shared with parallel trials, so its energy includes their work.
bool energy_is_shared(const Trial& trial);

// True when energy_source says the figures are estimates rather than
// sensor readings ("estimate-cpu-time", "mixed: ...+estimate-...").
bool energy_is_estimate(const Trial& trial);

}  // namespace ecopt::report
