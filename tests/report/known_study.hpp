#pragma once
// A small study with hand-picked values, stored through a real Storage, so
// that every figure the report derives can be checked by hand. Energies
// are powers of two so that differences and quotients are exact.
//
//  trial  state     accuracy  J/sample   params  FLOPs  training_j  other _j
//  0      COMPLETE  0.80      1/256      1000    2e5    90          inference_measurement_j 10
//  1      COMPLETE  0.90      1/64       4000    1e6    300
//  2      COMPLETE  0.895     1/128      16000   5e5    150
//  3      COMPLETE  0.70      0.005      500     1e5    60
//  4      FAIL      -         -          -       -      30
//
// Objectives: accuracy (max), inference_samples_per_j (max). Tuning energy
// 640 J. Front: 0, 1, 2 (3 is dominated by 0).
#include <memory>
#include <string>
#include <vector>

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

inline nlohmann::json energy_attrs(double accuracy, double j, double params, double flops,
                                   double training_j, const std::string& source) {
  return {{"accuracy", accuracy},
          {"inference_j_per_sample", j},
          {"inference_samples_per_j", 1.0 / j},
          {"inference_j_per_sample_mad", j / 40.0},
          {"inference_j_per_sample_min", j * 0.96},
          {"inference_j_per_sample_max", j * 1.04},
          {"params", params},
          {"flops_per_sample", flops},
          {"training_j", training_j},
          {"train_s", 12.5},
          {"energy_source", source},
          {"energy_device", "cpu:0"},
          {"idle_subtracted", true},
          {"inference_batch_size", 64}};
}

// Fills `storage` with the table above; returns the study record.
inline StudyRecord make_known_study(Storage& storage, const std::string& name = "known",
                                    const std::string& hostile_value = "adam") {
  const StudyRecord study = storage.create_study(known_spec(name), nlohmann::json::object());
  const std::vector<KnownTrial> rows = {
      {0.80, 1.0 / 256, energy_attrs(0.80, 1.0 / 256, 1000, 2e5, 90, "estimate-cpu-time"),
       {{"width", std::int64_t{8}}, {"kernel", std::int64_t{3}}, {"optimizer", hostile_value}}},
      {0.90, 1.0 / 64, energy_attrs(0.90, 1.0 / 64, 4000, 1e6, 300, "rapl-powercap"),
       {{"width", std::int64_t{16}}, {"kernel", std::int64_t{5}}, {"optimizer", std::string("sgd")}}},
      {0.895, 1.0 / 128, energy_attrs(0.895, 1.0 / 128, 16000, 5e5, 150, "rapl-powercap"),
       {{"width", std::int64_t{32}}, {"kernel", std::int64_t{1}}, {"optimizer", hostile_value}}},
      {0.70, 0.005, energy_attrs(0.70, 0.005, 500, 1e5, 60, "rapl-powercap"),
       {{"width", std::int64_t{4}}, {"kernel", std::int64_t{3}}, {"optimizer", std::string("sgd")}}},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Trial trial = storage.create_trial(study.id, nlohmann::json::object());
    storage.set_trial_params(trial.id, rows[i].params);
    TrialResult result;
    result.values = {rows[i].accuracy, 1.0 / rows[i].j_per_sample};
    result.user_attrs = rows[i].attrs;
    if (i == 0) result.user_attrs["inference_measurement_j"] = 10.0;
    storage.finish_trial(trial.id, result);
  }
  const Trial failed = storage.create_trial(study.id, nlohmann::json::object());
  storage.set_trial_params(failed.id, {{"width", std::int64_t{64}}});
  TrialResult failure;
  failure.state = TrialState::Failed;
  failure.user_attrs = {{"training_j", 30.0}};
  failure.fail_reason = "out of memory at epoch 2";
  storage.finish_trial(failed.id, failure);
  return study;
}

}  // namespace ecopt::report::testing
