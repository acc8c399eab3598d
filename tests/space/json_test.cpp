// Optuna's distribution JSON (as Optuna 3.1 writes it), its legacy names,
// ECOpt's extensions and the compact study-file form.
#include <string>

#include <gtest/gtest.h>

#include "ecopt/space/search_space.hpp"
#include "space_test_util.hpp"

namespace ecopt {
namespace {

using test::expect_input_error;

// Printed by Optuna 3.1.0:
//   json.dumps({name: json.loads(distribution_to_json(d)) for name, d in ...})
// with FloatDistribution(0, 1), FloatDistribution(1e-5, 1e-1, log=True),
// FloatDistribution(0, 0.5, step=0.1), IntDistribution(1, 10),
// IntDistribution(1, 128, log=True), IntDistribution(0, 10, step=2),
// CategoricalDistribution(["adam", "sgd"]) and ([1, 2.5, True, "relu"]).
constexpr const char* kOptunaJson = R"({"x": {"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 1.0, "log": false}}, "lr": {"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 0.1, "log": true}}, "dropout": {"name": "FloatDistribution", "attributes": {"step": 0.1, "low": 0.0, "high": 0.5, "log": false}}, "n": {"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 10}}, "width": {"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 1, "high": 128}}, "k": {"name": "IntDistribution", "attributes": {"log": false, "step": 2, "low": 0, "high": 10}}, "opt": {"name": "CategoricalDistribution", "attributes": {"choices": ["adam", "sgd"]}}, "mixed": {"name": "CategoricalDistribution", "attributes": {"choices": [1, 2.5, true, "relu"]}}})";

// Optuna 3.1.0's distribution_to_json for UniformDistribution(0, 1),
// LogUniformDistribution(1e-3, 1), DiscreteUniformDistribution(0, 1, 0.25),
// IntUniformDistribution(0, 9, step=3) and IntLogUniformDistribution(1, 64).
constexpr const char* kOptunaLegacyJson = R"({"u": {"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}, "lu": {"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}, "du": {"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}, "iu": {"name": "IntUniformDistribution", "attributes": {"step": 3, "low": 0, "high": 9}}, "ilu": {"name": "IntLogUniformDistribution", "attributes": {"step": 1, "low": 1, "high": 64}}})";

std::string s(const char* text) { return text; }
ParamValue i(std::int64_t value) { return value; }

SearchSpace optuna_space() {
  return SearchSpace({
      {"x", FloatDistribution{0.0, 1.0}, {}},
      {"lr", FloatDistribution{1e-5, 0.1, true}, {}},
      {"dropout", FloatDistribution{0.0, 0.5, false, 0.1}, {}},
      {"n", IntDistribution{1, 10}, {}},
      {"width", IntDistribution{1, 128, true}, {}},
      {"k", IntDistribution{0, 10, false, 2}, {}},
      {"opt", CategoricalDistribution{{s("adam"), s("sgd")}}, {}},
      {"mixed", CategoricalDistribution{{i(1), 2.5, true, s("relu")}}, {}},
  });
}

std::vector<std::string> names(const SearchSpace& space) {
  std::vector<std::string> names;
  for (const auto& parameter : space.parameters()) names.push_back(parameter.name);
  return names;
}

TEST(OptunaJson, ReadsWhatOptunaWritesInOrder) {
  const SearchSpace space = search_space_from_json_text(kOptunaJson);
  EXPECT_EQ(space, optuna_space());
  EXPECT_EQ(names(space), names(optuna_space()));
  // Choice types survive: 1 stays an int, true a bool.
  const auto& mixed = std::get<CategoricalDistribution>(space.find("mixed")->distribution);
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(mixed.choices[0]));
  EXPECT_TRUE(std::holds_alternative<bool>(mixed.choices[2]));
}

TEST(OptunaJson, WritesWhatOptunaWrites) {
  const auto written = nlohmann::json(to_ordered_json(optuna_space()));
  EXPECT_EQ(written, nlohmann::json::parse(kOptunaJson)) << written.dump();
  EXPECT_EQ(to_json(optuna_space()), written);
}

