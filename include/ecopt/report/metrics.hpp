#pragma once
// How the report reads figures out of a trial: energy from its typed
// records, everything else from its user attributes, tolerating absent
// keys; the rules are documented in docs/report.md ("Which metrics are read").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/energy/record.hpp"

namespace ecopt::report {

// Energy of one inference unit (an image, a token) and the record it
// comes from (energy/record.hpp).
struct InferenceEnergy {
  double j_per_unit = 0.0;  // net of idle when the record subtracted it
  std::string unit;         // "sample" or "token"
  EnergyRecord record;

  // Per unit on one basis: net of idle, or gross (idle included).
  double j_per_unit_on(bool net) const;
};

// The trial's kInferenceRecord (images; a command's "inference" phase),
// else its kGenerationRecord (text generation, per generated token), when
// it holds a positive per-unit figure. A training phase never counts.
std::optional<InferenceEnergy> inference_energy(const Trial& trial);

// The record a trial's energy is labelled by in tables and cards: its
// inference record, else its trial record.
std::optional<EnergyRecord> headline_record(const Trial& trial);

// Whether any of the trial's records was measured on devices shared with
// parallel trials, or is an estimate.
bool energy_is_shared(const Trial& trial);
bool energy_is_estimate(const Trial& trial);

// All of the above from one reading of the trial's records, for pages
// that show every trial.
struct TrialEnergy {
  std::optional<InferenceEnergy> inference;
  std::optional<EnergyRecord> trial_record;  // kTrialRecord: its tuning energy (tuning_energy.hpp)
  bool shared = false;
  bool estimate = false;
  std::vector<std::string> flags;  // flag_labels() of every record

  const EnergyRecord* headline() const;  // as headline_record(); null without one
};
TrialEnergy trial_energy(const Trial& trial);

// What an objective or metric measures, read from its name by the
// project's unit convention: "_"-separated unit tokens j, wh, kwh
// (energy), s, ms (time), w, mw (power), around "per" for a rate
// (inference_samples_per_j, generation_j_per_token, tokens_per_s), plus
// the built-in tasks' quality metrics (accuracy, val_loss, heldout_loss).
// Any other name is left as it is, with no unit.
struct MetricUnit {
  std::string label;  // "inference efficiency", "training energy"; else the name itself
  std::string unit;   // "samples/J", "J/token", "J", "nats/byte"; empty when unknown
  // How the figure follows an energy record's joules: +1 in proportion
  // (J, J/sample), -1 inversely (samples/J), 0 not an energy figure.
  int energy_power = 0;
  std::string counted;  // the counted unit of a per-unit figure: "sample", "token"
};
MetricUnit metric_unit(std::string_view name);
// An objective's: as its name reads, with the unit its definition declares
// in place of the name's.
MetricUnit metric_unit(const Objective& objective);

// COMPLETE trials with one finite value per objective, in number order.
std::vector<const Trial*> complete_trials(const StudySpec& spec, const std::vector<Trial>& trials);

// The feasible complete trial with the best quality objective; nullopt
// when there is none or no quality objective.
std::optional<std::int64_t> best_quality_trial(const StudySpec& spec,
                                               const std::vector<Trial>& trials);

// The complete trial a study's stated baseline names (core/study_spec.hpp):
// trial N, the first complete trial, or the first complete one that ran
// with every stated parameter (numbers compared by value: 8 == 8.0);
// nullopt when none has completed.
std::optional<std::int64_t> stated_baseline_trial(const StatedBaseline& baseline,
                                                  const std::vector<Trial>& trials);

// The trial a model card describes when the user names none.
struct TrialChoice {
  std::int64_t number = -1;
  std::string reason;  // one sentence for the report
};

// Among feasible complete trials within `quality_tolerance` (in the
// quality objective's own units) of the best quality, the one with the
// least inference energy; without a quality objective or inference
// energy, the knee of the Pareto front (the front member nearest the ideal
// point after scaling each objective to [0, 1]).
std::optional<TrialChoice> default_chosen_trial(const StudySpec& spec,
                                                const std::vector<Trial>& trials,
                                                double quality_tolerance = 0.01);

// The knee as defined above; nullopt without complete trials.
std::optional<std::int64_t> knee_trial(const StudySpec& spec, const std::vector<Trial>& trials);

// Throws NotFoundError when no trial has that number.
const Trial& trial_by_number(const std::vector<Trial>& trials, std::int64_t number);

// A string user attribute; nullopt when absent.
std::optional<std::string> text_attr(const Trial& trial, const std::string& key);

}  // namespace ecopt::report
