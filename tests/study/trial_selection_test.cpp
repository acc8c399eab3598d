// Choosing among a front with limits and one named rule
// (study/trial_selection.hpp), on a front whose answers are worked out by
// hand in the comments.
#include "ecopt/study/trial_selection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StudySpec accuracy_and_energy() {
  StudySpec spec;
  spec.name = "choose";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt}, {"energy_j", Direction::Minimize, std::nullopt}};
  return spec;
}

Trial complete(std::int64_t number, double accuracy, double energy_j, double latency_s) {
  Trial trial;
  trial.number = number;
  trial.state = TrialState::Complete;
  trial.values = {accuracy, energy_j};
  trial.user_attrs = {{"latency_s", latency_s}};
  return trial;
}

// The front is 0, 1, 2, 3; trial 4 (0.88, 5 J) is dominated by trial 1
// (0.90, 4 J) alone, which is the only slow one.
const std::vector<Trial> kTrials = {complete(0, 0.95, 10.0, 0.5), complete(1, 0.90, 4.0, 2.0),
                                    complete(2, 0.85, 2.0, 0.5), complete(3, 0.70, 1.0, 0.5),
                                    complete(4, 0.88, 5.0, 0.5)};

std::vector<std::int64_t> numbers(const std::vector<Trial>& trials) {
  std::vector<std::int64_t> out;
  for (const auto& trial : trials) out.push_back(trial.number);
  return out;
}

std::int64_t picked(const std::string& where, const std::string& pick) {
  const auto selection = select_trials(kTrials, accuracy_and_energy(), parse_limits(where), parse_pick(pick));
  return selection.picked ? selection.picked->number : -1;
}

TEST(TrialSelection, LimitsKeepTheFrontOfTheTrialsWithinThem) {
  const auto spec = accuracy_and_energy();
  EXPECT_THAT(numbers(select_trials(kTrials, spec, parse_limits("accuracy>=0.85"), {}).candidates),
              ElementsAre(0, 1, 2));
  // Without the slow trial 1, trial 4 is on the front of what is left.
  EXPECT_THAT(numbers(select_trials(kTrials, spec, parse_limits("latency_s<1"), {}).candidates),
              ElementsAre(0, 2, 3, 4));
  EXPECT_TRUE(select_trials(kTrials, spec, parse_limits("accuracy>0.99"), {}).candidates.empty());
}

TEST(TrialSelection, EachRulePicksAndNamesItself) {
  EXPECT_EQ(picked("accuracy>=0.85", "min:energy_j"), 2);
  EXPECT_EQ(picked("accuracy>=0.85", "max:accuracy"), 0);
  // Scaled over 0, 1, 2: accuracy (0, 0.5, 1) and energy (1, 0.25, 0) from
  // the best; squared distances to the ideal 1, 0.3125, 1.
  EXPECT_EQ(picked("accuracy>=0.85", "knee"), 1);
  EXPECT_EQ(picked("accuracy>=0.85", "weighted:1,0"), 0);
  EXPECT_EQ(picked("accuracy>=0.85", "weighted:0,1"), 2);
  EXPECT_EQ(picked("accuracy>0.99", "knee"), -1);
  const auto selection = select_trials(kTrials, accuracy_and_energy(), {}, parse_pick("weighted:0.7,0.3"));
  EXPECT_EQ(selection.rule,
            "least weighted sum 0.7 × accuracy + 0.3 × energy_j, each objective scaled to [0, 1] over "
            "the candidates (0 its best)");
}

TEST(TrialSelection, BadLimitsRulesAndNamesAreOneLineErrors) {
  const auto message = [](auto call) {
    try {
      call();
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message([] { parse_limits("accuracy=0.9"); }), HasSubstr("'accuracy=0.9' is not a limit"));
  EXPECT_THAT(message([] { parse_limits("accuracy>=nan"); }), HasSubstr("'nan' is not a finite decimal number"));
  EXPECT_THAT(message([] { parse_limits(">=0.9"); }), HasSubstr("is not a limit"));
  EXPECT_THAT(message([] { parse_pick("best"); }), HasSubstr("'best' is not a rule"));
  EXPECT_THAT(message([] { picked("acuracy>=0.9", "knee"); }),
              HasSubstr("no objective or trial metric is named 'acuracy'; the objectives are accuracy, energy_j"));
  EXPECT_THAT(message([] { picked("", "weighted:1,-1"); }), HasSubstr("give 2 weights of 0 or more"));
}

}  // namespace
}  // namespace ecopt
