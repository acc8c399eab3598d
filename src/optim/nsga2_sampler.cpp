// NSGA-II in ask/tell form. Nothing is kept between asks: generation g is
// the trials numbered [g * population, (g + 1) * population), and the
// parents of generation g are rebuilt by replaying survivor selection over
// the finished trials of generations 0 .. g-1.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/optim/nsga2.hpp"
#include "observations.hpp"
#include "random_stream.hpp"
#include "samplers.hpp"

namespace ecopt {

std::vector<std::vector<std::size_t>> constrained_fronts(const std::vector<Point>& values,
                                                         const std::vector<double>& violations) {
  std::vector<std::size_t> feasible;
  std::vector<std::size_t> infeasible;
  for (std::size_t i = 0; i < values.size(); ++i) (violations[i] <= 0.0 ? feasible : infeasible).push_back(i);
  std::vector<Point> feasible_values;
  for (std::size_t i : feasible) feasible_values.push_back(values[i]);
  std::vector<std::vector<std::size_t>> fronts;
  for (const auto& layer : non_dominated_sort(feasible_values)) {
    std::vector<std::size_t> front;
    for (std::size_t k : layer) front.push_back(feasible[k]);
    fronts.push_back(std::move(front));
  }
  std::stable_sort(infeasible.begin(), infeasible.end(),
                   [&](std::size_t a, std::size_t b) { return violations[a] < violations[b]; });
  for (std::size_t k = 0; k < infeasible.size(); ++k) {
    if (k == 0 || violations[infeasible[k]] != violations[infeasible[k - 1]]) fronts.emplace_back();
    fronts.back().push_back(infeasible[k]);
  }
  return fronts;
}

std::vector<std::size_t> select_survivors(const std::vector<Point>& values,
                                          const std::vector<double>& violations, std::size_t count) {
  std::vector<std::size_t> survivors;
  for (const auto& front : constrained_fronts(values, violations)) {
    if (survivors.size() + front.size() <= count) {
      survivors.insert(survivors.end(), front.begin(), front.end());
      continue;
    }
    const std::vector<double> crowding = crowding_distance(values, front);
    std::vector<std::size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return crowding[a] > crowding[b]; });
    for (std::size_t k = 0; survivors.size() < count; ++k) survivors.push_back(front[order[k]]);
    break;
  }
  return survivors;
}

namespace optim_detail {
namespace {

struct Nsga2Settings {
  std::int64_t population = 20;
  double crossover_probability = 0.9;
  double crossover_eta = 20.0;
  double mutation_eta = 20.0;
  double mutation_probability = -1.0;  // -1: 1 / dimensions
};

Nsga2Settings read_settings(const SamplerOptions& options) {
  check_extra_keys("nsga2", options,
                   {"population_size", "crossover_probability", "crossover_eta", "mutation_eta",
                    "mutation_probability"});
  const OptionReader option(options.extra, "nsga2 option");
  Nsga2Settings s;
  s.population = option.integer("population_size", s.population, 2, 1'000'000);
  s.crossover_probability = option.number("crossover_probability", s.crossover_probability, 0, 1);
  s.crossover_eta = option.number("crossover_eta", s.crossover_eta, 0, 1e3);
  s.mutation_eta = option.number("mutation_eta", s.mutation_eta, 0, 1e3);
  s.mutation_probability = option.number("mutation_probability", s.mutation_probability, -1, 1);
  return s;
}

// A parent with its constrained-domination rank and crowding distance.
struct Parent {
  std::vector<double> x;
  std::size_t rank = 0;
  double crowding = 0.0;
};

// Simulated binary crossover of one bounded [0, 1] coordinate (Deb and
// Agrawal): children spread around the parents with index eta.
double sbx(double a, double b, double eta, RandomStream& random) {
  if (std::abs(a - b) < 1e-14) return a;
  const double y1 = std::min(a, b);
  const double y2 = std::max(a, b);
  const double u = random.uniform();
  auto child = [&](double beta) {
    const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
    return u <= 1.0 / alpha ? std::pow(u * alpha, 1.0 / (eta + 1.0))
                            : std::pow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
  };
  const double low_child = 0.5 * ((y1 + y2) - child(1.0 + 2.0 * y1 / (y2 - y1)) * (y2 - y1));
  const double high_child = 0.5 * ((y1 + y2) + child(1.0 + 2.0 * (1.0 - y2) / (y2 - y1)) * (y2 - y1));
  return std::clamp(random.uniform() < 0.5 ? low_child : high_child, 0.0, 1.0);
}

// Polynomial mutation of one bounded [0, 1] coordinate.
double polynomial_mutation(double y, double eta, RandomStream& random) {
  const double u = random.uniform();
  const double power = 1.0 / (eta + 1.0);
  double delta = 0.0;
  if (u < 0.5) {
    const double value = 2.0 * u + (1.0 - 2.0 * u) * std::pow(y, eta + 1.0);
    delta = std::pow(value, power) - 1.0;
  } else {
    const double value = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * std::pow(1.0 - y, eta + 1.0);
    delta = 1.0 - std::pow(value, power);
  }
  return std::clamp(y + delta, 0.0, 1.0);
}

class Nsga2Sampler final : public Sampler {
 public:
  explicit Nsga2Sampler(const SamplerOptions& options) : seed_(options.seed), settings_(read_settings(options)) {}
  std::string name() const override { return "nsga2"; }
  HistoryNeed history_need() const override { return HistoryNeed::Trials; }

