// The default model-based sampler, end to end through the Sampler
// interface: initial design, determinism, pending trials, constraints,
// mixed parameter types and the ParEGO path.
#include <algorithm>
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/math/hypervolume.hpp"
#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/benchmark_run.hpp"
#include "optim_test_support.hpp"

namespace ecopt {
namespace {

using testing_support::complete_trial;
using testing_support::distance;
using testing_support::running_trial;
using testing_support::values_of;

// Cheaper acquisition search: these tests check behaviour, not quality.
StudySpec error_and_energy_spec() {
  StudySpec spec = minimisation_spec(2);
  spec.objectives[0].name = "error";
  spec.objectives[1].name = "energy_j";
  return spec;
}

SamplerOptions quick_options(std::uint64_t seed) {
  SamplerOptions options;
  options.seed = seed;
  options.extra = {{"sobol_candidates", 256}, {"local_candidates", 256}, {"refine_starts", 2}};
  return options;
}

TEST(MoboSampler, StartsWithTheSobolDesign) {
  auto mobo = make_sampler("mobo", quick_options(9));
  auto sobol = make_sampler("sobol", SamplerOptions{9, -1, nlohmann::json::object()});
  const TestProblem problem = make_test_problem("zdt1", 3);
  const ProblemRun run = run_test_problem(*mobo, problem, 8);  // 2 (3 + 1) initial trials
  const ProblemRun reference = run_test_problem(*sobol, problem, 8);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(run.trials[i].params, reference.trials[i].params);
}

TEST(MoboSampler, DeterministicUnderSeedAndBetterThanSobolOnZdt1) {
  const TestProblem problem = make_test_problem("zdt1", 3);
  auto first = make_sampler("mobo", quick_options(2));
  auto second = make_sampler("mobo", quick_options(2));
  const ProblemRun a = run_test_problem(*first, problem, 16);
  const ProblemRun b = run_test_problem(*second, problem, 16);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(a.trials[i].params, b.trials[i].params) << i;
  auto sobol = make_sampler("sobol", SamplerOptions{2, -1, nlohmann::json::object()});
  const ProblemRun space_filling = run_test_problem(*sobol, problem, 16);
  EXPECT_GT(hypervolume_ratio(problem, a, 16), hypervolume_ratio(problem, space_filling, 16) + 0.05);
}

// ZDT2 without thresholds: Ax's reference (the front's nadir + 10%) gives
// nothing beyond the narrow front the Sobol start finds, so the search
// stays there; the default also counts what lies beyond, at a tenth.
TEST(MoboSampler, WithoutThresholdsTheDefaultRuleGrowsTheFrontWhereAxsStalls) {
  const TestProblem problem = make_test_problem("zdt2", 3);
  SamplerOptions nadir_only = quick_options(4);
  nadir_only.extra["reference_rule"] = "front_nadir";
  auto stalled = make_sampler("mobo", nadir_only);
  auto growing = make_sampler("mobo", quick_options(4));
  const double stalled_ratio = hypervolume_ratio(problem, run_test_problem(*stalled, problem, 30), 30);
  const double growing_ratio = hypervolume_ratio(problem, run_test_problem(*growing, problem, 30), 30);
  EXPECT_GT(growing_ratio, stalled_ratio + 0.2) << stalled_ratio;
}

TEST(MoboSampler, RejectsUnknownReferenceRulesWeightsAndNoiseStatements) {
  for (const nlohmann::json& extra : {nlohmann::json{{"reference_rule", "nadir"}}, nlohmann::json{{"beyond_weight", 0}},
                                      nlohmann::json{{"beyond_weight", "high"}}, nlohmann::json{{"noisy", "yes"}},
                                      nlohmann::json{{"pending_outcomes", "guessed"}}}) {
    SamplerOptions options;
    options.extra = extra;
    EXPECT_THROW(make_sampler("mobo", options), InputError) << extra.dump();
  }
}

// Without a trial at the optimum the next ask lands on it again; with a
// RUNNING trial there (Kriging believer) or a PRUNED one (energy-first
// skipped its training: before pruned points counted as tried, MOBO
// proposed such a point three times in a row) the suggestion moves away.
// pending_outcomes: mobo's option, left out when null (the believer).
void expect_no_resuggestion_after(TrialState state, const char* pending_outcomes = nullptr) {
  const TestProblem problem = make_test_problem("zdt1", 3);
  SamplerOptions options = quick_options(5);
  if (pending_outcomes) options.extra["pending_outcomes"] = pending_outcomes;
  auto mobo = make_sampler("mobo", options);
  ProblemRun run = run_test_problem(*mobo, problem, 10);
  const SearchSpace space = unit_search_space(3);
  const StudySpec spec = minimisation_spec(2);
  const std::vector<double> first = mobo->suggest({spec, space, run.trials, 10});
  const std::vector<double> again = mobo->suggest({spec, space, run.trials, 11});
  EXPECT_LT(distance(first, again), 1e-3);
  Trial tried = running_trial(10, space.decode(first));
  tried.state = state;
  run.trials.push_back(tried);
  const std::vector<double> second = mobo->suggest({spec, space, run.trials, 11});
  EXPECT_GT(distance(first, second), 5e-3);
}

TEST(MoboSampler, DoesNotResuggestARunningTrialsPoint) {
  expect_no_resuggestion_after(TrialState::Running);
  expect_no_resuggestion_after(TrialState::Running, "sampled");
}

TEST(MoboSampler, DoesNotResuggestAPrunedTrialsPoint) {
  expect_no_resuggestion_after(TrialState::Pruned);
  expect_no_resuggestion_after(TrialState::Pruned, "sampled");
}

// A PRUNED trial with its last values (docs/pruning.md, "How samplers
// learn from them") is fitted by the models; without values its point only
// counts as tried. Before, both counted as tried and the models never saw
// a pruned trial's measured energy (the demo benchmark's lost corner).
TEST(MoboSampler, APrunedTrialsLastValuesInformTheModels) {
  const TestProblem problem = make_test_problem("zdt1", 3);
  auto mobo = make_sampler("mobo", quick_options(5));
  const ProblemRun run = run_test_problem(*mobo, problem, 10);
  const SearchSpace space = unit_search_space(3);
  const StudySpec spec = minimisation_spec(2);
  Trial pruned = running_trial(10, space.decode(mobo->suggest({spec, space, run.trials, 10})));
  pruned.state = TrialState::Pruned;
  std::vector<Trial> tried = run.trials;
  tried.push_back(pruned);
  pruned.values = {5.0, 5.0};  // where it stood: far behind the front
  std::vector<Trial> valued = run.trials;
  valued.push_back(pruned);
  const std::vector<double> without = mobo->suggest({spec, space, tried, 11});
  const std::vector<double> with = mobo->suggest({spec, space, valued, 11});
  EXPECT_EQ(with, mobo->suggest({spec, space, valued, 11})) << "deterministic under the seed";
  EXPECT_GT(distance(without, with), 1e-3);
}

// Objectives favour large x0, the constraint x0 <= 0.4 forbids it.
TEST(MoboSampler, AvoidsTheInfeasibleRegion) {
  const SearchSpace space = unit_search_space(2);
  StudySpec spec = minimisation_spec(2);
  spec.constraints.push_back({"load", Comparison::LessEqual, 0.4});
  auto mobo = make_sampler("mobo", quick_options(3));
  std::vector<Trial> history;
  int feasible_suggestions = 0;
  for (std::int64_t n = 0; n < 14; ++n) {
    const ParamMap params = space.decode(mobo->suggest({spec, space, history, n}));
    const std::vector<double> x = values_of(params, 2);
    if (n >= 6 && x[0] <= 0.45) ++feasible_suggestions;
    history.push_back(complete_trial(n, params, {1.0 - x[0] + 0.3 * x[1], (1.0 - x[0]) * (1.0 - x[0]) + 1.0 - x[1]},
                                     {{"load", x[0]}}));
  }
  EXPECT_GE(feasible_suggestions, 6) << "of 8 model-based suggestions";
}

TEST(MoboSampler, SingleObjectiveFindsTheMinimum) {
  const SearchSpace space = unit_search_space(2);
  const StudySpec spec = minimisation_spec(1);
  auto mobo = make_sampler("mobo", quick_options(1));
  std::vector<Trial> history;
  double best = 1e9;
  for (std::int64_t n = 0; n < 14; ++n) {
    const ParamMap params = space.decode(mobo->suggest({spec, space, history, n}));
    const std::vector<double> x = values_of(params, 2);
    const double value = std::pow(x[0] - 0.3, 2) + std::pow(x[1] - 0.7, 2);
    best = std::min(best, value);
    history.push_back(complete_trial(n, params, {value}));
  }
  EXPECT_LT(best, 2e-3);
}

// Three objectives without thresholds: the settled box and the split
// decomposition (reference_box.hpp, ehvi.hpp) depend on the history alone.
TEST(MoboSampler, ThreeObjectivesWithoutThresholdsAreDeterministic) {
  const TestProblem problem = make_test_problem("dtlz2", 4, 3);
  auto first = make_sampler("mobo", quick_options(6));
  auto second = make_sampler("mobo", quick_options(6));
  const ProblemRun a = run_test_problem(*first, problem, 16);  // 10 Sobol trials, then the model
  const ProblemRun b = run_test_problem(*second, problem, 16);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(a.trials[i].params, b.trials[i].params) << i;
}

TEST(MoboSampler, FourObjectivesUseParEgoDeterministically) {
  const TestProblem problem = make_test_problem("dtlz2", 4, 4);
  auto first = make_sampler("mobo", quick_options(8));
  auto second = make_sampler("mobo", quick_options(8));
  const ProblemRun a = run_test_problem(*first, problem, 13);
  const ProblemRun b = run_test_problem(*second, problem, 13);
  for (std::size_t i = 10; i < 13; ++i) EXPECT_EQ(a.trials[i].params, b.trials[i].params);
}

TEST(MoboSampler, MixedParameterTypesDecodeToValidValues) {
  const SearchSpace space = search_space_from_json(nlohmann::json::parse(R"({
    "lr": {"name": "FloatDistribution", "attributes": {"low": 1e-4, "high": 1e-1, "log": true, "step": null}},
    "layers": {"name": "IntDistribution", "attributes": {"low": 1, "high": 4, "log": false, "step": 1}},
    "optimizer": {"name": "CategoricalDistribution", "attributes": {"choices": ["sgd", "adam", "rmsprop"]}},
    "momentum": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 0.99, "log": false, "step": null},
                 "condition": {"parent": "optimizer", "values": ["sgd"]}}
  })"));
  const StudySpec spec = minimisation_spec(2);
  auto mobo = make_sampler("mobo", quick_options(6));
  std::vector<Trial> history;
  for (std::int64_t n = 0; n < 14; ++n) {
    const ParamMap params = space.decode(mobo->suggest({spec, space, history, n}));
    ASSERT_NO_THROW(space.check(params)) << n;
    const double lr = as_double(params.at("lr"));
    const double layers = as_double(params.at("layers"));
    const bool adam = std::get<std::string>(params.at("optimizer")) == "adam";
    history.push_back(complete_trial(n, params, {std::abs(std::log10(lr) + 2.5) + (adam ? 0.0 : 0.5), layers}));
  }
}

