// Optimiser benchmark: ECOpt's samplers on ZDT1, ZDT2 (6 variables) and
// DTLZ2 (6 variables, 3 objectives), through the Sampler interface the CLI
// uses. Prints one JSON object per run (hypervolume ratio at the
// checkpoints, seconds per suggestion), then the cost of one suggestion at
// a large history. bench/run_optimizer_bench.sh turns it into the table of
// docs/benchmarks/optimizers.md together with Optuna's figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ecopt/math/test_problems.hpp"
#include "ecopt/optim/problem_run.hpp"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

struct Settings {
  std::vector<std::string> samplers{"random", "sobol", "nsga2", "mobo"};
  std::vector<std::string> problems{"zdt1", "zdt2", "dtlz2"};
  int seeds = 5;
  std::size_t evaluations = 100;
  std::size_t large_history = 1000;  // 0: skip the scaling measurement
};

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--samplers") s.samplers = split(value);
    else if (flag == "--problems") s.problems = split(value);
    else if (flag == "--seeds") s.seeds = std::stoi(value);
    else if (flag == "--evaluations") s.evaluations = std::stoul(value);
    else if (flag == "--large-history") s.large_history = std::stoul(value);
    else throw std::invalid_argument("unknown flag " + flag +
                                     "; use --samplers, --problems, --seeds, --evaluations, --large-history");
  }
  return s;
}

ecopt::TestProblem problem_named(const std::string& name) {
  return ecopt::make_test_problem(name, 6, name == "dtlz2" ? 3 : 2);
}

void run_one(const std::string& sampler_name, const std::string& problem_name, int seed,
             std::size_t evaluations) {
  const ecopt::TestProblem problem = problem_named(problem_name);
  ecopt::SamplerOptions options;
  options.seed = static_cast<std::uint64_t>(seed);
  auto sampler = ecopt::make_sampler(sampler_name, options);
  const ecopt::ProblemRun run = ecopt::run_test_problem(*sampler, problem, evaluations + 1, {true, {}});
  nlohmann::json hv = nlohmann::json::object();
  for (std::size_t at : {25u, 50u, 75u, 100u}) {
    if (at <= evaluations) hv[std::to_string(at)] = ecopt::hypervolume_ratio(problem, run.trials, at);
  }
  // Means over the first `evaluations` suggestions; the extra last one is
  // the suggestion made with `evaluations` observations.
  auto mean_of_run = [evaluations](const std::vector<double>& seconds) {
    return std::accumulate(seconds.begin(), seconds.end() - 1, 0.0) / static_cast<double>(evaluations);
  };
  nlohmann::json line{{"library", "ecopt"},
                      {"sampler", sampler_name},
                      {"problem", problem_name},
                      {"seed", seed},
                      {"hv_ratio", hv},
                      {"seconds_per_suggestion", mean_of_run(run.suggest_seconds)},
                      {"cpu_seconds_per_suggestion", mean_of_run(run.suggest_cpu_seconds)},
                      {"seconds_at_last", run.suggest_seconds.back()},
                      {"cpu_seconds_at_last", run.suggest_cpu_seconds.back()},
                      {"observations_at_last", evaluations}};
  std::cout << line.dump() << std::endl;
}

// One mobo suggestion after `observations` trials of ZDT1 made by NSGA-II
// (a large, spread front: the hard case for the box decomposition).
void run_large_history(std::size_t observations) {
  const ecopt::TestProblem problem = problem_named("zdt1");
  ecopt::SamplerOptions options;
  options.extra = {{"population_size", 50}};
  auto nsga2 = ecopt::make_sampler("nsga2", options);
  const ecopt::ProblemRun history = ecopt::run_test_problem(*nsga2, problem, observations);
  auto mobo = ecopt::make_sampler("mobo", {});
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const ecopt::ProblemRun next = ecopt::run_test_problem(*mobo, problem, observations + 1, {true, history.trials});
    seconds.push_back(next.suggest_seconds.back());
    cpu_seconds.push_back(next.suggest_cpu_seconds.back());
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  nlohmann::json line{{"library", "ecopt"},         {"sampler", "mobo"},
                      {"problem", "zdt1"},          {"kind", "large_history"},
                      {"observations", observations}, {"seconds", seconds[1]},
                      {"cpu_seconds", cpu_seconds[1]}};
  std::cout << line.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Settings settings = parse(argc, argv);
    for (const std::string& problem : settings.problems) {
      for (const std::string& sampler : settings.samplers) {
        for (int seed = 0; seed < settings.seeds; ++seed) run_one(sampler, problem, seed, settings.evaluations);
      }
    }
    if (settings.large_history > 0) run_large_history(settings.large_history);
  } catch (const std::exception& e) {
    std::cerr << "ecopt_bench_optimizers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
