// Optimiser benchmark: ECOpt's samplers on ZDT1, ZDT2, ZDT3 (6 variables)
// and DTLZ2 (6 variables, 3 objectives), through the Sampler interface the
// CLI uses, with or without the reference point given as thresholds, with
// noisy observations and with trials pending at every ask. Prints one JSON
// object per run (hypervolume ratio at the checkpoints, seconds per
// suggestion), then the cost of one suggestion at a large history.
// bench/run_optimizer_bench.sh turns it into the tables of
// docs/benchmarks/optimizers.md together with Optuna's figures.
#include <algorithm>
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

template <typename Number, typename Convert>
std::vector<Number> split_numbers(const std::string& text, Convert convert) {
  std::vector<Number> numbers;
  for (const std::string& part : split(text)) numbers.push_back(static_cast<Number>(convert(part)));
  return numbers;
}

struct Settings {
  std::vector<std::string> samplers{"random", "sobol", "nsga2", "mobo"};
  std::vector<std::string> problems{"zdt1", "zdt2", "zdt3", "dtlz2"};
  std::vector<std::string> thresholds{"none", "given"};
  std::vector<std::string> rules{"default"};  // mobo's reference_rule option
  std::vector<double> noise{0.0};
  std::vector<std::size_t> pending{0};
  int first_seed = 0;
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
    else if (flag == "--thresholds") s.thresholds = split(value);
    else if (flag == "--rules") s.rules = split(value);
    else if (flag == "--noise") s.noise = split_numbers<double>(value, [](const std::string& v) { return std::stod(v); });
    else if (flag == "--pending") s.pending = split_numbers<std::size_t>(value, [](const std::string& v) { return std::stoul(v); });
    else if (flag == "--first-seed") s.first_seed = std::stoi(value);
    else if (flag == "--seeds") s.seeds = std::stoi(value);
    else if (flag == "--evaluations") s.evaluations = std::stoul(value);
    else if (flag == "--large-history") s.large_history = std::stoul(value);
    else throw std::invalid_argument("unknown flag " + flag +
                                     "; use --samplers, --problems, --thresholds none,given, --rules, --noise, "
                                     "--pending, --first-seed, --seeds, --evaluations, --large-history");
  }
  return s;
}

ecopt::TestProblem problem_named(const std::string& name) {
  return ecopt::make_test_problem(name, 6, name == "dtlz2" ? 3 : 2);
}

struct RunSetting {
  std::string sampler;
  std::string problem;
  std::string thresholds;  // "none" or "given"
  std::string rule;        // "default" or a reference_rule value
  double noise = 0.0;
  std::size_t pending = 0;
  int seed = 0;
};

void run_one(const RunSetting& setting, std::size_t evaluations) {
  const ecopt::TestProblem problem = problem_named(setting.problem);
  ecopt::SamplerOptions options;
  options.seed = static_cast<std::uint64_t>(setting.seed);
  if (setting.rule != "default") {
    // "rule" or "rule@margin"
    const std::size_t at = setting.rule.find('@');
    options.extra["reference_rule"] = setting.rule.substr(0, at);
    if (at != std::string::npos) options.extra["beyond_weight"] = std::stod(setting.rule.substr(at + 1));
  }
  auto sampler = ecopt::make_sampler(setting.sampler, options);
  ecopt::ProblemRunOptions run_options;
  run_options.reference_as_thresholds = setting.thresholds == "given";
  run_options.noise = setting.noise;
  run_options.noise_seed = 1000 + static_cast<std::uint64_t>(setting.seed);
  run_options.pending = setting.pending;
  // One more trial than measured: its suggestion is made with `evaluations` observations.
  const ecopt::ProblemRun run = ecopt::run_test_problem(*sampler, problem, evaluations + 1, run_options);
  nlohmann::json hv = nlohmann::json::object();
  nlohmann::json hv_posterior = nlohmann::json::object();  // the front judged by posterior means
  nlohmann::json cpu_at = nlohmann::json::object();
  for (std::size_t at : {25u, 50u, 75u, 100u, 150u, 200u, 300u, 400u}) {
    if (at > evaluations) continue;
    hv[std::to_string(at)] = ecopt::hypervolume_ratio(problem, run, at);
    if (setting.noise > 0.0) {
      hv_posterior[std::to_string(at)] =
          ecopt::hypervolume_ratio(problem, run, at, ecopt::ReportedFront::PosteriorMean);
    }
    // The suggestion asked with `at` trials in the history (finished or pending).
    if (at < run.suggest_cpu_seconds.size()) cpu_at[std::to_string(at)] = run.suggest_cpu_seconds[at];
  }
  const auto asked = static_cast<double>(run.suggest_seconds.size());
  nlohmann::json line{{"library", "ecopt"},
                      {"sampler", setting.sampler},
                      {"problem", setting.problem},
                      {"thresholds", setting.thresholds},
                      {"rule", setting.rule},
                      {"noise", setting.noise},
                      {"pending", setting.pending},
                      {"seed", setting.seed},
                      {"hv_ratio", hv},
                      {"hv_ratio_posterior_front", hv_posterior},
                      {"seconds_per_suggestion", std::accumulate(run.suggest_seconds.begin(), run.suggest_seconds.end(), 0.0) / asked},
                      {"cpu_seconds_per_suggestion",
                       std::accumulate(run.suggest_cpu_seconds.begin(), run.suggest_cpu_seconds.end(), 0.0) / asked},
                      {"cpu_seconds_at", cpu_at},
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
    const ecopt::ProblemRun next =
        ecopt::run_test_problem(*mobo, problem, observations + 1, {true, history.trials});
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
    const Settings s = parse(argc, argv);
    for (const std::string& problem : s.problems) {
      for (const std::string& sampler : s.samplers) {
        // The reference rule and thresholds only matter to mobo.
        const std::vector<std::string> rules = sampler == "mobo" ? s.rules : std::vector<std::string>{"default"};
        const std::vector<std::string> thresholds =
            sampler == "mobo" ? s.thresholds : std::vector<std::string>{"none"};
        for (const std::string& given : thresholds) {
          // Thresholds override every reference rule.
          for (const std::string& rule : given == "given" ? std::vector<std::string>{"default"} : rules) {
            for (double noise : s.noise) {
              for (std::size_t pending : s.pending) {
                for (int seed = s.first_seed; seed < s.first_seed + s.seeds; ++seed) {
                  run_one({sampler, problem, given, rule, noise, pending, seed}, s.evaluations);
                }
              }
            }
          }
        }
      }
    }
    if (s.large_history > 0) run_large_history(s.large_history);
  } catch (const std::exception& e) {
    std::cerr << "ecopt_bench_optimizers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
