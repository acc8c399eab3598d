#include "ecopt/tasks/test_problem_task.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/tasks/task.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

struct Harness {
  std::atomic<bool> stop{false};
  EnergyMonitor monitor{std::vector<std::unique_ptr<Meter>>{}};

  TaskOutcome run(Task& task, const ParamMap& params) {
    TaskContext context{params, 0, monitor, stop, {}, {}};
    return task.run(context);
  }
};

ParamMap variables(const std::vector<double>& x) {
  ParamMap params;
  for (std::size_t i = 0; i < x.size(); ++i) params["x" + std::to_string(i)] = x[i];
  return params;
}

TEST(TestProblemTask, Zdt1ValuesAtKnownPoints) {
  auto task = make_task({{"kind", "test-problem"}, {"problem", "zdt1"}, {"n_vars", 3}});
  Harness harness;
  // On the front (x1.. = 0): f0 = x0, f1 = 1 - sqrt(x0).
  auto metrics = harness.run(*task, variables({0.25, 0.0, 0.0})).metrics;
  EXPECT_DOUBLE_EQ(metrics["f0"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(metrics["f1"].get<double>(), 0.5);
  EXPECT_EQ(metrics["problem"], "zdt1");
  // Off the front: g = 1 + 9·mean(x1, x2) = 1 + 9·0.5 = 5.5; f1 = g·(1 - sqrt(f0/g)).
  metrics = harness.run(*task, variables({0.25, 0.5, 0.5})).metrics;
  EXPECT_NEAR(metrics["f1"].get<double>(), 5.5 * (1.0 - std::sqrt(0.25 / 5.5)), 1e-12);
}

TEST(TestProblemTask, Dtlz2HasThreeObjectivesOnTheUnitSphere) {
  auto task = make_task({{"kind", "test-problem"}, {"problem", "dtlz2"}, {"n_vars", 4}});
  Harness harness;
  const auto metrics = harness.run(*task, variables({0.3, 0.7, 0.5, 0.5})).metrics;
  const double f0 = metrics["f0"], f1 = metrics["f1"], f2 = metrics["f2"];
  EXPECT_NEAR(f0 * f0 + f1 * f1 + f2 * f2, 1.0, 1e-12);
  EXPECT_FALSE(metrics.contains("f3"));
}

TEST(TestProblemTask, BraninCurrinHasItsTwoVariablesByDefault) {
  auto task = make_task({{"kind", "test-problem"}, {"problem", "branin_currin"}});
  ASSERT_EQ(task->default_search_space().dimensions(), 2u);
  Harness harness;
  // Currin at (0, 1): (1 - e^-0.5) * 60 / 20; Branin there: 17.508.
  const auto metrics = harness.run(*task, variables({0.0, 1.0})).metrics;
  EXPECT_NEAR(metrics["f0"].get<double>(), 17.508299, 1e-6);
  EXPECT_NEAR(metrics["f1"].get<double>(), 3.0 * (1.0 - std::exp(-0.5)), 1e-12);
  EXPECT_THAT([] { make_task({{"kind", "test-problem"}, {"problem", "branin_currin"}, {"n_vars", 3}}); },
              ThrowsMessage<InputError>(HasSubstr("exactly 2 variables")));
}

TEST(TestProblemTask, DefaultSpaceIsTheUnitCube) {
  auto task = make_task({{"kind", "test-problem"}, {"problem", "zdt2"}, {"n_vars", 5}});
  EXPECT_EQ(task->kind(), "test-problem");
  const auto space = task->default_search_space();
  ASSERT_EQ(space.dimensions(), 5u);
  EXPECT_EQ(space.parameters().back().name, "x4");
  Harness harness;
  const auto metrics = harness.run(*task, space.decode({0.5, 0.0, 0.0, 0.0, 0.0})).metrics;
  EXPECT_NEAR(metrics["f1"].get<double>(), 1.0 - std::pow(metrics["f0"].get<double>(), 2), 1e-9);
}

TEST(TestProblemTask, BadSettingsAndParametersAreInputErrors) {
  EXPECT_THAT([] { make_task({{"kind", "test-problem"}, {"problem", "zdt9"}}); },
              ThrowsMessage<InputError>(HasSubstr("zdt9")));
  EXPECT_THAT([] { make_task({{"kind", "test-problem"}, {"n_var", 3}}); },
              ThrowsMessage<InputError>(HasSubstr("task.n_var")));
  auto task = make_task({{"kind", "test-problem"}, {"n_vars", 2}});
  Harness harness;
  EXPECT_THAT([&] { harness.run(*task, variables({0.5})); },
              ThrowsMessage<InputError>(HasSubstr("needs parameter x1")));
  EXPECT_THAT([&] { harness.run(*task, variables({0.5, 1.5})); },
              ThrowsMessage<InputError>(HasSubstr("outside [0, 1]")));
}

TEST(TestProblemTask, StopRequestedInterrupts) {
  auto task = make_task({{"kind", "test-problem"}, {"n_vars", 2}});
  Harness harness;
  harness.stop = true;
  EXPECT_THROW(harness.run(*task, variables({0.5, 0.5})), TrialInterrupted);
}

TEST(Registry, ListsKindsAndRejectsUnknownOnes) {
  const auto kinds = task_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "test-problem"), kinds.end());
  // Listed in every build: without libtorch they fail with the reason.
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "image-classification"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "text-generation"), kinds.end());
  EXPECT_THAT([] { make_task({{"kind", "quantum"}}); },
              ThrowsMessage<InputError>(HasSubstr("unknown task kind \"quantum\"; use one of:")));
  EXPECT_THAT([] { make_task({{"kind", "python"}}); },
              ThrowsMessage<InputError>(HasSubstr("run in process by ecopt.optimize")));
  EXPECT_THAT([] { make_task(nlohmann::json::object()); },
              ThrowsMessage<InputError>(HasSubstr("kind")));
}

}  // namespace
}  // namespace ecopt
