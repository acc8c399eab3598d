// Pruning on deterministic learning curves with known end points
// (docs/benchmarks/pruning.md): each study runs the same sequence of
// trials with every rule, through the real path (a memory storage, Study,
// report_intermediate and the pruning rules), and prints how often a trial
// whose full curve ends on the final front of the unpruned study is pruned,
// the training energy saved, and the hypervolume of the final front.
//
// A trial is a model of inference energy e (J/sample, log-uniform over
// 1e-4..1e-2, measured before training: step 0) whose validation accuracy
// rises over `kSteps` epochs from 0.1 towards an end point that grows with
// log e (bigger models learn more) plus a per-trial spread, as
// q(s) = q0 + (end - q0) (1 - exp(-s/tau)) / (1 - exp(-S/tau)), with a
// seeded noise of +-0.005 on every step before the last. Training an epoch
// costs 2e4 x e J.
//
// Run: build/bench/ecopt_bench_pruning [seeds] [trials]
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ecopt/math/front.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/pruning.hpp"
#include "ecopt/study/study.hpp"

namespace {

using namespace ecopt;

constexpr std::int64_t kSteps = 20;
constexpr double kStartAccuracy = 0.1;
constexpr double kNoise = 0.005;

struct Curve {
  double energy_j_per_sample = 0.0;
  std::vector<double> accuracy;  // at steps 1..kSteps
  double train_j_per_step = 0.0;
};

std::vector<Curve> make_curves(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Curve> curves;
  for (int i = 0; i < count; ++i) {
    Curve curve;
    const double size = unit(rng);  // 0: smallest model, 1: largest
    curve.energy_j_per_sample = 1e-4 * std::pow(100.0, size);
    const double end = 0.70 + 0.22 * std::sqrt(size) + 0.08 * (unit(rng) - 0.5);
    const double tau = 1.5 + 6.0 * unit(rng);
    const double scale = 1.0 - std::exp(-static_cast<double>(kSteps) / tau);
    for (std::int64_t step = 1; step <= kSteps; ++step) {
      const double clean = kStartAccuracy + (end - kStartAccuracy) *
                                                (1.0 - std::exp(-static_cast<double>(step) / tau)) /
                                                scale;
      const double noise = step == kSteps ? 0.0 : kNoise * (2.0 * unit(rng) - 1.0);
      curve.accuracy.push_back(clean + noise);
    }
    curve.train_j_per_step = 2e4 * curve.energy_j_per_sample;
    curves.push_back(std::move(curve));
  }
  return curves;
}

StudySpec accuracy_vs_energy() {
  StudySpec spec;
  spec.name = "curves";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"inference_j_per_sample", Direction::Minimize, std::nullopt}};
  return spec;
}

struct Outcome {
  std::vector<bool> pruned;
  double training_j = 0.0;
  std::vector<Trial> trials;
};

// Runs the curves in order as one study with `config`.
Outcome run_study(const std::vector<Curve>& curves, const PruningConfig& config) {
  auto storage = open_storage("memory");
  Study study = Study::create(*storage, accuracy_vs_energy());
  Outcome outcome;
  for (const auto& curve : curves) {
    const Trial trial = storage->create_trial(study.record().id, nlohmann::json::object());
    std::optional<std::string> reason = report_intermediate(
        study, config, trial.number, {0, {{"inference_j_per_sample", curve.energy_j_per_sample}}, kSteps});
    std::int64_t step = 0;
    while (!reason && step < kSteps) {
      ++step;
      outcome.training_j += curve.train_j_per_step;
      reason = report_intermediate(study, config, trial.number,
                                   {step, {{"accuracy", curve.accuracy[step - 1]}}, kSteps});
    }
    TrialResult result;
    if (reason) {
      result.state = TrialState::Pruned;
      result.fail_reason = reason;
      const auto stored = study.storage().find_trial(study.record().id, trial.number);
      result.values = last_objective_values(study.spec(), *stored);
    } else {
      result.values = {curve.accuracy.back(), curve.energy_j_per_sample};
    }
    outcome.pruned.push_back(reason.has_value());
    study.tell(trial.number, result);
  }
  outcome.trials = study.trials();
  return outcome;
}

