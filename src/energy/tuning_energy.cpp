#include "ecopt/energy/tuning_energy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/format.hpp"

namespace ecopt {

// Reads only the two records it counts: the report sums 100,000 trials.
void TuningEnergy::add(const Trial& trial) {
  add_trial_and_tuner(find_energy_record(trial.user_attrs, kTrialRecord),
                      find_energy_record(trial.user_attrs, kTunerRecord));
}

void TuningEnergy::add(std::span<const EnergyRecord> records) {
  const auto named = [&](const char* name) -> std::optional<EnergyRecord> {
    const auto found = std::find_if(records.begin(), records.end(),
                                    [&](const EnergyRecord& record) { return record.name == name; });
    return found == records.end() ? std::nullopt : std::optional<EnergyRecord>(*found);
  };
  add_trial_and_tuner(named(kTrialRecord), named(kTunerRecord));
}

void TuningEnergy::add_trial_and_tuner(const std::optional<EnergyRecord>& trial_record,
                                       const std::optional<EnergyRecord>& tuner_record) {
  add(trial_record);
  if (tuner_record) {
    tuner_j += tuner_record->attributed_j(false);
    ++tuner_measured;
  }
}

std::string TuningEnergy::tuner_text() const {
  if (tuner_measured == 0) return "";
  return fmt::format(", and {} of the tuner's own work (asks, model fits, storage, idle baseline)", format_joules(tuner_j));
}

void TuningEnergy::add(const std::optional<EnergyRecord>& record) {
  if (!record) {
    ++unmeasured;
    return;
  }
  ++measured;
  gross_j += record->attributed_j(false);
  if (record->idle_subtracted && record->net_j) {
    net_j += record->attributed_j(true);
  } else {
    ++without_net;
  }
  estimate = estimate || record->is_estimate();
  shared = shared || record->shared;
  for (const EnergySource source : record->sources) {
    if (std::find(sources.begin(), sources.end(), source) == sources.end()) sources.push_back(source);
  }
}

std::string TuningEnergy::labelled_source() const {
  if (measured == 0) return "not measured";
  std::string text = describe_sources(sources);
  if (estimate) text += " (estimate)";
  if (shared) text += " (shared)";
  if (unmeasured > 0) {
    text += fmt::format("; lower bound: {} trial{} unmeasured", unmeasured, unmeasured == 1 ? "" : "s");
  }
  return text;
}

TuningEnergy tuning_energy(std::span<const Trial> trials) {
  TuningEnergy total;
  for (const auto& trial : trials) total.add(trial);
  return total;
}

std::optional<double> trial_tuning_energy_j(const std::optional<EnergyRecord>& trial_record) {
  TuningEnergy own;
  own.add(trial_record);
  return own.measured > 0 ? std::optional(own.gross_j) : std::nullopt;
}

std::optional<double> trial_tuning_energy_j(const Trial& trial) {
  return trial_tuning_energy_j(find_energy_record(trial.user_attrs, kTrialRecord));
}

}  // namespace ecopt