// Noise with a standard deviation of about a third of the outcome's switches
// the front to joint posterior samples; suggestions stay valid and
// deterministic.
TEST(MoboSampler, NoisyObservationsUseFrontSamplesDeterministically) {
  const SearchSpace space = unit_search_space(2);
  const StudySpec spec = minimisation_spec(2);
  std::vector<Trial> history;
  auto first = make_sampler("mobo", quick_options(12));
  for (std::int64_t n = 0; n < 16; ++n) {
    const ParamMap params = space.decode(first->suggest({spec, space, history, n}));
    const std::vector<double> x = values_of(params, 2);
    const double noise_a = 0.3 * std::sin(1e3 * static_cast<double>(n * n + 1));
    const double noise_b = 0.3 * std::cos(7e2 * static_cast<double>(n * n + 3));
    history.push_back(complete_trial(n, params, {x[0] + noise_a, 1.0 - x[0] + x[1] + noise_b}));
  }
  auto second = make_sampler("mobo", quick_options(12));
  const std::vector<double> a = first->suggest({spec, space, history, 16});
  EXPECT_EQ(a, second->suggest({spec, space, history, 16}));
  for (double v : a) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

// `noisy` is the objectives' declaration in the study's definition (ask
// keeps it in the sampler options too). Declared noisy, mobo searches as
// by default, deciding front samples from the models' noise (forcing them
// from the start was worse at 25 evaluations), so it is never worse than
// the default; declared exact on noisy data it takes the posterior-mean
// front. Each is deterministic under the seed.
// A noisy run of `problem` by mobo (seed `seed`) whose objectives are
// declared noisy, exact, or nothing (nullopt), in the sampler's options as
// `ask --sampler-kwargs` gives them and in the study's definition.
ProblemRun run_declared(const TestProblem& problem, std::uint64_t seed, std::size_t trials,
                        ProblemRunOptions noise, std::optional<bool> noisy) {
  SamplerOptions options = quick_options(seed);
  if (noisy) options.extra["noisy"] = *noisy;
  auto sampler = make_sampler("mobo", options);
  noise.noisy = noisy;
  return run_test_problem(*sampler, problem, trials, noise);
}

TEST(MoboSampler, DeclaredNoisyObjectivesSearchAsTheDefault) {
  const TestProblem problem = make_test_problem("zdt1", 3);
  const auto run = [&](std::optional<bool> noisy) {
    return run_declared(problem, 4, 14, {.noise = 0.2, .noise_seed = 3}, noisy);
  };
  const ProblemRun by_default = run(std::nullopt);
  const ProblemRun noisy = run(true);
  const ProblemRun exact = run(false);
  const ProblemRun exact_again = run(false);
  bool exact_differs = false;
  for (std::size_t i = 0; i < by_default.trials.size(); ++i) {
    EXPECT_EQ(noisy.trials[i].params, by_default.trials[i].params) << i;
    EXPECT_EQ(exact.trials[i].params, exact_again.trials[i].params) << i;
    exact_differs = exact_differs || exact.trials[i].params != by_default.trials[i].params;
  }
  EXPECT_TRUE(exact_differs);
}

// Noise is judged against the scale the hypervolume is decided on, each
// objective's range over the (posterior-mean) front, not only against the
// outcome's whole spread: Branin's values reach 300 off the front but span
// 17 on it, so noise of 2 % of the front's range is a thousandth of the
// outcome's variance yet decides which front point is better. The default
// then samples fronts, so it searches unlike a study declared exact.
TEST(MoboSampler, NoiseSmallAgainstTheOutcomesSpreadButNotTheFrontsSamplesFronts) {
  const TestProblem problem = make_test_problem("branin_currin", 2);
  const auto run = [&](std::optional<bool> noisy) {
    return run_declared(problem, 6, 16, {.noise = 0.02, .noise_seed = 1}, noisy);
  };
  const ProblemRun by_default = run(std::nullopt);
  const ProblemRun exact = run(false);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < by_default.trials.size(); ++i) {
    differing += by_default.trials[i].params != exact.trials[i].params ? 1 : 0;
  }
  EXPECT_GT(differing, 0u);
}

