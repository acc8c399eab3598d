// Unit-cube encoding: scaling, cell fairness, conditions and round trips.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecopt/space/search_space.hpp"
#include "space_test_util.hpp"

namespace ecopt {
namespace {

using test::expect_input_error;

SearchSpace single(Distribution distribution) {
  return SearchSpace({Parameter{"p", std::move(distribution), std::nullopt}});
}

ParamValue decode_one(const SearchSpace& space, double u) { return space.decode({u}).at("p"); }

double encode_one(const SearchSpace& space, ParamValue value) {
  return space.encode({{"p", std::move(value)}}).at(0);
}

// Draws `samples` uniform points and counts how often each value comes out.
std::map<ParamValue, int> histogram(const SearchSpace& space, int samples) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::map<ParamValue, int> counts;
  for (int i = 0; i < samples; ++i) ++counts[decode_one(space, uniform(rng))];
  return counts;
}

TEST(FloatEncoding, LinearMapsEndsAndMiddle) {
  const auto space = single(FloatDistribution{-2.0, 6.0});
  EXPECT_EQ(std::get<double>(decode_one(space, 0.0)), -2.0);
  EXPECT_EQ(std::get<double>(decode_one(space, 1.0)), 6.0);
  EXPECT_DOUBLE_EQ(std::get<double>(decode_one(space, 0.25)), 0.0);
  EXPECT_DOUBLE_EQ(encode_one(space, 4.0), 0.75);
}

// Issue 16: high - low overflowed to infinity, so every sample was 1.7e308.
TEST(FloatEncoding, ARangeWiderThanTheLargestDoubleIsStillSpannedEvenly) {
  const auto space = single(FloatDistribution{-1.7e308, 1.7e308});
  EXPECT_EQ(std::get<double>(decode_one(space, 0.0)), -1.7e308);
  EXPECT_EQ(std::get<double>(decode_one(space, 1.0)), 1.7e308);
  EXPECT_EQ(std::get<double>(decode_one(space, 0.5)), 0.0);
  EXPECT_DOUBLE_EQ(std::get<double>(decode_one(space, 0.75)), 0.85e308);
  EXPECT_DOUBLE_EQ(encode_one(space, 0.85e308), 0.75);
}

TEST(FloatEncoding, LogScaleMedianIsGeometricMean) {
  const auto space = single(FloatDistribution{1e-4, 1e-1, true});
  EXPECT_NEAR(std::get<double>(decode_one(space, 0.5)), std::sqrt(1e-5), 1e-12);

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> values;
  for (int i = 0; i < 20001; ++i) values.push_back(std::get<double>(decode_one(space, uniform(rng))));
  std::nth_element(values.begin(), values.begin() + 10000, values.end());
  EXPECT_NEAR(values[10000], 3.162e-3, 3.162e-3 * 0.05);
  // Each decade gets a third of the cube.
  const auto below_1e3 = std::count_if(values.begin(), values.end(), [](double v) { return v < 1e-3; });
  EXPECT_NEAR(static_cast<double>(below_1e3) / values.size(), 1.0 / 3.0, 0.02);
}

TEST(FloatEncoding, StepGridGivesEqualCellsAndTidyValues) {
  const auto space = single(FloatDistribution{0.0, 0.5, false, 0.1});
  EXPECT_EQ(cardinality(space.dimension(0).distribution), 6u);
  // 0.1 * 3 is 0.30000000000000004 in binary; the grid value reads 0.3.
  EXPECT_EQ(std::get<double>(decode_one(space, 3.5 / 6)), 0.3);
  EXPECT_EQ(std::get<double>(decode_one(space, 0.999)), 0.5);
  EXPECT_DOUBLE_EQ(encode_one(space, 0.3), 3.5 / 6);
  for (const auto& [value, count] : histogram(space, 60000)) {
    EXPECT_NEAR(count / 60000.0, 1.0 / 6, 0.01) << to_string(value);
  }
}

TEST(IntEncoding, EachIntegerGetsAnEqualCell) {
  const auto space = single(IntDistribution{1, 5});
  const auto counts = histogram(space, 100000);
  ASSERT_EQ(counts.size(), 5u);
  for (std::int64_t k = 1; k <= 5; ++k) {
    EXPECT_NEAR(counts.at(ParamValue{k}) / 100000.0, 0.2, 0.01) << k;
    EXPECT_DOUBLE_EQ(encode_one(space, k), (k - 1 + 0.5) / 5);
  }
}

TEST(IntEncoding, SteppedIntsStayOnGrid) {
  const auto space = single(IntDistribution{0, 10, false, 2});
  const auto counts = histogram(space, 60000);
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [value, count] : counts) {
    EXPECT_EQ(std::get<std::int64_t>(value) % 2, 0);
    EXPECT_NEAR(count / 60000.0, 1.0 / 6, 0.01);
  }
}

