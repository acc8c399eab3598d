// The one front: feasibility, reference rules, incremental = batch.
#include "ecopt/math/front.hpp"

#include <random>

#include <gtest/gtest.h>

namespace ecopt {
namespace {

StudySpec two_objectives(Direction first = Direction::Minimize) {
  StudySpec spec;
  spec.name = "front";
  spec.objectives = {{"a", first, std::nullopt}, {"b", Direction::Minimize, std::nullopt}};
  return spec;
}

Trial complete(std::int64_t number, std::vector<double> values, nlohmann::json attrs = {}) {
  Trial trial;
  trial.number = number;
  trial.state = TrialState::Complete;
  trial.values = std::move(values);
  trial.user_attrs = attrs.is_null() ? nlohmann::json::object() : attrs;
  return trial;
}

TEST(StudyFront, ReferenceIsTheWorstFeasibleValuePushedOutByATenthOfTheRange) {
  const StudySpec spec = two_objectives();
  const std::vector<Trial> trials = {complete(0, {1, 3}), complete(1, {2, 2}), complete(2, {3, 1})};
  const StudyFront front = front_of(trials, spec);
  EXPECT_EQ(front.reference().values(spec), (std::vector<double>{3.2, 3.2}));
  // Slabs by hand: (1,3) adds 2.2 x 0.2, (2,2) 1.0 x 1.2 more, (3,1) 1.0 x 0.2 more.
  const double expected = 0.2 * 2.2 + 1.0 * 1.2 + 1.0 * 0.2;
  EXPECT_NEAR(front.hypervolume(), expected, 1e-12);
  EXPECT_EQ(front.member_numbers(), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(StudyFront, ThresholdsWinPerObjectiveAndKeepTheirSign) {
  StudySpec spec = two_objectives(Direction::Maximize);
  spec.objectives[0].threshold = 0.5;
  const std::vector<Trial> trials = {complete(0, {0.9, 2.0}), complete(1, {0.7, 1.0})};
  const ReferencePoint reference = front_of(trials, spec).reference();
  EXPECT_EQ(reference.values(spec)[0], 0.5);
  EXPECT_NEAR(reference.values(spec)[1], 2.1, 1e-12);
  EXPECT_EQ(reference.from_threshold, (std::vector<bool>{true, false}));
  EXPECT_EQ(reference.describe(spec), "a 0.5 (threshold), b 2.1 (worst feasible + 10% of range)");
}

TEST(StudyFront, ANonNegativeMaximisedObjectiveKeepsAReferenceOfZero) {
  StudySpec spec;
  spec.name = "wide range";
  spec.objectives = {{"samples_per_j", Direction::Maximize, std::nullopt}};
  const StudyFront front = front_of({complete(0, {1.0}), complete(1, {100.0})}, spec);
  EXPECT_DOUBLE_EQ(front.reference().values(spec)[0], 0.0);  // not 1 − 9.9
  EXPECT_DOUBLE_EQ(front.hypervolume(), 100.0);  // A negated zero: printed as 0 everywhere the reference is named.
  // Issue 23: the label named the rule the 0 did not come from.
  EXPECT_EQ(front.reference().describe(spec), "samples_per_j 0 (held at 0: never negative)");
  // Where the rule gives a value above 0, the label names the rule.
  const StudyFront narrow = front_of({complete(0, {50.0}), complete(1, {100.0})}, spec);
  EXPECT_EQ(narrow.reference().describe(spec), "samples_per_j 45 (worst feasible + 10% of range)");
  EXPECT_EQ(front.reference().coordinates(spec), "(0)");
}

TEST(StudyFront, TrialsThatBreakAConstraintNeverJoinNorSetTheReference) {
  StudySpec spec = two_objectives();
  spec.constraints = {{"f0", Comparison::LessEqual, 0.3}};
  const std::vector<Trial> trials = {
      complete(0, {0.2, 0.9}, {{"f0", 0.2}}),
      complete(1, {0.1, 0.1}, {{"f0", 0.1}}),
      complete(2, {0.0, 0.0}, {{"f0", 0.9}}),    // dominates all, but infeasible
      complete(3, {5.0, 5.0}, {{"f0", 0.25}}),   // feasible, dominated: widens the reference
      complete(4, {0.05, 0.05}),                 // lacks the constrained metric
  };
  const StudyFront front = front_of(trials, spec);
  EXPECT_EQ(front.member_numbers(), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(front.feasible_count(), 3u);
  EXPECT_FALSE(is_feasible(trials[2], spec));
  EXPECT_FALSE(is_feasible(trials[4], spec));
  EXPECT_NEAR(front.reference().values(spec)[0], 5.0 + 0.49, 1e-12);
}

TEST(StudyFront, FailedPrunedAndNonFiniteTrialsDoNotCount) {
  const StudySpec spec = two_objectives();
  Trial failed = complete(1, {0.0, 0.0});
  failed.state = TrialState::Failed;
  Trial pruned = complete(2, {0.0, 0.0});
  pruned.state = TrialState::Pruned;
  const StudyFront front = front_of({complete(0, {1, 1}), failed, pruned, complete(3, {NAN, 0})}, spec);
  EXPECT_EQ(front.member_numbers(), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(front.feasible_count(), 1u);
}

TEST(StudyFront, EqualPointsAreAllMembersInTrialOrder) {
  const StudyFront front = front_of({complete(5, {1, 1}), complete(2, {1, 1})}, two_objectives());
  EXPECT_EQ(front.member_numbers(), (std::vector<std::int64_t>{2, 5}));
  EXPECT_TRUE(front.contains(5));
  EXPECT_FALSE(front.contains(3));
}

TEST(StudyFront, NothingFeasibleSaysSoAndHasNoVolume) {
  const StudyFront front(two_objectives());
  EXPECT_EQ(front.hypervolume(), 0.0);
  EXPECT_EQ(front.describe_hypervolume(), "hypervolume 0 (no feasible complete trial yet)");
}

TEST(StudyFront, IncrementalAddsGiveTheBatchFiguresAfterEveryTrial) {
  StudySpec spec = two_objectives(Direction::Maximize);
  spec.objectives.push_back({"c", Direction::Minimize, 2.0});
  std::mt19937 random(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Trial> trials;
  StudyFront incremental(spec);
  for (std::int64_t n = 0; n < 60; ++n) {
    trials.push_back(complete(n, {uniform(random), uniform(random), 2.0 * uniform(random)}));
    incremental.add(trials.back());
    const StudyFront batch = front_of(trials, spec);
    ASSERT_EQ(incremental.member_numbers(), batch.member_numbers()) << "after trial " << n;
    ASSERT_DOUBLE_EQ(incremental.hypervolume(), batch.hypervolume()) << "after trial " << n;
  }
  const auto history = hypervolume_history(trials, spec);
  EXPECT_DOUBLE_EQ(history.hypervolume.back(), incremental.hypervolume());
  EXPECT_TRUE(std::is_sorted(history.hypervolume.begin(), history.hypervolume.end()));
}

TEST(ReferencePoint, FrontNadirIsAxsRule) {
  StudySpec spec = two_objectives(Direction::Maximize);
  // Minimisation form: front (-0.9, 3), (-0.8, 2), (-0.6, 1); (-0.5, 4) is dominated.
  const std::vector<Point> points = {{-0.9, 3}, {-0.8, 2}, {-0.6, 1}, {-0.5, 4}};
  const Point nadir = reference_point(spec, points, ReferenceRule::FrontNadir).minimization;
  EXPECT_NEAR(nadir[0], -0.6 + 0.1 * 0.3, 1e-12);
  EXPECT_NEAR(nadir[1], 3.0 + 0.1 * 2.0, 1e-12);
  // Observed worst counts the dominated point too.
  const Point observed = reference_point(spec, points, ReferenceRule::ObservedWorst).minimization;
  EXPECT_NEAR(observed[0], -0.5 + 0.1 * 0.4, 1e-12);
  EXPECT_NEAR(observed[1], 4.0 + 0.1 * 3.0, 1e-12);
}

TEST(ReferencePoint, FrontNadirOfOnePointUsesTheSpreadOfAllValues) {
  const std::vector<Point> points = {{-0.9, 1}, {-0.5, 3}};
  const Point reference =
      reference_point(two_objectives(Direction::Maximize), points, ReferenceRule::FrontNadir).minimization;
  EXPECT_NEAR(reference[0], -0.9 + 0.04, 1e-12);
  EXPECT_NEAR(reference[1], 1.0 + 0.2, 1e-12);
}

TEST(ReferencePoint, FrontNadirUsesThresholdsInMinimisationForm) {
  StudySpec spec = two_objectives(Direction::Maximize);
  spec.objectives[0].threshold = 0.7;
  const Point reference =
      reference_point(spec, {{-0.9, 3}, {-0.6, 1}}, ReferenceRule::FrontNadir).minimization;
  EXPECT_DOUBLE_EQ(reference[0], -0.7);
  EXPECT_NEAR(reference[1], 3.2, 1e-12);
}

}  // namespace
}  // namespace ecopt
