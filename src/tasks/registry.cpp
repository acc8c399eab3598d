// make_task: one line per task kind. No libtorch here: the libtorch kinds
// forward to the module torch_module.cpp opens on first use, which says
// what is missing when it cannot.
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"
#include "ecopt/tasks/command_task.hpp"
#include "ecopt/tasks/image_classification.hpp"
#include "ecopt/tasks/task.hpp"
#include "ecopt/tasks/test_problem_task.hpp"
#include "ecopt/tasks/text_generation.hpp"

namespace ecopt {
namespace {

using TaskFactory = std::unique_ptr<Task> (*)(const nlohmann::json& config);

// kind = "python" names an objective function that only its Python process
// holds: ecopt.optimize passes it to the runner itself.
std::unique_ptr<Task> refuse_python_task(const nlohmann::json&) {
  throw InputError("[task] kind = \"python\" is an objective function run in process by "
                   "ecopt.optimize(objective, STUDY_FILE) from Python; run it from there");
}

const std::map<std::string, TaskFactory>& task_factories() {
  static const std::map<std::string, TaskFactory> factories = {
      {"image-classification", make_image_classification_task},
      {"text-generation", make_text_generation_task},
      {"command", make_command_task},
      {"test-problem", make_test_problem_task},
      {"python", refuse_python_task},
  };
  return factories;
}

}  // namespace

std::vector<std::string> task_kinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : task_factories()) kinds.push_back(kind);
  return kinds;
}

std::unique_ptr<Task> make_task(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("kind") || !config.at("kind").is_string()) {
    throw InputError(fmt::format("the [task] table needs kind = \"...\"; one of: {}",
                                 fmt::join(task_kinds(), ", ")));
  }
  const auto kind = config.at("kind").get<std::string>();
  const auto found = task_factories().find(kind);
  if (found == task_factories().end()) {
    throw InputError(fmt::format("unknown task kind \"{}\"; use one of: {}", kind,
                                 fmt::join(task_kinds(), ", ")));
  }
  return found->second(config);
}

}  // namespace ecopt
