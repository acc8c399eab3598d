#pragma once
// A synthetic but plausible study of the paper's CNN family on 28×28
// images, for the browser test and the docs screenshot. Parameter and FLOP
// counts follow the architecture; inference energy is a made-up mix of
// compute, activation memory traffic and per-batch overhead with noise, so
// that the proxies are imperfect in the way real measurements are.
#include <cmath>
#include <random>
#include <string>

#include "ecopt/energy/record.hpp"
#include "ecopt/storage/storage.hpp"
#include "known_study.hpp"

namespace ecopt::report::testing {

struct CnnShape {
  int width = 8;
  int depth = 1;
  int kernel = 3;
  bool pool = true;
};

struct CnnCost {
  double params = 0.0;
  double flops = 0.0;
  double activations = 0.0;  // values written per sample
};

inline CnnCost cnn_cost(const CnnShape& shape) {
  CnnCost cost;
  int side = 28;
  int channels = 1;
  for (int layer = 0; layer < shape.depth; ++layer) {
    if (layer > 0 && shape.pool && side >= 2) side /= 2;
    const double weights = double(shape.kernel) * shape.kernel * channels * shape.width;
    cost.params += weights + shape.width;
    cost.flops += 2.0 * weights * side * side;
    cost.activations += double(shape.width) * side * side;
    channels = shape.width;
  }
  const double features = double(channels) * side * side;
  cost.params += features * 10 + 10;
  cost.flops += 2.0 * features * 10;
  return cost;
}

inline StudyRecord make_demo_study(Storage& storage, const std::string& name, int trial_count,
                                   unsigned seed = 7, const StudyBudget& budget = {}) {
  StudySpec spec;
  spec.name = name;
  spec.budget = budget;
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"inference_samples_per_j", Direction::Maximize, std::nullopt}};
  const StudyRecord study = storage.create_study(spec, {{"task", "image-classification (synthetic)"}});
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 1.0);
  const int kernels[] = {1, 3, 5, 7, 9};
  const int batches[] = {16, 64, 256};
  for (int i = 0; i < trial_count; ++i) {
    const CnnShape shape{static_cast<int>(std::round(std::exp(std::log(4.0) + unit(random) * std::log(32.0)))),
                         1 + static_cast<int>(unit(random) * 6) % 6, kernels[random() % 5],
                         unit(random) < 0.5};
    const int batch = batches[random() % 3];
    const double lr = std::pow(10.0, -4.0 + 2.0 * unit(random));
    const CnnCost cost = cnn_cost(shape);
    // 1×1 convolutions are memory-bound: more joules per FLOP.
    const double joules_per_flop = shape.kernel == 1 ? 6e-10 : 1.5e-10;
    const double energy_j =
        (joules_per_flop * cost.flops + 3e-8 * cost.activations + 4e-3 / batch) *
        std::exp(0.1 * noise(random));
    const double capacity = std::log10(cost.flops);
    const double accuracy = std::clamp(
        0.92 - 0.35 * std::exp(-(capacity - 4.0) / 1.2) -
            0.02 * std::pow(std::log10(lr) + 3.0, 2) + 0.006 * noise(random),
        0.1, 0.95);

    const Trial trial = storage.create_trial(study.id, {{"sampler", i < 10 ? "sobol" : "ehvi"}});
    storage.set_trial_params(trial.id, {{"width", std::int64_t{shape.width}},
                                        {"depth", std::int64_t{shape.depth}},
                                        {"kernel_size", std::int64_t{shape.kernel}},
                                        {"max_pool", shape.pool},
                                        {"inference_batch_size", std::int64_t{batch}},
                                        {"learning_rate", lr}});
    TrialResult result;
    const double training_j = 3.0 * 3 * 20000 * cost.flops * 2.5e-10 + 40.0;
    result.user_attrs = {{"accuracy", accuracy},
                         {"inference_j_per_sample", energy_j},
                         {"inference_samples_per_j", 1.0 / energy_j},
                         {"training_j", training_j},
                         {"train_s", 20.0 + cost.flops * 1e-6},
                         {"params", cost.params},
                         {"flops_per_sample", cost.flops},
                         {"inference_batch_size", batch}};
    EnergyRecord inference = inference_record(EnergySource::RaplPowercap, energy_j);
    inference.spread = EnergySpread{energy_j * 0.96, energy_j * 1.05, energy_j * 0.02};
    write_energy_records(result.user_attrs,
                         {inference, window_record("training", EnergySource::RaplPowercap, training_j),
                          window_record("trial", EnergySource::RaplPowercap, training_j + 100 * energy_j)});
    if (i == 7) {
      result.state = TrialState::Failed;
      result.user_attrs = {{"training_j", 12.0}};
      write_energy_records(result.user_attrs, {window_record("trial", EnergySource::RaplPowercap, 12.0)});
      result.fail_reason = "libtorch: out of memory while allocating the first batch";
    } else if (i % 11 == 5) {
      result.state = TrialState::Pruned;
      result.user_attrs["training_j"] = 0.0;
      result.fail_reason = "energy-first: cannot reach the front even at accuracy 0.95";
    } else {
      result.values = {accuracy, 1.0 / energy_j};
    }
    storage.finish_trial(trial.id, result);
  }
  return study;
}

}  // namespace ecopt::report::testing
