// Optimiser benchmark: ECOpt's samplers on ZDT1, ZDT2, ZDT3 (6 variables,
// "zdt1:3" for 3), DTLZ2 (6 variables, 3 objectives; "dtlz2_2obj": 2
// objectives), Branin-Currin (2 variables) and a mixed-parameter model-tuning
// stand-in ("mixed"), through the Sampler interface the
// CLI uses, with or without the reference point given as thresholds, with
// noisy observations and with trials pending at every ask. Prints one JSON
// object per run (hypervolume ratio at the checkpoints, seconds per
// suggestion), then the cost of one suggestion at a large history.
// bench/run_optimizer_bench.sh turns it into the tables of
// docs/benchmarks/optimizers.md together with Optuna's figures.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ecopt/core/heap_pages.hpp"
#include "ecopt/math/hypervolume.hpp"
#include "ecopt/math/benchmark_problems.hpp"
#include "ecopt/optim/benchmark_run.hpp"

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
  nlohmann::json mobo_options = nlohmann::json::object();  // more of mobo's options, e.g. posterior_samples
  int first_seed = 0;
  int seeds = 5;
  std::size_t evaluations = 100;
  std::size_t large_history = 1000;  // 0: skip the scaling measurement
  // mobo warm-started from this many trials of a finished study of the
  // problem's shifted and scaled copy (2 f + 1); 0: none.
  std::size_t warm_start = 0;
  // "values": the copy has the same landscape; "moved": its distance
  // variables (all but the first objectives - 1) are also moved, x -> |x - 0.15|.
  std::string warm_relation = "values";
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
    else if (flag == "--mobo-options") s.mobo_options = nlohmann::json::parse(value);
    else if (flag == "--first-seed") s.first_seed = std::stoi(value);
    else if (flag == "--seeds") s.seeds = std::stoi(value);
    else if (flag == "--evaluations") s.evaluations = std::stoul(value);
    else if (flag == "--large-history") s.large_history = std::stoul(value);
    else if (flag == "--warm-start") s.warm_start = std::stoul(value);
    else if (flag == "--warm-relation") s.warm_relation = value;
    else throw std::invalid_argument("unknown flag " + flag +
                                     "; use --samplers, --problems, --thresholds none,given, --rules, --noise, "
                                     "--pending, --mobo-options JSON, --first-seed, --seeds, --evaluations, --large-history, "
                                     "--warm-start N, --warm-relation values|moved");
  }
  if (s.warm_relation != "values" && s.warm_relation != "moved") {
    throw std::invalid_argument("--warm-relation must be values or moved, got " + s.warm_relation);
  }
  return s;
}

// "zdt2:3": the problem on 3 variables instead of its benchmark's 6.
ecopt::TestProblem problem_named(const std::string& name) {
  const std::size_t colon = name.find(':');
  const std::string base = name.substr(0, colon);
  const std::size_t variables = colon == std::string::npos ? (base == "branin_currin" ? 2 : 6)
                                                           : std::stoul(name.substr(colon + 1));
  if (base == "dtlz2_2obj") return ecopt::make_test_problem("dtlz2", variables, 2);
  return ecopt::make_test_problem(base, variables, base == "dtlz2" ? 3 : 2);
}

// A stand-in for tuning a model for accuracy and energy: a log-float, two
// ints (one log), a categorical and a float; accuracy in [0, 1] against
// inference samples per joule in the thousands, both maximised. Capacity
// (layers x width) buys accuracy and costs energy, depth costs a little
// more; the learning rate (best 10^-2.5), optimiser and dropout (best 0.2)
// change accuracy only. bench/optuna_bench.py has the same problem.
namespace mixed {

double best_accuracy(double capacity) { return 0.97 - 0.45 * std::exp(-capacity / 400.0); }
double samples_per_j(double layers, double width) { return 40000.0 / (1.0 + layers * width / 32.0 + layers / 2.0); }

ecopt::Point evaluate(const ecopt::ParamMap& params) {
  const double lr = ecopt::as_double(params.at("lr"));
  const double layers = ecopt::as_double(params.at("layers"));
  const double width = ecopt::as_double(params.at("width"));
  const std::string optimizer = std::get<std::string>(params.at("optimizer"));
  const double dropout = ecopt::as_double(params.at("dropout"));
  const double penalty = optimizer == "sgd" ? 0.04 : optimizer == "rmsprop" ? 0.015 : 0.0;
  const double accuracy = best_accuracy(layers * width) - 0.06 * std::pow(std::log10(lr) + 2.5, 2) - penalty -
                          0.4 * std::pow(dropout - 0.2, 2);
  return {std::clamp(accuracy, 0.0, 1.0), samples_per_j(layers, width)};
}

ecopt::SpaceProblem problem() {
  using namespace ecopt;
  SearchSpace space({{"lr", FloatDistribution{1e-4, 1e-1, true, std::nullopt}, std::nullopt},
                     {"layers", IntDistribution{1, 8, false, 1}, std::nullopt},
                     {"width", IntDistribution{16, 512, true, 1}, std::nullopt},
                     {"optimizer", CategoricalDistribution{{std::string("sgd"), std::string("adam"), std::string("rmsprop")}},
                      std::nullopt},
                     {"dropout", FloatDistribution{0.0, 0.5, false, std::nullopt}, std::nullopt}});
  StudySpec spec;
  spec.name = "mixed";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt}, {"samples_per_j", Direction::Maximize, std::nullopt}};
  const Point reference{-0.6, -1000.0};  // accuracy >= 0.6, samples/J >= 1000
  // The true front: the best accuracy of every (layers, width).
  std::vector<Point> best;
  for (int layers = 1; layers <= 8; ++layers) {
    for (int width = 16; width <= 512; ++width) {
      best.push_back({-best_accuracy(layers * width), -samples_per_j(layers, width)});
    }
  }
  Point low = best.front();
  Point high = best.front();
  for (std::size_t i : pareto_front(best)) {
    for (std::size_t j = 0; j < 2; ++j) {
      low[j] = std::min(low[j], best[i][j]);
      high[j] = std::max(high[j], best[i][j]);
    }
  }
  return {"mixed", std::move(space), std::move(spec), evaluate, reference, hypervolume(best, reference),
          {high[0] - low[0], high[1] - low[1]}};
}

}  // namespace mixed

