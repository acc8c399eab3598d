#pragma once
// A small study with hand-picked values, stored through a real Storage, so
// that every figure the report derives can be checked by hand. Energies
// are powers of two so that differences and quotients are exact.
//
//  trial  state     accuracy  J/sample   params  FLOPs  training_j  trial record J
//  0      COMPLETE  0.80      1/256      1000    2e5    90          100 (an estimate)
//  1      COMPLETE  0.90      1/64       4000    1e6    300         300
//  2      COMPLETE  0.895     1/128      16000   5e5    150         150
//  3      COMPLETE  0.70      0.005      500     1e5    60          60
//  4      FAIL      -         -          -       -      30          30
//
// Objectives: accuracy (max), inference_samples_per_j (max). Tuning energy
// 640 J. Front: 0, 1, 2 (3 is dominated by 0).
#include <memory>
#include <string>
#include <vector>

#include "ecopt/energy/record.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt::report::testing {

struct KnownTrial {
  double accuracy = 0.0;
  double j_per_sample = 0.0;
  nlohmann::json attrs;
  ParamMap params;
};

inline StudySpec known_spec(const std::string& name = "known") {
  StudySpec spec;
  spec.name = name;
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"inference_samples_per_j", Direction::Maximize, std::nullopt}};
  return spec;
}

// A record of one window on cpu:0 (the runner's "trial", a "training").
inline EnergyRecord window_record(const std::string& name, EnergySource source, double gross_j) {
  EnergyRecord record;
  record.name = name;
  record.sources = {source};
  record.devices = {"cpu:0"};
  record.duration_s = 12.5;
  record.gross_j = gross_j;
  record.resolution_s = 0.001;
  record.resolution_j = gross_j * 0.001 / 12.5;
  return record;
}

// Five windows of 100 samples, net of idle (the gross figure is the same,
// so that every basis gives the table's J/sample).
inline EnergyRecord inference_record(EnergySource source, double j) {
  EnergyRecord record = window_record("inference", source, 100 * j);
  record.net_j = 100 * j;
  record.idle_subtracted = true;
  record.windows = 5;
  record.unit = "sample";
  record.units_per_window = 100;
  record.j_per_unit = j;
  record.spread = EnergySpread{j * 0.96, j * 1.04, j / 40.0};
  return record;
}

inline nlohmann::json energy_attrs(double accuracy, double j, double params, double flops,
                                   double training_j, EnergySource source, double other_j = 0.0) {
  nlohmann::json attrs = {{"accuracy", accuracy},
                          {"inference_j_per_sample", j},
                          {"inference_samples_per_j", 1.0 / j},
                          {"params", params},
                          {"flops_per_sample", flops},
                          {"training_j", training_j},
                          {"train_s", 12.5},
                          {"inference_batch_size", 64}};
  write_energy_records(attrs, {inference_record(source, j),
                               window_record("training", source, training_j),
                               window_record("trial", source, training_j + other_j)});
  return attrs;
}

// Fills `storage` with the table above in a study of `spec` (known_spec's
// objectives, with a budget or not) and `study_attrs`; returns its record.
inline StudyRecord fill_known_study(Storage& storage, const StudySpec& spec, const nlohmann::json& study_attrs,
                                    const std::string& hostile_value = "adam") {
  const StudyRecord study = storage.create_study(spec, study_attrs);
  const std::vector<KnownTrial> rows = {
      {0.80, 1.0 / 256, energy_attrs(0.80, 1.0 / 256, 1000, 2e5, 90, EnergySource::EstimateCpuTime, 10),
       {{"width", std::int64_t{8}}, {"kernel", std::int64_t{3}}, {"optimizer", hostile_value}}},
      {0.90, 1.0 / 64, energy_attrs(0.90, 1.0 / 64, 4000, 1e6, 300, EnergySource::RaplPowercap),
       {{"width", std::int64_t{16}}, {"kernel", std::int64_t{5}}, {"optimizer", std::string("sgd")}}},
      {0.895, 1.0 / 128, energy_attrs(0.895, 1.0 / 128, 16000, 5e5, 150, EnergySource::RaplPowercap),
       {{"width", std::int64_t{32}}, {"kernel", std::int64_t{1}}, {"optimizer", hostile_value}}},
      {0.70, 0.005, energy_attrs(0.70, 0.005, 500, 1e5, 60, EnergySource::RaplPowercap),
       {{"width", std::int64_t{4}}, {"kernel", std::int64_t{3}}, {"optimizer", std::string("sgd")}}},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Trial trial = storage.create_trial(study.id, nlohmann::json::object());
    storage.set_trial_params(trial.id, rows[i].params);
    TrialResult result;
    result.values = {rows[i].accuracy, 1.0 / rows[i].j_per_sample};
    result.user_attrs = rows[i].attrs;
    storage.finish_trial(trial.id, result);
  }
  const Trial failed = storage.create_trial(study.id, nlohmann::json::object());
  storage.set_trial_params(failed.id, {{"width", std::int64_t{64}}});
  TrialResult failure;
  failure.state = TrialState::Failed;
  failure.user_attrs = {{"training_j", 30.0}};
  write_energy_records(failure.user_attrs, {window_record("trial", EnergySource::RaplPowercap, 30.0)});
  failure.fail_reason = "out of memory at epoch 2";
  storage.finish_trial(failed.id, failure);
  return study;
}

inline StudyRecord make_known_study(Storage& storage, const std::string& name = "known",
                                    const std::string& hostile_value = "adam") {
  return fill_known_study(storage, known_spec(name), nlohmann::json::object(), hostile_value);
}

}  // namespace ecopt::report::testing
