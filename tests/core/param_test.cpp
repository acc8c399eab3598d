#include "ecopt/core/param.hpp"

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(ParamValue, JsonKeepsTypes) {
  const auto params = param_map_from_json(
      nlohmann::json::parse(R"({"b": true, "i": 3, "f": 0.5, "s": "adam"})"));
  EXPECT_TRUE(std::holds_alternative<bool>(params.at("b")));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(params.at("i")));
  EXPECT_TRUE(std::holds_alternative<double>(params.at("f")));
  EXPECT_TRUE(std::holds_alternative<std::string>(params.at("s")));
  EXPECT_EQ(to_json(params).dump(), R"({"b":true,"f":0.5,"i":3,"s":"adam"})");
}

TEST(ParamValue, RefusesNullArraysAndNonObjects) {
  EXPECT_THROW(param_value_from_json(nullptr), InputError);
  EXPECT_THROW(param_value_from_json(nlohmann::json::array({1})), InputError);
  EXPECT_THROW(param_map_from_json(nlohmann::json(3)), InputError);
}

TEST(ParamValue, NumericViews) {
  EXPECT_DOUBLE_EQ(as_double(ParamValue{true}), 1.0);
  EXPECT_DOUBLE_EQ(as_double(ParamValue{std::int64_t{7}}), 7.0);
  EXPECT_EQ(as_int(ParamValue{4.0}), 4);
  EXPECT_THROW(as_int(ParamValue{4.5}), InputError);
  EXPECT_THROW(as_int(ParamValue{1e300}), InputError);
  EXPECT_THROW(as_double(ParamValue{std::string("x")}), InputError);
  EXPECT_EQ(to_string(ParamValue{std::string("sgd")}), "sgd");
  EXPECT_EQ(to_string(ParamValue{std::int64_t{5}}), "5");
}

}  // namespace
}  // namespace ecopt
