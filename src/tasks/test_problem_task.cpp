#include "ecopt/tasks/test_problem_task.hpp"

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/benchmark_problems.hpp"
#include "json_config.hpp"

namespace ecopt {
namespace {

std::string variable_name(std::size_t index) { return fmt::format("x{}", index); }

class TestProblemTask final : public Task {
 public:
  explicit TestProblemTask(TestProblem problem) : problem_(std::move(problem)) {}

  std::string kind() const override { return "test-problem"; }

  SearchSpace default_search_space() const override {
    std::vector<Parameter> parameters;
    for (std::size_t i = 0; i < problem_.variables; ++i) {
      parameters.push_back({variable_name(i), FloatDistribution{0.0, 1.0, false, {}}, {}});
    }
    return SearchSpace(std::move(parameters));
  }

  std::vector<std::string> metric_names() const override {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < problem_.objectives; ++i) names.push_back(fmt::format("f{}", i));
    return names;
  }

  TaskOutcome run(TaskContext& context) override {
    if (context.stop_requested.load()) throw TrialInterrupted();
    std::vector<double> x;
    for (std::size_t i = 0; i < problem_.variables; ++i) x.push_back(variable(context.params, i));
    TaskOutcome outcome;
    outcome.metrics["problem"] = problem_.name;
    const auto values = problem_.evaluate(x);
    for (std::size_t i = 0; i < values.size(); ++i) outcome.metrics[fmt::format("f{}", i)] = values[i];
    return outcome;
  }

 private:
  double variable(const ParamMap& params, std::size_t index) const {
    const auto name = variable_name(index);
    const auto it = params.find(name);
    if (it == params.end()) {
      throw InputError(fmt::format("test problem {} needs parameter {} (x0..x{} in [0, 1]); add it "
                                   "to the search space or drop task.n_vars",
                                   problem_.name, name, problem_.variables - 1));
    }
    const double value = as_double(it->second);
    if (!(value >= 0.0 && value <= 1.0)) {
      throw InputError(fmt::format("parameter {} = {} is outside [0, 1], the domain of {}", name,
                                   value, problem_.name));
    }
    return value;
  }

  TestProblem problem_;
};

}  // namespace

std::unique_ptr<Task> make_test_problem_task(const nlohmann::json& config) {
  detail::JsonConfig settings(config, "task");
  settings.reject_unknown({"kind", "problem", "n_vars", "n_objectives"});
  const auto name = settings.text("problem", "zdt1");
  // Branin-Currin is defined on 2 variables; the others take any number.
  const auto variables = settings.integer("n_vars", name == "branin_currin" ? 2 : 6, 1, 1000);
  const auto objectives = settings.integer("n_objectives", name == "dtlz2" ? 3 : 2, 2, 100);
  if (name != "dtlz2" && settings.has("n_objectives") && objectives != 2) {
    throw InputError(fmt::format("task.n_objectives = {} but {} has 2 objectives; drop the setting",
                                 objectives, name));
  }
  return std::make_unique<TestProblemTask>(make_test_problem(
      name, static_cast<std::size_t>(variables), static_cast<std::size_t>(objectives)));
}

}  // namespace ecopt
