#include "ecopt/optim/problem_run.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "ecopt/math/hypervolume.hpp"

namespace ecopt {
namespace {

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

}  // namespace

SearchSpace unit_search_space(std::size_t variables) {
  std::vector<Parameter> parameters;
  for (std::size_t i = 0; i < variables; ++i) {
    parameters.push_back({fmt::format("x{}", i), FloatDistribution{0.0, 1.0, false, std::nullopt}, std::nullopt});
  }
  return SearchSpace(std::move(parameters));
}

StudySpec minimisation_spec(std::size_t objectives) {
  StudySpec spec;
  spec.name = "test-problem";
  for (std::size_t j = 0; j < objectives; ++j) {
    spec.objectives.push_back({fmt::format("objective_{}", j), Direction::Minimize, std::nullopt});
  }
  return spec;
}

ProblemRun run_test_problem(Sampler& sampler, const TestProblem& problem, std::size_t evaluations,
                            ProblemRunOptions options) {
  const SearchSpace space = unit_search_space(problem.variables);
  StudySpec spec = minimisation_spec(problem.objectives);
  if (options.reference_as_thresholds) {
    for (std::size_t j = 0; j < problem.objectives; ++j) spec.objectives[j].threshold = problem.reference[j];
  }
  ProblemRun run;
  run.trials = std::move(options.start);
  while (run.trials.size() < evaluations) {
    const auto number = static_cast<std::int64_t>(run.trials.size());
    const SamplingContext context{spec, space, run.trials, number};
    const auto begin = std::chrono::steady_clock::now();
    const double cpu_begin = thread_cpu_seconds();
    const ParamMap params = space.decode(sampler.suggest(context));
    run.suggest_cpu_seconds.push_back(thread_cpu_seconds() - cpu_begin);
    run.suggest_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    std::vector<double> x;
    for (std::size_t i = 0; i < problem.variables; ++i) x.push_back(as_double(params.at(fmt::format("x{}", i))));
    Trial trial;
    trial.id = number;
    trial.number = number;
    trial.state = TrialState::Complete;
    trial.params = params;
    trial.values = problem.evaluate(x);
    run.trials.push_back(std::move(trial));
  }
  return run;
}

double hypervolume_ratio(const TestProblem& problem, const std::vector<Trial>& trials, std::size_t count) {
  std::vector<Point> points;
  for (std::size_t i = 0; i < std::min(count, trials.size()); ++i) points.push_back(trials[i].values);
  return hypervolume(points, problem.reference) / problem.true_hypervolume;
}

}  // namespace ecopt
