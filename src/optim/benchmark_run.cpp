#include "ecopt/optim/benchmark_run.hpp"

#include <chrono>
#include <ctime>
#include <deque>

#include <fmt/format.h>

#include "ecopt/math/hypervolume.hpp"
#include "ecopt/optim/posterior_front.hpp"
#include "random_stream.hpp"

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

SpaceProblem as_space_problem(const TestProblem& problem) {
  return {problem.name,
          unit_search_space(problem.variables),
          minimisation_spec(problem.objectives),
          [problem](const ParamMap& params) {
            std::vector<double> x;
            for (std::size_t i = 0; i < problem.variables; ++i) x.push_back(as_double(params.at(fmt::format("x{}", i))));
            return problem.evaluate(x);
          },
          problem.reference,
          problem.true_hypervolume,
          problem.front_range};
}

ProblemRun run_problem(Sampler& sampler, const SpaceProblem& problem, std::size_t evaluations,
                       ProblemRunOptions options) {
  StudySpec spec = problem.spec;
  const std::vector<Direction> directions = spec.directions();
  if (options.reference_as_thresholds) {
    for (std::size_t j = 0; j < directions.size(); ++j) {
      spec.objectives[j].threshold = directions[j] == Direction::Maximize ? -problem.reference[j] : problem.reference[j];
    }
  }
  for (Objective& objective : spec.objectives) objective.noisy = options.noisy;
  optim_detail::RandomStream noise(options.noise_seed);
  ProblemRun run;
  std::vector<Trial> history = std::move(options.start);
  for (const Trial& trial : history) {
    run.trials.push_back(trial);
    run.noise_free_values.push_back(to_minimization(trial.values, directions));
  }
  std::deque<std::size_t> running;  // indices into history, oldest first
  auto finish_oldest = [&] {
    Trial& trial = history[running.front()];
    running.pop_front();
    const Point truth = problem.evaluate(trial.params);
    trial.values = truth;
    for (std::size_t j = 0; j < truth.size(); ++j) trial.values[j] += options.noise * problem.front_range[j] * noise.normal();
    trial.state = TrialState::Complete;
    run.trials.push_back(trial);
    run.noise_free_values.push_back(to_minimization(truth, directions));
  };
  while (run.trials.size() < evaluations) {
    const auto number = static_cast<std::int64_t>(history.size());
    const SamplingContext context{spec, problem.space, history, number, options.warm_start};
    const auto begin = std::chrono::steady_clock::now();
    const double cpu_begin = thread_cpu_seconds();
    ParamMap params = problem.space.decode(sampler.suggest(context));
    run.suggest_cpu_seconds.push_back(thread_cpu_seconds() - cpu_begin);
    run.suggest_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    Trial trial;
    trial.id = number;
    trial.number = number;
    trial.state = TrialState::Running;
    trial.params = std::move(params);
    history.push_back(std::move(trial));
    running.push_back(history.size() - 1);
    if (running.size() > options.pending) finish_oldest();
  }
  return run;
}

ProblemRun run_test_problem(Sampler& sampler, const TestProblem& problem, std::size_t evaluations,
                            ProblemRunOptions options) {
  return run_problem(sampler, as_space_problem(problem), evaluations, std::move(options));
}

double hypervolume_ratio(const SpaceProblem& problem, const ProblemRun& run, std::size_t count,
                         ReportedFront reported) {
  const std::span<const Trial> trials(run.trials.data(), std::min(count, run.trials.size()));
  std::vector<std::size_t> front;
  if (reported == ReportedFront::PosteriorMean) {
    front = posterior_mean_front(problem.spec, problem.space, trials);
  } else if (reported == ReportedFront::AllEvaluated) {
    for (std::size_t i = 0; i < trials.size(); ++i) front.push_back(i);
  } else {
    const std::vector<Direction> directions = problem.spec.directions();
    std::vector<Point> observed;
    for (const Trial& trial : trials) observed.push_back(to_minimization(trial.values, directions));
    front = pareto_front(observed);
  }
  std::vector<Point> reported_values;
  for (std::size_t i : front) reported_values.push_back(run.noise_free_values[i]);
  return hypervolume(reported_values, problem.reference) / problem.true_hypervolume;
}

double hypervolume_ratio(const TestProblem& problem, const ProblemRun& run, std::size_t count,
                         ReportedFront reported) {
  return hypervolume_ratio(as_space_problem(problem), run, count, reported);
}

}  // namespace ecopt
