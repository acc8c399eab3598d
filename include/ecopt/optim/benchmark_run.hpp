#pragma once
// Runs a sampler on a built-in test problem (or any problem over a search
// space) in memory, through the same path the CLI takes (history of Trials
// -> suggest -> decode -> evaluate): for benchmarks, tests and demos.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/math/benchmark_problems.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

// Float parameters x0..x{n-1} in [0, 1].
SearchSpace unit_search_space(std::size_t variables);
// Objectives objective_0.. all minimised.
StudySpec minimisation_spec(std::size_t objectives);

// A problem over any search space (mixed parameter types, objectives in
// either direction), scored like the test problems.
struct SpaceProblem {
  std::string name;
  SearchSpace space;
  StudySpec spec;                                  // objectives and directions, no thresholds
  std::function<Point(const ParamMap&)> evaluate;  // values in the spec's directions
  Point reference;              // minimisation form: the scoring box (and the thresholds when given)
  double true_hypervolume = 0;  // of the true front with respect to reference
  Point front_range;            // each objective's range over the true front: the noise scale
};

// x0..x{n-1} in [0, 1], every objective minimised.
SpaceProblem as_space_problem(const TestProblem& problem);

struct ProblemRun {
  std::vector<Trial> trials;                // COMPLETE, in the order they finished
  std::vector<Point> noise_free_values;     // of each trial, minimisation form (trials hold the spec's directions)
  std::vector<double> suggest_seconds;      // wall time of each suggest call
  std::vector<double> suggest_cpu_seconds;  // CPU time of the calling thread (robust on shared machines)
};

struct ProblemRunOptions {
  // Give the problem's reference point to the sampler as objective
  // thresholds (as BoTorch's benchmark runs get it); otherwise the sampler
  // infers its own.
  bool reference_as_thresholds = false;
  std::vector<Trial> start;  // earlier trials to continue from
  // Gaussian noise added to each observed objective, with a standard
  // deviation of this share of the objective's range over the true front.
  double noise = 0.0;
  std::uint64_t noise_seed = 0;
  // Trials left RUNNING at every ask (as parallel workers leave them); each
  // finishes in the order it was asked, once `pending` newer ones run.
  std::size_t pending = 0;
  // The objectives' declared noise (Objective::noisy), as `ecopt ask
  // --sampler-kwargs '{"noisy": true}'` or a study file declares it.
  std::optional<bool> noisy;
  // A finished related study the sampler learns from (warm start).
  const RelatedHistory* warm_start = nullptr;
};

// Asks until `evaluations` trials have finished; trials still running then
// are dropped.
ProblemRun run_problem(Sampler& sampler, const SpaceProblem& problem, std::size_t evaluations,
                       ProblemRunOptions options = {});
ProblemRun run_test_problem(Sampler& sampler, const TestProblem& problem, std::size_t evaluations,
                            ProblemRunOptions options = {});

// Which trials a study reports as its front: by observed values, or by
// the posterior means of its models (posterior_front.hpp, for noisy
// objectives); or every trial evaluated, the qNEHVI literature's score for
// noisy problems (what was found, whether or not a study could tell).
enum class ReportedFront { Observed, PosteriorMean, AllEvaluated };

// The hypervolume of what a study of the first `count` finished trials
// reports as its Pareto front, scored on those trials' noise-free values,
// over the true front's hypervolume (both with the problem's reference
// point). Without noise and by observed values, the hypervolume of all of them.
double hypervolume_ratio(const SpaceProblem& problem, const ProblemRun& run, std::size_t count,
                         ReportedFront reported = ReportedFront::Observed);
double hypervolume_ratio(const TestProblem& problem, const ProblemRun& run, std::size_t count,
                         ReportedFront reported = ReportedFront::Observed);

}  // namespace ecopt