// A study of error and energy_j (its energy objective) after its Sobol
// start: 12 trials of error = x0 + (x1 - 0.6)^2, energy = 1 - x0 + (x1 -
// 0.4)^2 (a front inside the cube, so suggestions are too), each in `extra`'s
// user attributes where it names them.
std::vector<Trial> energy_history(const SearchSpace& space, const std::map<std::int64_t, nlohmann::json>& extra) {
  auto sobol = make_sampler("sobol", SamplerOptions{5, -1, nlohmann::json::object()});
  const StudySpec spec = error_and_energy_spec();
  std::vector<Trial> history;
  for (std::int64_t n = 0; n < 12; ++n) {
    const ParamMap params = space.decode(sobol->suggest({spec, space, history, n}));
    const std::vector<double> x = values_of(params, 2);
    const auto attrs = extra.find(n);
    history.push_back(complete_trial(n, params, {x[0] + std::pow(x[1] - 0.6, 2), 1.0 - x[0] + std::pow(x[1] - 0.4, 2)},
                                     attrs == extra.end() ? nlohmann::json::object() : attrs->second));
  }
  return history;
}

// The energy record of a trial measured over 5 windows whose readings
// scatter by a quarter of the figure.
nlohmann::json scattered_energy(double energy_j) {
  EnergyRecord record;
  record.name = kTrialRecord;
  record.sources = {EnergySource::RaplPowercap};
  record.devices = {"cpu:0"};
  record.windows = 5;
  record.duration_s = 2.0;
  record.gross_j = energy_j;
  record.spread = EnergySpread{0.6 * energy_j, 1.4 * energy_j, 0.25 * energy_j};
  record.resolution_s = 0.001;
  record.resolution_j = 1e-6;
  nlohmann::json attrs = nlohmann::json::object();
  write_energy_records(attrs, {record});
  return attrs;
}