struct Row {
  std::string name;
  PruningConfig config;
  int front_trials = 0;
  int front_pruned = 0;
  int pruned = 0;
  int trials = 0;
  double energy_j = 0.0;
  double baseline_energy_j = 0.0;
  double hv_gap_sum = 0.0;  // relative to the unpruned study's
};

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::stoi(argv[1]) : 10;
  const int count = argc > 2 ? std::stoi(argv[2]) : 40;
  const auto with = [](PruningRule rule, auto change) {
    PruningConfig config;
    config.rule = rule;
    change(config);
    return config;
  };
  std::vector<Row> rows{
      {"front-reach, window 3 (default)", with(PruningRule::FrontReach, [](auto&) {})},
      {"front-reach, window 1", with(PruningRule::FrontReach, [](auto& c) { c.window = 1; })},
      {"front-reach, window 2", with(PruningRule::FrontReach, [](auto& c) { c.window = 2; })},
      {"front-reach, window 5", with(PruningRule::FrontReach, [](auto& c) { c.window = 5; })},
      {"front-reach, best_plausible 0.95",
       with(PruningRule::FrontReach, [](auto& c) { c.best_plausible = {0.95, std::nullopt}; })},
      {"pareto-halving, eta 3, min_trials 4 (default)", with(PruningRule::ParetoHalving, [](auto&) {})},
      {"pareto-halving, eta 2, min_trials 4",
       with(PruningRule::ParetoHalving, [](auto& c) { c.reduction_factor = 2.0; })},
      {"pareto-halving, eta 3, min_step 4",
       with(PruningRule::ParetoHalving, [](auto& c) { c.min_step = 4; })},
      {"pareto-halving, eta 3, min_step 4, min_trials 8", with(PruningRule::ParetoHalving, [](auto& c) {
         c.min_step = 4;
         c.min_trials = 8;
       })},
  };
  PruningConfig none;
  none.rule = PruningRule::None;
  for (int seed = 0; seed < seeds; ++seed) {
    const auto curves = make_curves(static_cast<std::uint64_t>(seed), count);
    const Outcome baseline = run_study(curves, none);
    const StudyFront final_front = front_of(baseline.trials, accuracy_vs_energy());
    const ReferencePoint reference = final_front.reference();
    const double baseline_hv = final_front.hypervolume(reference);
    std::vector<bool> on_front(curves.size(), false);
    for (const auto& member : final_front.members()) on_front[static_cast<std::size_t>(member.number)] = true;
    for (auto& row : rows) {
      const Outcome run = run_study(curves, row.config);
      for (std::size_t i = 0; i < curves.size(); ++i) {
        row.front_trials += on_front[i];
        row.front_pruned += on_front[i] && run.pruned[i];
        row.pruned += run.pruned[i];
      }
      row.trials += count;
      row.energy_j += run.training_j;
      row.baseline_energy_j += baseline.training_j;
      row.hv_gap_sum +=
          (baseline_hv - front_of(run.trials, accuracy_vs_energy()).hypervolume(reference)) / baseline_hv;
    }
  }
  std::cout << fmt::format("{} seeds x {} trials x {} steps\n\n", seeds, count, kSteps);
  std::cout << "| rule | front trials pruned | trials pruned | training energy saved | mean hypervolume loss |\n"
               "| --- | --- | --- | --- | --- |\n";
  for (const auto& row : rows) {
    std::cout << fmt::format("| {} | {} of {} ({:.1f} %) | {:.1f} % | {:.1f} % | {:.2f} % |\n", row.name,
                             row.front_pruned, row.front_trials,
                             100.0 * row.front_pruned / std::max(1, row.front_trials),
                             100.0 * row.pruned / row.trials,
                             100.0 * (1.0 - row.energy_j / row.baseline_energy_j),
                             100.0 * row.hv_gap_sum / seeds);
  }
  return 0;
}
