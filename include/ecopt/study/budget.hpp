#pragma once
// The rules that end a run of a study between trials, in one place:
// the study's budget (core/study_spec.hpp's StudyBudget: tuning energy,
// tuning carbon, wall time, diminishing returns) and the failure limits of
// [study] (max_failed_trials, stop_after_same_failures). run_study asks
// StudyRules before each trial it claims, in `tune` and in every worker;
// each rule gives the reason it stops the run, or nothing.
//
// How n_trials counts (docs/study-file.md): a study has run its n_trials
// when it holds n_trials trials that answered, COMPLETE or PRUNED. FAILED
// trials do not use it up, so a run makes new trials in their place; a run
// that keeps failing stops at max_failed_trials failures of its own.
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

// Whether a trial in this state counts toward n_trials: COMPLETE, PRUNED.
bool counts_toward_n_trials(TrialState state);

// The hypervolume window when the budget states none: on 1,000 NSGA-II
// trials of ZDT1, 10 stopped studies at 2-12 % of their final hypervolume
// (ten trials without a better front are common), 30 within a few hundred
// trials of the 1 % point (docs/benchmarks/budgets.md).
inline constexpr int kDefaultHypervolumeWindow = 30;

// Where the budget's settings come from, for messages: the keys of a study
// file's [budget] table or the flags of tune and worker.
struct BudgetKeys {
  const char* energy_kwh;
  const char* carbon_kg;
  const char* wall_time;
  const char* min_hypervolume_per_kwh;
  const char* hypervolume_window;
};
inline constexpr BudgetKeys kBudgetTableKeys{"energy_kwh", "carbon_kg", "wall_time", "min_hypervolume_per_kwh",
                                             "hypervolume_window"};
inline constexpr BudgetKeys kBudgetFlagKeys{"--energy-budget-kwh", "--carbon-budget-kg", "--wall-time",
                                            "--min-hypervolume-per-kwh", "--hypervolume-window"};

// Reads the budget from `options` (a [budget] table, or the flags gathered
// under kBudgetFlagKeys) through the input boundary; InputError naming
// `owner` and the key for a value of the wrong type or range.
StudyBudget read_budget(const nlohmann::json& options, const std::string& owner, const BudgetKeys& keys);

// "energy 0.5 kWh, wall time 2h00m, ..."; "none" without limits.
std::string describe(const StudyBudget& budget);

// The study's running time: the union of its finished trials' windows
// (started to finished), so that parallel trials count once and the time
// between runs not at all.
double study_running_time_s(std::span<const Trial> trials);

// Hypervolume added by the last `window` trials to finish (by finished_at,
// then number), per kWh of their tuning energy as the energy budget and
// tuning_curve count it (TuningEnergy::total_j: each trial's record and the
// tuner's), against fixed_reference()
// (math/front.hpp), so a figure stays comparable as the study grows and on
// every resume. nullopt while it cannot be judged: no fixed reference yet,
// no more than `window` finished trials, or their energy unmeasured or 0.
struct HypervolumeGain {
  double hypervolume = 0.0;  // gained over the window
  double kwh = 0.0;          // the window's tuning energy
  double per_kwh() const { return hypervolume / kwh; }
};
std::optional<HypervolumeGain> recent_hypervolume_gain(const std::vector<Trial>& trials, const StudySpec& spec,
                                                       int window);

// Finished trials in the order they finished (finished_at, then number):
// the order the diminishing-returns rule and the tuning curve read them in.
std::vector<const Trial*> in_finishing_order(const std::vector<Trial>& trials);

// What the study bought with what it spent: after each finished trial, in
// the order they finished, the tuning energy and carbon spent so far as the
// budgets count them (each trial's and the tuner's records for it,
// TuningEnergy::total_j; tuning_carbon) and the front's hypervolume against
// fixed_reference(), the diminishing-returns rule's reference. The report
// plots it.
struct TuningPoint {
  const Trial* trial = nullptr;
  double tuning_j = 0.0;    // so far, this trial's included
  double grams_co2e = 0.0;  // so far
  double hypervolume = 0.0;  // 0 while there is no fixed reference
};
struct TuningCurve {
  std::optional<ReferencePoint> reference;
  std::vector<TuningPoint> points;
  TuningEnergy tuning;  // of the finished trials
  TuningCarbon carbon;  // of the finished trials
};
TuningCurve tuning_curve(const std::vector<Trial>& trials, const StudySpec& spec, const CarbonOptions& carbon);

