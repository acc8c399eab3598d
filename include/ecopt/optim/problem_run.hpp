#pragma once
// Runs a sampler on a built-in test problem in memory, through the same
// path the CLI takes (history of Trials -> suggest -> decode -> evaluate):
// for benchmarks, tests and demos.
#include <cstdint>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/math/test_problems.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

// Float parameters x0..x{n-1} in [0, 1].
SearchSpace unit_search_space(std::size_t variables);
// Objectives objective_0.. all minimised.
StudySpec minimisation_spec(std::size_t objectives);

struct ProblemRun {
  std::vector<Trial> trials;           // COMPLETE, numbered 0..
  std::vector<double> suggest_seconds;      // wall time of each suggest call
  std::vector<double> suggest_cpu_seconds;  // CPU time of the calling thread (robust on shared machines)
};

struct ProblemRunOptions {
  // Give the problem's reference point to the sampler as objective
  // thresholds (as BoTorch's benchmark runs get it); otherwise the sampler
  // infers its own.
  bool reference_as_thresholds = false;
  std::vector<Trial> start;  // earlier trials to continue from
};

// Runs until the history holds `evaluations` trials.
ProblemRun run_test_problem(Sampler& sampler, const TestProblem& problem, std::size_t evaluations,
                            ProblemRunOptions options = {});

// Hypervolume of the first `count` trials over the problem's true front
// hypervolume (both with the problem's reference point).
double hypervolume_ratio(const TestProblem& problem, const std::vector<Trial>& trials, std::size_t count);

}  // namespace ecopt