ecopt::SpaceProblem space_problem_named(const std::string& name) {
  return name == "mixed" ? mixed::problem() : ecopt::as_space_problem(problem_named(name));
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

// A related study for a warm start: mobo (another seed) on the problem's
// copy whose objectives are shifted and scaled, 2 f + 1; with `moved`, the
// copy's distance variables x_i (i >= objectives - 1) are |x_i - 0.15|
// (ZDT's optimum at 0.15 instead of 0, DTLZ2's at 0.65 instead of 0.5).
ecopt::RelatedHistory shifted_copy_study(const ecopt::SpaceProblem& problem, int seed, std::size_t trials, bool moved) {
  ecopt::SpaceProblem copy = problem;
  const std::size_t first_distance = problem.spec.objectives.size() - 1;
  copy.evaluate = [evaluate = problem.evaluate, moved, first_distance](ecopt::ParamMap params) {
    for (std::size_t i = first_distance; moved && params.contains("x" + std::to_string(i)); ++i) {
      const std::string name = "x" + std::to_string(i);
      params[name] = std::abs(std::get<double>(params.at(name)) - 0.15);
    }
    ecopt::Point values = evaluate(params);
    for (double& v : values) v = 2.0 * v + 1.0;
    return values;
  };
  auto sampler = ecopt::make_sampler("mobo", ecopt::SamplerOptions{static_cast<std::uint64_t>(seed) + 100, -1, nlohmann::json::object()});
  return {copy.spec, ecopt::run_problem(*sampler, copy, trials).trials};
}

void run_one(const RunSetting& setting, std::size_t evaluations, const nlohmann::json& mobo_options,
             std::size_t warm_start_trials, const std::string& warm_relation) {
  const ecopt::SpaceProblem problem = space_problem_named(setting.problem);
  ecopt::SamplerOptions options;
  options.seed = static_cast<std::uint64_t>(setting.seed);
  if (setting.sampler == "mobo") {
    options.extra = mobo_options;
    // As `ecopt ask` takes it: among the options, though not mobo's own.
    if (options.extra.contains("initial_trials")) {
      options.initial_trials = options.extra.at("initial_trials").get<std::int64_t>();
      options.extra.erase("initial_trials");
    }
  }
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
  // As `ecopt ask` takes it: mobo checks it, the definition declares it.
  if (options.extra.contains("noisy")) run_options.noisy = options.extra.at("noisy").get<bool>();
  ecopt::RelatedHistory related;
  if (warm_start_trials > 0 && setting.sampler == "mobo") {
    related = shifted_copy_study(problem, setting.seed, warm_start_trials, warm_relation == "moved");
    run_options.warm_start = &related;
  }
  // One more trial than measured: its suggestion is made with `evaluations` observations.
  const ecopt::ProblemRun run = ecopt::run_problem(*sampler, problem, evaluations + 1, run_options);
  nlohmann::json hv = nlohmann::json::object();
  nlohmann::json hv_posterior = nlohmann::json::object();  // the front judged by posterior means
  nlohmann::json hv_all = nlohmann::json::object();        // every evaluated trial, noise-free
  nlohmann::json cpu_at = nlohmann::json::object();
  for (std::size_t at : {25u, 50u, 75u, 100u, 150u, 200u, 300u, 400u}) {
    if (at > evaluations) continue;
    hv[std::to_string(at)] = ecopt::hypervolume_ratio(problem, run, at);
    if (setting.noise > 0.0) {
      hv_posterior[std::to_string(at)] =
          ecopt::hypervolume_ratio(problem, run, at, ecopt::ReportedFront::PosteriorMean);
      hv_all[std::to_string(at)] = ecopt::hypervolume_ratio(problem, run, at, ecopt::ReportedFront::AllEvaluated);
    }
    // The suggestion asked with `at` trials in the history (finished or pending).
    if (at < run.suggest_cpu_seconds.size()) cpu_at[std::to_string(at)] = run.suggest_cpu_seconds[at];
  }
  const auto asked = static_cast<double>(run.suggest_seconds.size());
  nlohmann::json recorded_options = options.extra;
  if (options.initial_trials >= 0) recorded_options["initial_trials"] = options.initial_trials;
  if (run_options.warm_start) {
    recorded_options["warm_start"] =
        fmt::format("shifted copy (2 f + 1{}), {} trials",
                    warm_relation == "moved" ? ", distance variables x -> |x - 0.15|" : "", warm_start_trials);
  }
  nlohmann::json line{{"library", "ecopt"},
                      {"sampler", setting.sampler},
                      {"problem", setting.problem},
                      {"thresholds", setting.thresholds},
                      {"rule", setting.rule},
                      {"options", recorded_options},
                      {"noise", setting.noise},
                      {"pending", setting.pending},
                      {"seed", setting.seed},
                      {"hv_ratio", hv},
                      {"hv_ratio_posterior_front", hv_posterior},
                      {"hv_ratio_all_evaluated", hv_all},
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
  ecopt::keep_heap_pages();  // as the ecopt program does: the CPU figures are what it spends
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
                  run_one({sampler, problem, given, rule, noise, pending, seed}, s.evaluations, s.mobo_options,
                          s.warm_start, s.warm_relation);
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