std::vector<double> suggestion_after(const std::vector<Trial>& history, std::uint64_t seed) {
  const SearchSpace space = unit_search_space(2);
  const StudySpec spec = error_and_energy_spec();
  return make_sampler("mobo", quick_options(seed))->suggest({spec, space, history, 12});
}

// Two studies identical but for the spread measured on one trial's energy:
// the spread is that value's known noise, so the energy model (and the
// suggestion) differs; each suggestion is deterministic under the seed.
TEST(MoboSampler, MeasuredEnergySpreadEntersTheModel) {
  const SearchSpace space = unit_search_space(2);
  const std::vector<Trial> plain = energy_history(space, {});
  const double energy = plain[3].values[1];
  const std::vector<Trial> scattered = energy_history(space, {{3, scattered_energy(energy)}});
  const std::vector<double> without = suggestion_after(plain, 7);
  const std::vector<double> with = suggestion_after(scattered, 7);
  EXPECT_NE(without, with);
  EXPECT_EQ(with, suggestion_after(scattered, 7));
}

// A standard error the user tells for one value (ecopt_stderr) counts the
// same way, for any objective.
TEST(MoboSampler, StatedStandardErrorEntersTheModel) {
  const SearchSpace space = unit_search_space(2);
  const std::vector<Trial> plain = energy_history(space, {});
  const std::vector<Trial> stated = energy_history(space, {{3, {{"ecopt_stderr", {{"error", 0.3}}}}}});
  const std::vector<double> with = suggestion_after(stated, 7);
  EXPECT_NE(suggestion_after(plain, 7), with);
  EXPECT_EQ(with, suggestion_after(stated, 7));
}