TEST(OptunaJson, ReadsLegacyNames) {
  const SearchSpace expected({
      {"u", FloatDistribution{0.0, 1.0}, {}},
      {"lu", FloatDistribution{1e-3, 1.0, true}, {}},
      {"du", FloatDistribution{0.0, 1.0, false, 0.25}, {}},
      {"iu", IntDistribution{0, 9, false, 3}, {}},
      {"ilu", IntDistribution{1, 64, true}, {}},
  });
  EXPECT_EQ(search_space_from_json_text(kOptunaLegacyJson), expected);
}

SearchSpace extended_space() {
  return SearchSpace({
      {"opt", CategoricalDistribution{{s("adam"), s("sgd")}}, {}},
      {"kernel", OrdinalDistribution{{i(1), i(3), i(5)}}, {}},
      {"momentum", FloatDistribution{0.0, 0.99}, Condition{"opt", {s("sgd")}}},
      {"nesterov", CategoricalDistribution{{true, false}}, Condition{"momentum", {0.9}}},
      {"epochs", FixedDistribution{i(3)}, {}},
      {"act", FixedDistribution{s("relu")}, {}},
  });
}

TEST(ExtendedJson, RoundTripsInOrder) {
  const auto json = to_ordered_json(extended_space());
  EXPECT_EQ(json["kernel"]["name"], "OrdinalDistribution");
  EXPECT_EQ(json["epochs"]["attributes"]["value"], 3);
  EXPECT_EQ(json["momentum"]["condition"]["parent"], "opt");
  EXPECT_EQ(json["momentum"]["condition"]["values"], nlohmann::ordered_json::array({"sgd"}));

  EXPECT_EQ(search_space_from_json(json), extended_space());
  EXPECT_EQ(names(search_space_from_json(json)), names(extended_space()));
  EXPECT_EQ(search_space_from_json_text(json.dump()), extended_space());
}

TEST(ExtendedJson, SortedJsonPutsParentsBeforeChildren) {
  // nlohmann::json sorts keys: "act" < "epochs" < "kernel" < "momentum" <
  // "nesterov" < "opt", so momentum would precede its parent.
  const SearchSpace space = search_space_from_json(to_json(extended_space()));
  EXPECT_EQ(names(space),
            (std::vector<std::string>{"act", "epochs", "kernel", "opt", "momentum", "nesterov"}));
  EXPECT_EQ(space.find("momentum")->condition, extended_space().find("momentum")->condition);
}

TEST(CompactJson, ReadsTheStudyFileForm) {
  const SearchSpace space = search_space_from_json_text(R"({
    "width": {"type": "int", "low": 1, "high": 128, "log": true},
    "kernel": {"type": "ordinal", "choices": [1, 3, 5, 7, 9]},
    "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
    "momentum": {"type": "float", "low": 0, "high": 0.99,
                 "condition": {"parent": "opt", "values": ["sgd"]}},
    "lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": true},
    "batch": {"type": "int", "low": 16, "high": 256, "step": 16},
    "epochs": {"type": "fixed", "value": 3}})");
  const SearchSpace expected({
      {"width", IntDistribution{1, 128, true}, {}},
      {"kernel", OrdinalDistribution{{i(1), i(3), i(5), i(7), i(9)}}, {}},
      {"opt", CategoricalDistribution{{s("adam"), s("sgd")}}, {}},
      {"momentum", FloatDistribution{0.0, 0.99}, Condition{"opt", {s("sgd")}}},
      {"lr", FloatDistribution{1e-4, 0.1, true}, {}},
      {"batch", IntDistribution{16, 256, false, 16}, {}},
      {"epochs", FixedDistribution{i(3)}, {}},
  });
  EXPECT_EQ(space, expected);
  EXPECT_EQ(names(space), names(expected));
  EXPECT_EQ(space.dimensions(), 6u);
}

