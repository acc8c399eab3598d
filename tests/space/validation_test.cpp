// Every kind of bad distribution and condition, and Optuna's adjustment of
// a high the step does not reach.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "ecopt/space/search_space.hpp"
#include "space_test_util.hpp"

namespace ecopt {
namespace {

using test::expect_input_error;

void build(Distribution distribution) {
  SearchSpace({Parameter{"p", std::move(distribution), std::nullopt}});
}

TEST(Validation, FloatBounds) {
  expect_input_error([] { build(FloatDistribution{5.0, 1.0}); },
                     "parameter 'p': low (5) is greater than high (1); swap them");
  expect_input_error([] { build(FloatDistribution{0.0, 1.0, true}); },
                     "parameter 'p': a log scale needs low > 0 (got low=0)");
  expect_input_error([] { build(FloatDistribution{-1.0, 1.0, true}); }, "needs low > 0");
  expect_input_error([] { build(FloatDistribution{0.0, std::numeric_limits<double>::infinity()}); },
                     "parameter 'p': low and high must be finite numbers");
  expect_input_error([] { build(FloatDistribution{NAN, 1.0}); }, "must be finite");
}

TEST(Validation, FloatStep) {
  expect_input_error([] { build(FloatDistribution{0.0, 1.0, false, 0.0}); },
                     "parameter 'p': step must be a positive number (got step=0)");
  expect_input_error([] { build(FloatDistribution{0.0, 1.0, false, -0.1}); },
                     "step must be a positive number");
  expect_input_error([] { build(FloatDistribution{0.1, 1.0, true, 0.1}); },
                     "parameter 'p': step cannot be used with a log scale");
}

TEST(Validation, IntBoundsAndStep) {
  expect_input_error([] { build(IntDistribution{10, 1}); },
                     "parameter 'p': low (10) is greater than high (1)");
  expect_input_error([] { build(IntDistribution{0, 10, true}); },
                     "parameter 'p': a log scale needs low >= 1 (got low=0)");
  expect_input_error([] { build(IntDistribution{1, 10, false, 0}); },
                     "parameter 'p': step must be positive (got step=0)");
  expect_input_error([] { build(IntDistribution{1, 10, false, -2}); }, "step must be positive");
  expect_input_error([] { build(IntDistribution{1, 10, true, 2}); },
                     "parameter 'p': a log scale needs step 1 (got step=2)");
  expect_input_error(
      [] { build(IntDistribution{std::numeric_limits<std::int64_t>::min(), 1}); },
      "too wide for 64-bit integers");
}

// Optuna 3.1 gives FloatDistribution(0, 0.99, step=0.1).high == 0.9 and
// IntDistribution(0, 10, step=3).high == 9, with a warning.
TEST(Validation, HighIsLoweredToTheLastGridValueWithAWarning) {
  const SearchSpace floats({{"f", FloatDistribution{0.0, 0.99, false, 0.1}, {}}});
  EXPECT_EQ(std::get<FloatDistribution>(floats.parameters()[0].distribution).high, 0.9);
  ASSERT_EQ(floats.warnings().size(), 1u);
  EXPECT_NE(floats.warnings()[0].find("parameter 'f': high 0.99"), std::string::npos);
  EXPECT_NE(floats.warnings()[0].find("using high 0.9"), std::string::npos);

  const SearchSpace ints({{"i", IntDistribution{0, 10, false, 3}, {}}});
  EXPECT_EQ(std::get<IntDistribution>(ints.parameters()[0].distribution).high, 9);
  ASSERT_EQ(ints.warnings().size(), 1u);
  EXPECT_NE(ints.warnings()[0].find("using high 9"), std::string::npos);

  // A high that binary rounding puts a hair off the grid is left alone.
  const SearchSpace exact({{"f", FloatDistribution{0.0, 0.3, false, 0.1}, {}}});
  EXPECT_EQ(std::get<FloatDistribution>(exact.parameters()[0].distribution).high, 0.3);
  EXPECT_TRUE(exact.warnings().empty());
  EXPECT_EQ(cardinality(exact.parameters()[0].distribution), 4u);
}

TEST(Validation, Choices) {
  expect_input_error([] { build(CategoricalDistribution{}); },
                     "parameter 'p': choices are empty; list at least one choice");
  expect_input_error([] { build(OrdinalDistribution{}); }, "choices are empty");
  expect_input_error([] { build(CategoricalDistribution{{1.0, NAN}}); },
                     "parameter 'p': choice nan is not a finite number");
  expect_input_error([] { build(FixedDistribution{INFINITY}); },
                     "parameter 'p': the fixed value inf is not a finite number");
}

TEST(Validation, Names) {
  expect_input_error(
      [] {
        SearchSpace({{"x", FloatDistribution{}, {}}, {"x", IntDistribution{}, {}}});
      },
      "parameter 'x' is declared twice");
  expect_input_error([] { SearchSpace({{"", FloatDistribution{}, {}}}); },
                     "a parameter has an empty name");
  // Issue 16: a NUL byte truncated names and choices where C strings meet them.
  expect_input_error([] { SearchSpace({{std::string("a\0b", 3), FloatDistribution{}, {}}}); },
                     "parameter 'a\\x00b': its name holds a NUL byte");
  expect_input_error(
      [] {
        SearchSpace({{"c", CategoricalDistribution{{std::string("a\0b", 3), std::string("a")}}, {}}});
      },
      "parameter 'c': choice 'a\\x00b' holds a NUL byte");
}

const Parameter kOpt{"opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}}, {}};

TEST(Validation, Conditions) {
  expect_input_error(
      [] {
        SearchSpace({kOpt, {"m", FloatDistribution{}, Condition{"optt", {std::string("sgd")}}}});
      },
      "parameter 'm': its condition names an unknown parent 'optt'");
  expect_input_error(
      [] {
        SearchSpace({{"m", FloatDistribution{}, Condition{"opt", {std::string("sgd")}}}, kOpt});
      },
      "parameter 'm': its condition's parent 'opt' is declared after it; declare 'opt' first");
  expect_input_error(
      [] { SearchSpace({{"m", FloatDistribution{}, Condition{"m", {0.5}}}}); },
      "parameter 'm': its condition names itself as parent");
  expect_input_error(
      [] {
        SearchSpace({kOpt, {"m", FloatDistribution{}, Condition{"opt", {std::string("rmsprop")}}}});
      },
      "parameter 'm': condition value rmsprop is not a value of 'opt'; use one of adam, sgd");
  expect_input_error(
      [] { SearchSpace({kOpt, {"m", FloatDistribution{}, Condition{"opt", {}}}}); },
      "parameter 'm': its condition on 'opt' lists no values");
  expect_input_error(
      [] {
        SearchSpace({{"n", IntDistribution{1, 4}, {}},
                     {"m", FloatDistribution{}, Condition{"n", {std::int64_t{5}}}}});
      },
      "condition value 5 is not a value of 'n'; use an integer in [1, 4]");
}

TEST(Validation, ValidSpacesAreAccepted) {
  EXPECT_NO_THROW(build(FloatDistribution{1.0, 1.0}));
  EXPECT_NO_THROW(build(FloatDistribution{1e-3, 1e-3, true}));
  EXPECT_NO_THROW(build(IntDistribution{5, 5}));
  EXPECT_NO_THROW(build(IntDistribution{1, 1, true}));
  EXPECT_NO_THROW(build(FixedDistribution{std::string("relu")}));
  const SearchSpace degenerate({{"p", FloatDistribution{2.0, 2.0}, {}}});
  EXPECT_EQ(degenerate.decode({0.3}).at("p"), ParamValue{2.0});
  EXPECT_EQ(degenerate.encode({{"p", 2.0}}).at(0), 0.5);
}

}  // namespace
}  // namespace ecopt
