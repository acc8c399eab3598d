#pragma once
// A study to choose a model from: accuracy (maximised) against inference
// energy (minimised), a front of several trials, one trial breaking the
// constraint on latency, one failed; parameters of each type, one of them
// (dropout) the same in every trial.
#include <cmath>
#include <random>
#include <string>

#include "ecopt/storage/storage.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt::report::testing {

inline StudyRecord make_choice_study(Storage& storage, const std::string& name, int trial_count = 40) {
  StudySpec spec;
  spec.name = name;
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"inference_j", Direction::Minimize, std::nullopt}};
  spec.constraints = {{"latency_ms", Comparison::LessEqual, 50.0}};
  const StudyRecord study = storage.create_study(spec, nlohmann::json::object());
  std::mt19937 random(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const char* optimizers[] = {"adam", "sgd"};
  for (int i = 0; i < trial_count; ++i) {
    const std::int64_t width = 2 + static_cast<std::int64_t>(unit(random) * 62);
    const double lr = std::pow(10.0, -4.0 + 2.0 * unit(random));
    const std::string optimizer = optimizers[random() % 2];
    const Trial trial = storage.create_trial(study.id, nlohmann::json::object());
    storage.set_trial_params(trial.id, {{"width", width}, {"lr", lr}, {"optimizer", optimizer}, {"dropout", 0.0}});
    TrialResult result;
    const double accuracy = 0.55 + 0.4 * (1.0 - std::exp(-double(width) / 12.0)) -
                            0.03 * std::pow(std::log10(lr) + 3.0, 2) + 0.02 * unit(random);
    const double inference_j = 1e-4 * double(width) * (0.9 + 0.2 * unit(random));
    result.user_attrs = {{"latency_ms", i == 3 ? 80.0 : 1.0 + double(width) / 2.0}};
    if (i == 5) {
      result.state = TrialState::Failed;
      result.fail_reason = "out of memory";
    } else {
      result.values = {accuracy, inference_j};
    }
    storage.finish_trial(trial.id, result);
  }
  return study;
}

// A study file ending in `snippet`, as a reader appends the exported one.
inline StudyFile study_file_with(const std::string& snippet) {
  return parse_study_file("[study]\nname = \"x\"\n[[objectives]]\nname = \"accuracy\"\ndirection = \"maximize\"\n"
                          "[task]\nkind = \"test-problem\"\nproblem = \"zdt1\"\n" + snippet,
                          "study.toml");
}

}  // namespace ecopt::report::testing