TEST(BadJson, RefusesEachMistakeWithOneLineNamingTheParameter) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"x": {"name": "FloatDist", "attributes": {"low": 0, "high": 1}}})",
       R"(parameter 'x': unknown distribution "FloatDist"; use one of FloatDistribution, IntDistribution)"},
      {R"({"x": {"type": "flt", "low": 0, "high": 1}})",
       R"(parameter 'x': unknown type "flt"; use one of float, int, categorical, ordinal, fixed)"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": "0", "high": 1}}})",
       R"(parameter 'x': attribute 'low' must be a number, got string "0")"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "log": "yes"}}})",
       R"(parameter 'x': attribute 'log' must be true or false, got string "yes")"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "step": "0.1"}}})",
       "attribute 'step' must be a number"},
      {R"({"n": {"name": "IntDistribution", "attributes": {"low": 1.5, "high": 10}}})",
       "parameter 'n': attribute 'low' must be a whole number, got number 1.5"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"lo": 0, "high": 1}}})",
       "parameter 'x': FloatDistribution has no attribute 'lo' (did you mean 'log'?); use high, log, low, step"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0}}})",
       "parameter 'x': FloatDistribution needs the attribute 'high'"},
      {R"({"x": {"type": "float", "low": 0}})",
       R"(parameter 'x': type "float" needs the attribute 'high')"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 2, "high": 1}}})",
       "parameter 'x': low (2) is greater than high (1)"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "log": true}}})",
       "parameter 'x': a log scale needs low > 0"},
      {R"({"c": {"name": "CategoricalDistribution", "attributes": {"choices": []}}})",
       "parameter 'c': choices are empty"},
      {R"({"c": {"name": "CategoricalDistribution", "attributes": {"choices": ["a", null]}}})",
       R"(parameter 'c': a choice is null; null values are not supported, use a string such as "none")"},
      {R"({"c": {"name": "CategoricalDistribution", "attributes": {"choices": [[1, 2]]}}})",
       "parameter 'c': a choice must be a bool, number or string, got array [1,2]"},
      {R"({"c": {"name": "CategoricalDistribution", "attributes": {"choices": "adam"}}})",
       "parameter 'c': attribute 'choices' must be an array"},
      {R"({"f": {"type": "fixed", "value": null}})", "parameter 'f': 'value' is null"},
      {R"({"x": {"name": "FloatDistribution", "attributes": [0, 1]}})",
       "parameter 'x': attributes must be an object"},
      {R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}, "extra": 1}})",
       "parameter 'x': unexpected key 'extra'"},
      {R"({"x": [0, 1]})", R"(parameter 'x': expected an object with "name" (Optuna's form) or "type")"},
      {R"({"x": {"type": "float", "low": 0, "high": 1, "condition": "opt"}})",
       R"(parameter 'x': condition must look like {"parent": "name", "values": [...]})"},
      {R"({"x": {"type": "float", "low": 0, "high": 1, "condition": {"parent": "opt", "values": ["sgd"]}}})",
       "parameter 'x': its condition names an unknown parent 'opt'"},
      {R"({"o": {"type": "categorical", "choices": ["adam"]}, "x": {"type": "float", "low": 0, "high": 1, "condition": {"parent": "o", "values": [null]}}})",
       "parameter 'x': a condition value is null"},
      {R"({"o": {"type": "categorical", "choices": ["adam"]}, "x": {"type": "float", "low": 0, "high": 1, "condition": {"parent": "o", "values": ["sgd"]}}})",
       "parameter 'x': condition value sgd is not a value of 'o'; use one of adam"},
      {R"({"x": {"type": "int", "low": 0, "high": 1}, "x": {"type": "int", "low": 0, "high": 1}})",
       "parameter 'x' is declared twice"},
      {R"([1, 2])", "a search space must be a JSON object"},
      {R"({"x": {"type": "float", "low": 0, "high": 1})", "the search space is not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    expect_input_error([&] { search_space_from_json_text(text); }, expected);
  }
}

TEST(BadJson, SortedOverloadReportsUnknownParents) {
  const auto json = nlohmann::json::parse(
      R"({"a": {"type": "float", "low": 0, "high": 1, "condition": {"parent": "b", "values": [1]}},
          "c": {"type": "float", "low": 0, "high": 1, "condition": {"parent": "a", "values": [0.5]}}})");
  expect_input_error([&] { search_space_from_json(json); }, "unknown parent 'b'");
}

}  // namespace
}  // namespace ecopt