// A warm start begins with what the related study learned: the first
// trials are a spread of its Pareto set (the extreme in the first
// objective, then the Pareto point farthest from those taken), the rest
// of the halved start (d + 1 = 4 here) the Sobol design's first points.
TEST(MoboSampler, AWarmStartBeginsWithASpreadOfTheRelatedParetoSet) {
  const TestProblem problem = make_test_problem("zdt1", 3);
  auto sobol = make_sampler("sobol", SamplerOptions{5, -1, nlohmann::json::object()});
  const RelatedHistory related{as_space_problem(problem).spec, run_test_problem(*sobol, problem, 16).trials};
  std::vector<Point> related_values;
  for (const Trial& trial : related.trials) related_values.push_back(trial.values);
  std::vector<std::vector<double>> pareto_set;
  for (std::size_t i : pareto_front(related_values)) pareto_set.push_back(values_of(related.trials[i].params, 3));
  ASSERT_GE(pareto_set.size(), 3u);

  ProblemRunOptions warm_start;
  warm_start.warm_start = &related;
  auto warm = make_sampler("mobo", quick_options(9));
  const ProblemRun run = run_test_problem(*warm, problem, 4, warm_start);
  const std::vector<double> first = values_of(run.trials[0].params, 3);
  const std::vector<double> second = values_of(run.trials[1].params, 3);
  const auto lowest_first_objective = std::min_element(related_values.begin(), related_values.end());
  EXPECT_EQ(first, values_of(related.trials[lowest_first_objective - related_values.begin()].params, 3));
  double farthest = 0.0;
  for (const std::vector<double>& x : pareto_set) farthest = std::max(farthest, distance(x, first));
  EXPECT_NE(std::find(pareto_set.begin(), pareto_set.end(), second), pareto_set.end());
  EXPECT_EQ(distance(second, first), farthest);

  auto cold = make_sampler("mobo", quick_options(9));
  const ProblemRun cold_run = run_test_problem(*cold, problem, 2);
  EXPECT_EQ(run.trials[2].params, cold_run.trials[0].params);
  EXPECT_EQ(run.trials[3].params, cold_run.trials[1].params);
  auto again = make_sampler("mobo", quick_options(9));
  const ProblemRun repeated = run_test_problem(*again, problem, 4, warm_start);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(repeated.trials[i].params, run.trials[i].params) << i;
}

// The related values leave the models once the study has as many
// observations of its own as a cold start's Sobol design, 2 (d + 1) = 10
// here: from there a warm-started study suggests what a cold one with the
// same history does; one observation short, they still count.
TEST(MoboSampler, ARelatedStudyInformsTheModelsUntilAColdStartsWorthOfOwnObservations) {
  const SpaceProblem problem = as_space_problem(make_test_problem("dtlz2", 4, 3));
  auto sobol = make_sampler("sobol", SamplerOptions{5, -1, nlohmann::json::object()});
  const RelatedHistory related{problem.spec, run_problem(*sobol, problem, 20).trials};
  auto cold = make_sampler("mobo", quick_options(9));
  const std::vector<Trial> history = run_problem(*cold, problem, 10).trials;
  const auto suggestion = [&](std::size_t own, const RelatedHistory* warm_start) {
    const std::vector<Trial> seen(history.begin(), history.begin() + static_cast<std::ptrdiff_t>(own));
    return make_sampler("mobo", quick_options(9))->suggest({problem.spec, problem.space, seen, 10, warm_start});
  };
  EXPECT_NE(suggestion(9, &related), suggestion(9, nullptr));
  EXPECT_EQ(suggestion(10, &related), suggestion(10, nullptr));
}

}  // namespace
}  // namespace ecopt