TEST(IntEncoding, LogIntsGetTheirLogWidthShare) {
  const auto space = single(IntDistribution{1, 128, true});
  const int samples = 200000;
  const auto counts = histogram(space, samples);
  const double total_width = std::log(128.5 / 0.5);
  for (std::int64_t k : {1, 2, 3, 10, 64, 128}) {
    const double expected = std::log((k + 0.5) / (k - 0.5)) / total_width;
    EXPECT_NEAR(counts.at(ParamValue{k}) / double(samples), expected, 0.005) << k;
  }
  EXPECT_EQ(counts.begin()->first, ParamValue{std::int64_t{1}});
  EXPECT_EQ(counts.rbegin()->first, ParamValue{std::int64_t{128}});
}

TEST(ChoiceEncoding, ChoicesGetEqualCellsInOrder) {
  const auto space = SearchSpace({
      {"c", CategoricalDistribution{{std::string("adam"), std::string("sgd"), true}}, {}},
      {"o", OrdinalDistribution{{std::int64_t{1}, std::int64_t{3}, std::int64_t{5}, 7.5}}, {}},
  });
  EXPECT_EQ(space.decode({0.0, 0.0}).at("c"), ParamValue{std::string("adam")});
  EXPECT_EQ(space.decode({0.5, 0.5}).at("c"), ParamValue{std::string("sgd")});
  EXPECT_EQ(space.decode({0.9, 0.9}).at("c"), ParamValue{true});
  EXPECT_EQ(space.decode({0.9, 0.9}).at("o"), ParamValue{7.5});
  EXPECT_EQ(space.decode({0.0, 0.3}).at("o"), ParamValue{std::int64_t{3}});
  const auto unit = space.encode({{"c", std::string("sgd")}, {"o", std::int64_t{5}}});
  EXPECT_DOUBLE_EQ(unit[0], 0.5);
  EXPECT_DOUBLE_EQ(unit[1], 2.5 / 4);
}

TEST(FixedEncoding, FixedValuesHaveNoCoordinateButAreDecoded) {
  const auto space = SearchSpace({
      {"epochs", FixedDistribution{std::int64_t{3}}, {}},
      {"x", FloatDistribution{0.0, 1.0}, {}},
  });
  EXPECT_EQ(space.dimensions(), 1u);
  EXPECT_EQ(space.dimension(0).name, "x");
  const auto params = space.decode({0.5});
  EXPECT_EQ(params.at("epochs"), ParamValue{std::int64_t{3}});
  EXPECT_EQ(space.encode(params).size(), 1u);
}

