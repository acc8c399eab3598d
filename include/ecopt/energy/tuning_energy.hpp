#pragma once
// The energy a study spent on tuning, counted one way everywhere: ecopt
// tune's progress lines and closing figure, the study attribute
// tuning_energy_j, the report (cards, net impact, model card, trials table,
// trials.csv and trials.json) and the dashboard all call these.
//
// A trial's tuning energy is its kTrialRecord (one window over the whole
// trial: training and measuring) times its attributed_fraction, which is
// below 1 only where a machine-wide meter was shared with overlapping
// trials: the package's energy over any period is then counted once,
// whatever the number of workers (docs/energy.md, "Many workers on one
// machine"). Failed and pruned trials count: their energy was spent. A
// trial without a kTrialRecord (told from outside) is unmeasured, and the
// total is then a lower bound.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecopt/core/trial.hpp"
#include "ecopt/energy/reading.hpp"
#include "ecopt/energy/record.hpp"

namespace ecopt {

struct TuningEnergy {
  double gross_j = 0.0;  // Σ gross × attributed_fraction
  double net_j = 0.0;    // Σ net of idle × attributed_fraction, over the records with a net figure
  std::size_t measured = 0;     // trials with a kTrialRecord
  std::size_t unmeasured = 0;   // trials without one: the total is a lower bound
  std::size_t without_net = 0;  // measured trials taken without an idle baseline
  bool estimate = false;        // some record is an estimate
  bool shared = false;          // some record was measured on shared devices
  std::vector<EnergySource> sources;  // distinct, in trial order
  // The tuner's own work (its kTunerRecord: asks, model fits, storage, idle baseline),
  // gross × attributed_fraction, apart from the trials' figures above;
  // budgets count both (total_j).
  double tuner_j = 0.0;
  std::size_t tuner_measured = 0;  // trials with a kTunerRecord

  void add(const Trial& trial);  // reads its kTrialRecord and kTunerRecord
  // One trial's records (its kTrialRecord and kTunerRecord count; the
  // others are ignored), before they are stored.
  void add(std::span<const EnergyRecord> records);
  void add(const std::optional<EnergyRecord>& trial_record);  // nullopt: unmeasured
  // Whether every measured trial has a net figure (and there is one).
  bool has_net() const { return measured > 0 && without_net == 0; }
  // net_j or gross_j; the study's tuning energy is gross_j.
  double j(bool net) const { return net ? net_j : gross_j; }
  // The trials' gross energy and the tuner's own: what a study spent.
  double total_j() const { return gross_j + tuner_j; }
  // ", and 0.42 J of the tuner's own work (asks, model fits, storage, idle baseline)";
  // empty when no tuner record was measured.
  std::string tuner_text() const;
  // "rapl-powercap (shared)", "estimate-cpu-time (estimate)", with "; lower
  // bound: N trials unmeasured" when some are; "not measured" when none is.
  std::string labelled_source() const;

 private:
  void add_trial_and_tuner(const std::optional<EnergyRecord>& trial_record,
                           const std::optional<EnergyRecord>& tuner_record);
};

TuningEnergy tuning_energy(std::span<const Trial> trials);

// One trial's own tuning energy (gross × attributed_fraction); nullopt when
// it has no kTrialRecord.
std::optional<double> trial_tuning_energy_j(const Trial& trial);
std::optional<double> trial_tuning_energy_j(const std::optional<EnergyRecord>& trial_record);

}  // namespace ecopt