// The study user attribute where a run that a budget rule stopped says so
// (rule, message, trials_answered, tuning_energy_j, at), for the report
// and the dashboard.
inline constexpr const char* kStoppedByStudyAttr = "stopped_by";

// What kStoppedByStudyAttr holds, read field by field: it is storage
// content, so a missing or mistyped field is left empty rather than
// failing the reader. nullopt when no run was stopped by a rule.
struct StudyRecord;
struct StoppedBy {
  std::string rule;     // the setting: "energy_kwh", "min_hypervolume_per_kwh", ...
  std::string message;  // the runner's line: what was reached, against which limit
  std::string at;       // ISO-8601 UTC
  std::optional<std::int64_t> trials_answered;
};
std::optional<StoppedBy> stopped_by(const StudyRecord& record);

struct StopReason {
  // A failure rule: the run did not do what was asked (tune exits 1). A
  // budget rule ends it as planned.
  bool failure = false;
  std::string rule;     // the setting: "energy_kwh", "max_failed_trials", ...
  std::string message;  // one line: what was reached, against which limit
};

struct FailureLimits {
  std::string origin;                  // the study file, named in messages
  std::int64_t max_failed_trials = 0;  // of this run; interrupted trials do not count
  int stop_after_same_failures = 0;    // in a row, with the same reason
};

// How close a study is to one rule of its budget, judged as StudyRules
// judges it: check() stops a run at the first rule reached; the report and
// the dashboard show every rule's progress.
struct BudgetProgress {
  std::string rule;                // the setting, as in StopReason: "energy_kwh", "n_trials", ...
  std::optional<double> fraction;  // of the limit used (1 or more: reached); nullopt for
                                   // diminishing returns, which is no quota
  bool reached = false;
  std::string status;   // one line: "tuning energy 0.1234 kWh (rapl-powercap) of 0.5 kWh"
  std::string message;  // why it stops a run (StopReason::message); empty unless a budget rule is reached
};

// The progress of each rule `budget` sets, in check()'s order: energy,
// carbon, wall time, diminishing returns.
std::vector<BudgetProgress> budget_progress(const StudyBudget& budget, const std::vector<Trial>& trials,
                                            const StudySpec& spec, const TuningEnergy& tuning,
                                            const CarbonOptions& carbon);
// n_trials as a run counts it: COMPLETE and PRUNED trials (counts_toward_n_trials).
BudgetProgress trials_progress(const std::vector<Trial>& trials, std::int64_t n_trials);

// What a study holds of the settings its runs follow: n_trials and [energy]
// carbon of the study file tune stored with it (kStudyFileAttr; a --n-trials
// given to one run is not stored). Without one: no n_trials, the default
// carbon settings. InputError when the stored file cannot be read.
struct StudyRecord;
struct StoredRunSettings {
  std::optional<std::int64_t> n_trials;
  CarbonOptions carbon;
};
StoredRunSettings stored_run_settings(const StudyRecord& record);

// The rule set of a run.
class StudyRules {
 public:
  StudyRules(StudyBudget budget, FailureLimits limits, CarbonOptions carbon);

  // A trial this run told: the failure rules count it.
  void record(const Trial& told);
  // The first rule that stops the run now, given the study's trials and
  // tuning energy (every worker's); nullopt: go on.
  std::optional<StopReason> check(const std::vector<Trial>& trials, const StudySpec& spec,
                                  const TuningEnergy& tuning) const;

  const StudyBudget& budget() const { return budget_; }

 private:
  std::optional<StopReason> check_failures() const;

  StudyBudget budget_;
  FailureLimits limits_;
  CarbonOptions carbon_;
  std::int64_t failed_ = 0;
  std::string last_reason_;
  int same_ = 0;
};

// [energy] hold_above_g_per_kwh: before a trial starts, waits while the
// grid's intensity now (source.now()) is above the threshold, asking again
// every poll_s, at most max_wait_s; says why it waits, and why it goes on.
// Returns early when `stop` is set.
void hold_while_carbon_intense(const IntensitySource& source, const CarbonHold& hold,
                               const std::atomic<bool>& stop, std::ostream& out);

}  // namespace ecopt
