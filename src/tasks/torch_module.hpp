#pragma once
// ECOpt's libtorch module (libecopt_torch_tasks.so): the image-classification
// and text-generation tasks and the generation benchmark. The library opens
// it with dlopen the first time one of them is asked for, so that nothing
// else ever loads libtorch. Private to src/tasks; no libtorch here.
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ecopt/tasks/task.hpp"
#include "ecopt/tasks/text_generation.hpp"

namespace ecopt::detail {

// What the module hands the library: a plugin table (ecopt/core/plugin.hpp),
// so `ecopt_version` comes first and is checked.
struct TorchTasks {
  const char* ecopt_version = nullptr;
  std::unique_ptr<Task> (*image_classification)(const nlohmann::json& config) = nullptr;
  std::unique_ptr<Task> (*text_generation)(const nlohmann::json& config) = nullptr;
  GenerationBenchResult (*generation_benchmark)(const GenerationBenchOptions& options) = nullptr;
};

// The module's one exported C symbol; it returns a pointer to its table.
inline constexpr const char* kTorchTasksEntry = "ecopt_torch_tasks";

// Opens the module at `path` (never closed: libtorch does not unload
// cleanly). Throws UnavailableError, one line naming `needed_by`, the path
// and the fix, when the file is missing, cannot be loaded (libtorch
// missing) or is not this ECOpt's module.
const TorchTasks& load_torch_module(const std::string& path, std::string_view needed_by);

// $ECOPT_TORCH_MODULE when set, else libecopt_torch_tasks.so in the folder
// of the library holding this code (build/lib, or the installed lib folder).
std::string torch_module_path();

// The module at torch_module_path(), loaded once per process.
const TorchTasks& torch_tasks(std::string_view needed_by);

// Defined in the module (image_classification_task.cpp,
// text_generation_task.cpp).
std::unique_ptr<Task> torch_image_classification_task(const nlohmann::json& config);
std::unique_ptr<Task> torch_text_generation_task(const nlohmann::json& config);
GenerationBenchResult torch_generation_benchmark(const GenerationBenchOptions& options);

}  // namespace ecopt::detail