  std::vector<double> suggest(const SamplingContext& context) override {
    const std::size_t d = context.space.dimensions();
    const std::int64_t number = std::max<std::int64_t>(context.trial_number, 0);
    const std::int64_t generation = number / settings_.population;
    const std::vector<Parent> parents = generation == 0 ? std::vector<Parent>{} : parent_population(context, generation);
    if (parents.empty()) return sobol_point(d, seed_, static_cast<std::uint64_t>(number));
    RandomStream random(mix_seed(seed_, static_cast<std::uint64_t>(number), 0x6e736761ULL));
    return offspring(parents, input_kinds(context.space), random);
  }

 private:
  std::vector<Parent> parent_population(const SamplingContext& context, std::int64_t generation) const {
    const Observations obs = collect_observations(context);
    std::vector<std::size_t> population;  // rows of obs
    for (std::int64_t g = 1; g <= generation; ++g) {
      std::vector<std::size_t> pool = population;
      for (Eigen::Index i = 0; i < obs.size(); ++i) {
        if (obs.numbers[static_cast<std::size_t>(i)] / settings_.population == g - 1) pool.push_back(static_cast<std::size_t>(i));
      }
      population = survivors(obs, pool);
    }
    return rank(obs, population);
  }

  std::vector<std::size_t> survivors(const Observations& obs, const std::vector<std::size_t>& pool) const {
    std::vector<Point> values;
    std::vector<double> violations;
    for (std::size_t i : pool) {
      values.push_back(row_vector(obs.objectives, static_cast<Eigen::Index>(i)));
      violations.push_back(obs.violations[i]);
    }
    std::vector<std::size_t> chosen;
    for (std::size_t k : select_survivors(values, violations, static_cast<std::size_t>(settings_.population))) {
      chosen.push_back(pool[k]);
    }
    return chosen;
  }

  static std::vector<Parent> rank(const Observations& obs, const std::vector<std::size_t>& population) {
    std::vector<Point> values;
    std::vector<double> violations;
    for (std::size_t i : population) {
      values.push_back(row_vector(obs.objectives, static_cast<Eigen::Index>(i)));
      violations.push_back(obs.violations[i]);
    }
    std::vector<Parent> parents(population.size());
    const auto fronts = constrained_fronts(values, violations);
    for (std::size_t r = 0; r < fronts.size(); ++r) {
      const std::vector<double> crowding = crowding_distance(values, fronts[r]);
      for (std::size_t k = 0; k < fronts[r].size(); ++k) {
        const std::size_t member = fronts[r][k];
        parents[member] = {row_vector(obs.x, static_cast<Eigen::Index>(population[member])), r, crowding[k]};
      }
    }
    return parents;
  }

  static const Parent& tournament(const std::vector<Parent>& parents, RandomStream& random) {
    const Parent& a = parents[random.below(parents.size())];
    const Parent& b = parents[random.below(parents.size())];
    if (a.rank != b.rank) return a.rank < b.rank ? a : b;
    return a.crowding >= b.crowding ? a : b;
  }

  std::vector<double> offspring(const std::vector<Parent>& parents, const std::vector<InputKind>& kinds,
                                RandomStream& random) const {
    const Parent& first = tournament(parents, random);
    const Parent& second = tournament(parents, random);
    const std::size_t d = kinds.size();
    const bool cross = random.uniform() < settings_.crossover_probability;
    const double mutation = settings_.mutation_probability < 0.0 ? 1.0 / static_cast<double>(std::max<std::size_t>(d, 1))
                                                                  : settings_.mutation_probability;
    std::vector<double> child = first.x;
    for (std::size_t c = 0; c < d; ++c) {
      const bool categorical = kinds[c] == InputKind::Categorical;
      if (cross && random.uniform() < 0.5) {
        child[c] = categorical ? second.x[c] : sbx(first.x[c], second.x[c], settings_.crossover_eta, random);
      }
      if (random.uniform() < mutation) {
        child[c] = categorical ? random.uniform() : polynomial_mutation(child[c], settings_.mutation_eta, random);
      }
    }
    return child;
  }

  std::uint64_t seed_;
  Nsga2Settings settings_;
};

}  // namespace

std::unique_ptr<Sampler> make_nsga2_sampler(const SamplerOptions& options) {
  return std::make_unique<Nsga2Sampler>(options);
}

}  // namespace optim_detail
}  // namespace ecopt
