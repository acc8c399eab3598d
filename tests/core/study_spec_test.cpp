#include "ecopt/core/study_spec.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(StudySpec, ObjectivesFromDirections) {
  const auto objectives = objectives_from_directions("maximize, minimize");
  ASSERT_EQ(objectives.size(), 2u);
  EXPECT_EQ(objectives[0].name, "objective_0");
  EXPECT_EQ(objectives[0].direction, Direction::Maximize);
  EXPECT_EQ(objectives[1].direction, Direction::Minimize);
  EXPECT_THROW(objectives_from_directions("maximize,upward"), InputError);
  EXPECT_THROW(objectives_from_directions(""), InputError);
}

TEST(StudySpec, JsonRoundTrip) {
  StudySpec spec{"s", {{"accuracy", Direction::Maximize, 0.8}, {"j", Direction::Minimize, {}}},
                 {{"latency_s", Comparison::LessEqual, 0.1}}};
  const auto back = study_spec_from_json(to_json(spec));
  EXPECT_EQ(back.name, "s");
  ASSERT_EQ(back.objectives.size(), 2u);
  EXPECT_EQ(back.objectives[0].threshold, 0.8);
  EXPECT_FALSE(back.objectives[1].threshold.has_value());
  ASSERT_EQ(back.constraints.size(), 1u);
  EXPECT_EQ(back.constraints[0].comparison, Comparison::LessEqual);
  EXPECT_DOUBLE_EQ(back.constraints[0].violation(0.3), 0.2);
}

TEST(StudySpec, ValidateRefusesUnusableSpecs) {
  EXPECT_THROW((StudySpec{"", {{"a", Direction::Minimize, {}}}, {}}.validate()), InputError);
  EXPECT_THROW((StudySpec{"s", {}, {}}.validate()), InputError);
  EXPECT_THROW((StudySpec{"s", {{"a", Direction::Minimize, {}}, {"a", Direction::Maximize, {}}}, {}}
                    .validate()),
               InputError);
  EXPECT_THROW((StudySpec{"s", {{"a", Direction::Minimize, NAN}}, {}}.validate()), InputError);
  EXPECT_NO_THROW((StudySpec{"s", {{"a", Direction::Minimize, 1.0}}, {}}.validate()));
}

Objective objective(std::string name, Direction direction) {
  Objective result;
  result.name = std::move(name);
  result.direction = direction;
  return result;
}

TEST(StudyDefinition, RolesAreInferredFromUnitTokensWhereNoneIsDeclared) {
  // energy_mj (minimised) beside accuracy was once taken as the quality objective.
  StudySpec spec;
  spec.name = "s";
  spec.objectives = {objective("energy_mj", Direction::Minimize), objective("accuracy", Direction::Maximize)};
  EXPECT_EQ(objective_role(spec.objectives[0]).role, ObjectiveRole::Energy);
  EXPECT_TRUE(objective_role(spec.objectives[0]).inferred);
  EXPECT_EQ(spec.quality_objective(), 1u);
  EXPECT_EQ(spec.energy_objective(), 0u);
  EXPECT_EQ(objective_role(objective("latency_ms", Direction::Minimize)).role, ObjectiveRole::Cost);
  EXPECT_EQ(objective_role(objective("inference_samples_per_j", Direction::Maximize)).role,
            ObjectiveRole::Energy);
}

TEST(StudyDefinition, DeclaredRolesWinOverNames) {
  StudySpec spec;
  spec.name = "s";
  spec.objectives = {objective("score_j", Direction::Maximize), objective("f1", Direction::Minimize)};
  spec.objectives[0].role = ObjectiveRole::Quality;  // a quality score whose name happens to end in _j
  spec.objectives[1].role = ObjectiveRole::Energy;
  EXPECT_EQ(spec.quality_objective(), 0u);
  EXPECT_EQ(spec.energy_objective(), 1u);
  EXPECT_FALSE(objective_role(spec.objectives[0]).inferred);
  EXPECT_THROW(parse_objective_role("speed"), InputError);
}