// opt -> schedule (only for sgd) -> step_size (only for the step schedule).
SearchSpace nested_space() {
  return SearchSpace({
      {"opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}}, {}},
      {"schedule", CategoricalDistribution{{std::string("none"), std::string("step")}},
       Condition{"opt", {std::string("sgd")}}},
      {"step_size", IntDistribution{1, 50}, Condition{"schedule", {std::string("step")}}},
      {"lr", FloatDistribution{1e-5, 1e-1, true}, {}},
  });
}

TEST(Conditions, InactiveParametersAreOmittedAndEncodeAsHalf) {
  const auto space = nested_space();
  ASSERT_EQ(space.dimensions(), 4u);
  const auto adam = space.decode({0.1, 0.9, 0.3, 0.5});
  EXPECT_EQ(adam.size(), 2u);
  EXPECT_FALSE(adam.contains("schedule"));
  EXPECT_FALSE(adam.contains("step_size"));
  const auto unit = space.encode(adam);
  EXPECT_DOUBLE_EQ(unit[1], 0.5);
  EXPECT_DOUBLE_EQ(unit[2], 0.5);

  const auto sgd_step = space.decode({0.9, 0.9, 0.0, 0.5});
  EXPECT_EQ(sgd_step.at("step_size"), ParamValue{std::int64_t{1}});
  const auto sgd_none = space.decode({0.9, 0.1, 0.0, 0.5});
  EXPECT_TRUE(sgd_none.contains("schedule"));
  EXPECT_FALSE(sgd_none.contains("step_size"));
}

TEST(Conditions, AChildOfAnInactiveParentIsInactive) {
  const auto space = nested_space();
  const ParamMap stray{{"opt", std::string("adam")}, {"schedule", std::string("step")}};
  EXPECT_FALSE(space.is_active(*space.find("step_size"), stray));
  EXPECT_FALSE(space.is_active(*space.find("schedule"), stray));
  EXPECT_TRUE(space.is_active(*space.find("lr"), stray));
}

// Every distribution, conditions nested two deep, and a fixed value.
SearchSpace everything_space() {
  return SearchSpace({
      {"x", FloatDistribution{-1.0, 1.0}, {}},
      {"lr", FloatDistribution{1e-5, 1e-1, true}, {}},
      {"dropout", FloatDistribution{0.0, 0.5, false, 0.05}, {}},
      {"n", IntDistribution{-3, 7}, {}},
      {"k", IntDistribution{0, 30, false, 3}, {}},
      {"width", IntDistribution{1, 1024, true}, {}},
      {"opt", CategoricalDistribution{{std::string("adam"), std::string("sgd"), std::int64_t{1}, 2.5, false}}, {}},
      {"kernel", OrdinalDistribution{{std::int64_t{1}, std::int64_t{3}, std::int64_t{5}}}, {}},
      {"epochs", FixedDistribution{std::int64_t{3}}, {}},
      {"momentum", FloatDistribution{0.0, 0.99}, Condition{"opt", {std::string("sgd"), 2.5}}},
      {"nesterov", CategoricalDistribution{{true, false}}, Condition{"opt", {std::string("sgd")}}},
      {"dampening", IntDistribution{0, 9}, Condition{"nesterov", {false}}},
  });
}

bool is_continuous(const Parameter& parameter) {
  const auto* d = std::get_if<FloatDistribution>(&parameter.distribution);
  return d != nullptr && !d->step;
}

TEST(RoundTrip, DecodeOfEncodeGivesBackEveryRandomPoint) {
  const auto space = everything_space();
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::map<std::string, int> seen;
  for (int trial = 0; trial < 5000; ++trial) {
    std::vector<double> unit(space.dimensions());
    for (auto& u : unit) u = uniform(rng);
    const ParamMap params = space.decode(unit);
    ASSERT_NO_THROW(space.check(params));
    const ParamMap again = space.decode(space.encode(params));
    ASSERT_EQ(again.size(), params.size());
    for (const auto& [name, value] : params) {
      ++seen[name];
      if (is_continuous(*space.find(name))) {
        const double x = std::get<double>(value);
        EXPECT_NEAR(std::get<double>(again.at(name)), x, 1e-12 * std::max(1.0, std::fabs(x)))
            << name;
      } else {
        EXPECT_EQ(again.at(name), value) << name;
      }
    }
  }
  // The conditions took both branches often enough to test both.
  EXPECT_GT(seen["momentum"], 1000);
  EXPECT_LT(seen["momentum"], 4000);
  EXPECT_GT(seen["dampening"], 200);
}

TEST(RoundTrip, EveryDiscreteValueComesBackExactly) {
  const std::vector<Distribution> distributions{
      FloatDistribution{0.0, 1.0, false, 0.1}, FloatDistribution{-2.5, 2.5, false, 0.25},
      IntDistribution{-5, 5}, IntDistribution{0, 100, false, 7}, IntDistribution{1, 300, true},
      CategoricalDistribution{{std::string("a"), std::int64_t{2}, 3.5, true}},
      OrdinalDistribution{{std::int64_t{8}, std::int64_t{16}, std::int64_t{32}}}};
  for (const auto& distribution : distributions) {
    const auto space = single(distribution);
    const std::size_t cells = cardinality(distribution);
    for (std::size_t i = 0; i < cells; ++i) {
      const ParamValue value = decode_one(space, (i + 0.5) / cells);
      EXPECT_EQ(decode_one(space, encode_one(space, value)), value) << to_string(value);
    }
    // Grid values written by hand (0.7, not 0.1 * 7) are found too.
    EXPECT_EQ(space.decode(space.encode({{"p", decode_one(space, 1.0)}})).at("p"),
              decode_one(space, 1.0));
  }
  const auto grid = single(FloatDistribution{0.0, 1.0, false, 0.1});
  EXPECT_EQ(decode_one(grid, encode_one(grid, 0.7)), ParamValue{0.7});
}

TEST(RoundTrip, NumbersMatchAcrossIntAndFloat) {
  const auto space = SearchSpace({{"i", IntDistribution{0, 10}, {}},
                                  {"f", FloatDistribution{0.0, 10.0}, {}},
                                  {"c", CategoricalDistribution{{std::int64_t{1}, std::int64_t{2}}}, {}}});
  const ParamMap written_as_json_might{{"i", 3.0}, {"f", std::int64_t{4}}, {"c", 2.0}};
  ASSERT_NO_THROW(space.check(written_as_json_might));
  const auto params = space.decode(space.encode(written_as_json_might));
  EXPECT_EQ(params.at("i"), ParamValue{std::int64_t{3}});
  EXPECT_EQ(params.at("f"), ParamValue{4.0});
  EXPECT_EQ(params.at("c"), ParamValue{std::int64_t{2}});
}

TEST(Decode, RefusesWrongSizeAndOutOfRangeCoordinates) {
  const auto space = nested_space();
  expect_input_error([&] { space.decode({0.5}); }, "has 1 coordinates but the search space has 4");
  expect_input_error([&] { space.decode({0.5, 0.5, 1.5, 0.5}); },
                     "parameter 'step_size' is 1.5, outside [0, 1]");
  expect_input_error([&] { space.decode({0.5, 0.5, NAN, 0.5}); }, "outside [0, 1]");
}

TEST(Check, RefusesMissingUnknownInactiveAndOutOfRangeValues) {
  const auto space = everything_space();
  ParamMap valid = space.decode(std::vector<double>(space.dimensions(), 0.1));
  ASSERT_NO_THROW(space.check(valid));

  auto without = valid;
  without.erase("lr");
  expect_input_error([&] { space.check(without); },
                     "parameter 'lr' is missing; give it a float in [1e-05, 0.1] on a log scale");
  auto unknown = valid;
  unknown["lrr"] = 0.1;
  expect_input_error([&] { space.check(unknown); }, "unknown parameter 'lrr' (did you mean 'lr'?); the search space has: x, lr");
  auto inactive = valid;  // opt is "adam" at u = 0.1
  inactive["momentum"] = 0.5;
  expect_input_error([&] { space.check(inactive); },
                     "parameter 'momentum' is inactive because 'opt' is not one of sgd, 2.5; remove it");

  const std::vector<std::pair<std::string, ParamValue>> bad_values{
      {"x", 1.5},
      {"x", std::string("0.5")},
      {"n", 2.5},
      {"n", true},
      {"k", std::int64_t{4}},
      {"dropout", 0.12},
      {"opt", std::string("rmsprop")},
      {"opt", std::int64_t{0}},
      {"kernel", std::int64_t{2}},
      {"epochs", std::int64_t{4}},
  };
  for (const auto& [name, value] : bad_values) {
    auto params = valid;
    params[name] = value;
    expect_input_error([&] { space.check(params); },
                       "parameter '" + name + "' = " + to_string(value) + " is outside its distribution; use ");
    expect_input_error([&] { space.encode(params); }, "is outside its distribution");
  }
}

}  // namespace
}  // namespace ecopt
