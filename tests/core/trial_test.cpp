#include "ecopt/core/trial.hpp"

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(TrialState, ParsesOptunaSpellings) {
  EXPECT_EQ(parse_trial_state("COMPLETE"), TrialState::Complete);
  EXPECT_EQ(parse_trial_state("fail"), TrialState::Failed);
  EXPECT_EQ(parse_trial_state("Pruned"), TrialState::Pruned);
  EXPECT_THROW(parse_trial_state("done"), InputError);
  EXPECT_FALSE(is_finished(TrialState::Running));
}

TEST(Time, FormatAndParseRoundTripToTheMillisecond) {
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(parse_time(format_time(now)), now);
  EXPECT_EQ(format_time(Clock::from_time_t(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_THROW(parse_time("yesterday"), InputError);
}

TEST(Trial, JsonRoundTripAndMetrics) {
  Trial trial;
  trial.id = 4;
  trial.number = 2;
  trial.state = TrialState::Failed;
  trial.params = {{"lr", 0.01}, {"opt", std::string("adam")}};
  trial.user_attrs = {{"accuracy", 0.9}, {"energy_source", "estimate-cpu-time"}};
  trial.fail_reason = "boom";
  trial.started_at = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  const auto back = trial_from_json(to_json(trial));
  EXPECT_EQ(back.number, 2);
  EXPECT_EQ(back.state, TrialState::Failed);
  EXPECT_EQ(back.fail_reason, "boom");
  EXPECT_EQ(back.params, trial.params);
  EXPECT_EQ(back.started_at, trial.started_at);
  EXPECT_FALSE(back.finished_at.has_value());
  EXPECT_EQ(back.metric("accuracy"), 0.9);
  EXPECT_FALSE(back.metric("energy_source").has_value());
  EXPECT_FALSE(back.metric("absent").has_value());
}

}  // namespace
}  // namespace ecopt