TEST(StudyDefinition, RoundTripsEveryFieldAndKeepsTheSpaceOrder) {
  StudySpec spec;
  spec.name = "s";
  spec.objectives = {objective("accuracy", Direction::Maximize), objective("energy", Direction::Minimize)};
  spec.objectives[0].role = ObjectiveRole::Quality;
  spec.objectives[0].unit = "fraction";
  spec.objectives[1].noisy = true;
  spec.constraints = {{"latency_s", Comparison::LessEqual, 0.1}};
  spec.search_space = nlohmann::ordered_json::parse(R"({"zeta": {"type": "float", "low": 0, "high": 1},
                                                        "alpha": {"type": "int", "low": 1, "high": 4}})");
  const auto json = to_json(spec);
  EXPECT_EQ(json.at("version"), kStudyDefinitionVersion);
  const StudySpec back = study_spec_from_json(nlohmann::json::parse(json.dump()));
  EXPECT_EQ(back, spec);
  EXPECT_EQ(back.search_space.begin().key(), "zeta");
  EXPECT_EQ(back.noisy(), true);
}

TEST(StudyDefinition, AVersion1DefinitionReadsAsBefore) {
  const auto old = nlohmann::json::parse(
      R"({"name": "s", "objectives": [{"name": "f0", "direction": "minimize"}], "constraints": []})");
  const StudySpec spec = study_spec_from_json(old);
  EXPECT_TRUE(spec.search_space.is_null());
  EXPECT_FALSE(spec.objectives[0].role);
  EXPECT_FALSE(spec.noisy());
}

// Issue 26: a resumed study keeps its budget. It is stored with the
// definition, and a definition without one (version 2) reads as before.
TEST(StudyDefinition, TheBudgetIsStoredAndALaterDeclarationReplacesOnlyTheLimitsItSets) {
  StudySpec stored;
  stored.name = "s";
  stored.objectives = {objective("f0", Direction::Minimize)};
  EXPECT_FALSE(to_json(stored).contains("budget"));
  stored.budget.energy_kwh = 0.5;
  stored.budget.wall_time_s = 7200;
  stored = study_spec_from_json(nlohmann::json::parse(to_json(stored).dump()));
  EXPECT_EQ(stored.budget.energy_kwh, 0.5);
  EXPECT_EQ(stored.budget.wall_time_s, 7200);

  StudySpec given = stored;
  given.budget = {};
  given.budget.energy_kwh = 2.0;
  given.budget.hypervolume_window = 4;
  const StudySpec declared = with_declarations(stored, given);
  EXPECT_EQ(declared.budget.energy_kwh, 2.0);
  EXPECT_EQ(declared.budget.wall_time_s, 7200);
  EXPECT_EQ(declared.budget.hypervolume_window, 4);
  EXPECT_FALSE(declared.budget.carbon_kg);
  EXPECT_EQ(definition_change(stored, given), "") << "a budget does not change the question";
}

TEST(StudyDefinition, AChangeOfQuestionIsNamedInOneLine) {
  StudySpec stored;
  stored.name = "s";
  stored.objectives = {objective("f0", Direction::Minimize)};
  StudySpec given = stored;
  EXPECT_EQ(definition_change(stored, given), "");
  given.constraints = {{"f0", Comparison::LessEqual, 0.25}};
  EXPECT_EQ(definition_change(stored, given), "constraints none were stored, not f0 <= 0.25");
  given = stored;
  given.objectives[0].threshold = 2.0;
  EXPECT_EQ(definition_change(stored, given),
            "objectives f0 (minimize) were stored, not f0 (minimize, threshold 2)");
  // Roles and units change how figures read, not the question: declared onto the stored one.
  given = stored;
  given.objectives[0].role = ObjectiveRole::Cost;
  EXPECT_EQ(definition_change(stored, given), "");
  EXPECT_EQ(with_declarations(stored, given).objectives[0].role, ObjectiveRole::Cost);
}

TEST(StudySpec, MalformedJsonIsAnInputError) {
  EXPECT_THROW(study_spec_from_json(nlohmann::json::parse(R"({"name": "s"})")), InputError);
}

}  // namespace
}  // namespace ecopt
