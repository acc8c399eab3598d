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

TEST(StudySpec, MalformedJsonIsAnInputError) {
  EXPECT_THROW(study_spec_from_json(nlohmann::json::parse(R"({"name": "s"})")), InputError);
}

}  // namespace
}  // namespace ecopt
