// The conformance suite every sampler passes, random and Sobol samplers,
// and the sampler registry.
#include <gtest/gtest.h>

#include <cmath>

#include "ecopt/core/error.hpp"
#include "ecopt/math/sobol.hpp"
#include "ecopt/optim/benchmark_run.hpp"
#include "ecopt/optim/sampler.hpp"

namespace ecopt {
namespace {

std::vector<double> suggest(Sampler& sampler, std::size_t d, std::int64_t number) {
  const SearchSpace space = unit_search_space(d);
  const StudySpec spec = minimisation_spec(2);
  return sampler.suggest({spec, space, {}, number});
}

class SpaceFilling : public ::testing::TestWithParam<const char*> {};

TEST_P(SpaceFilling, InUnitCubeAndDeterministicUnderSeed) {
  SamplerOptions options;
  options.seed = 11;
  auto first = make_sampler(GetParam(), options);
  auto second = make_sampler(GetParam(), options);
  options.seed = 12;
  auto other_seed = make_sampler(GetParam(), options);
  EXPECT_EQ(first->name(), GetParam());
  for (std::int64_t n = 0; n < 40; ++n) {
    const std::vector<double> u = suggest(*first, 5, n);
    ASSERT_EQ(u.size(), 5u);
    for (double v : u) {
      EXPECT_GE(v, 0.0);
      EXPECT_LT(v, 1.0);
    }
    EXPECT_EQ(u, suggest(*second, 5, n));
    EXPECT_NE(u, suggest(*other_seed, 5, n));
    EXPECT_NE(u, suggest(*first, 5, n + 1));
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, SpaceFilling, ::testing::Values("random", "sobol"));

// The contract every sampler keeps, on a mixed space with a history that
// holds complete, failed and running trials (as a shared study does).
class SamplerConformance : public ::testing::TestWithParam<const char*> {
 protected:
  SamplerConformance()
      : space_(search_space_from_json_text(R"({"x": {"type": "float", "low": 0.001, "high": 1, "log": true},
          "n": {"type": "int", "low": 1, "high": 9}, "act": {"type": "categorical", "choices": ["relu", "tanh"]},
          "fixed": {"type": "fixed", "value": 3}})")),
        spec_(minimisation_spec(2)) {
    for (std::int64_t number = 0; number < 14; ++number) {
      Trial trial;
      trial.number = number;
      const std::vector<double> u = {std::fmod(0.37 * double(number), 1.0), std::fmod(0.61 * double(number), 1.0),
                                     number % 2 ? 0.2 : 0.7};
      trial.params = space_.decode(u);
      trial.state = number == 5 ? TrialState::Failed : number == 13 ? TrialState::Running : TrialState::Complete;
      if (trial.state == TrialState::Complete) trial.values = {u[0], 1.0 - std::sqrt(u[0]) + u[1]};
      history_.push_back(trial);
    }
    history_.push_back(Trial{});  // the trial being filled: RUNNING, no params
    history_.back().number = 14;
  }

  std::vector<double> suggest(std::uint64_t seed) {
    SamplerOptions options;
    options.seed = seed;
    auto sampler = make_sampler(GetParam(), options);
    EXPECT_EQ(sampler->name(), GetParam());
    std::span<const Trial> history;
    if (sampler->history_need() == HistoryNeed::Trials) history = history_;
    return sampler->suggest({spec_, space_, history, 14});
  }

  SearchSpace space_;
  StudySpec spec_;
  std::vector<Trial> history_;
};

TEST_P(SamplerConformance, SuggestsAValidPointOfTheSpaceDeterministicallyUnderASeed) {
  const std::vector<double> u = suggest(7);
  ASSERT_EQ(u.size(), space_.dimensions());
  for (const double v : u) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
  EXPECT_NO_THROW(space_.check(space_.decode(u)));
  EXPECT_EQ(u, suggest(7));
}

INSTANTIATE_TEST_SUITE_P(EverySampler, SamplerConformance, ::testing::Values("random", "sobol", "nsga2", "mobo"));

TEST(SobolSampler, TrialNumberIndexesTheScrambledSequence) {
  SamplerOptions options;
  options.seed = 3;
  auto sampler = make_sampler("sobol", options);
  const SobolSequence sequence(4, 3);
  for (std::int64_t n : {0, 1, 7, 100}) EXPECT_EQ(suggest(*sampler, 4, n), sequence.point(static_cast<std::uint64_t>(n)));
}

TEST(SamplerRegistry, UnknownNameListsTheKnownOnes) {
  try {
    make_sampler("tpe", {});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'tpe'"), std::string::npos);
    for (const char* known : {"mobo", "nsga2", "random", "sobol"}) EXPECT_NE(message.find(known), std::string::npos);
  }
}

TEST(SamplerRegistry, EveryNameBuildsAndUnknownOptionsAreRefused) {
  for (const char* name : {"mobo", "nsga2", "random", "sobol"}) {
    EXPECT_EQ(make_sampler(name, {})->name(), name);
    SamplerOptions options;
    options.extra = {{"no_such_option", 1}};
    EXPECT_THROW(make_sampler(name, options), InputError) << name;
  }
  SamplerOptions bad;
  bad.extra = {{"refine_starts", "many"}};
  EXPECT_THROW(make_sampler("mobo", bad), InputError);
  bad.extra = {{"population_size", 1}};
  EXPECT_THROW(make_sampler("nsga2", bad), InputError);
}

TEST(SpaceFilling, NoTunableParametersGiveAnEmptyPoint) {
  auto sampler = make_sampler("sobol", {});
  EXPECT_TRUE(suggest(*sampler, 0, 3).empty());
}

}  // namespace
}  // namespace ecopt
