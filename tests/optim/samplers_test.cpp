// Random and Sobol samplers and the sampler registry.
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/sobol.hpp"
#include "ecopt/optim/problem_run.hpp"
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
