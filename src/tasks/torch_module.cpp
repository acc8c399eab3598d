// Finding and opening the libtorch module, and the public entry points that
// forward to it. No libtorch here: this file is why `ecopt` starts without it.
#include "torch_module.hpp"

#include "ecopt/core/plugin.hpp"
#include "ecopt/tasks/image_classification.hpp"

namespace ecopt {
namespace detail {
namespace {

constexpr PluginSpec kTorchPlugin{
    .title = "ECOpt's libtorch module",
    .library = "libtorch",
    .file = ECOPT_TORCH_MODULE_FILE,
    .path_variable = "ECOPT_TORCH_MODULE",
    .entry = kTorchTasksEntry,
    // What to do when the file is not there, by how ECOpt was built.
    .when_missing =
        ECOPT_TORCH_MODULE_BUILT
            ? "build it (scripts/build.sh builds the target ecopt_torch_tasks) or set "
              "ECOPT_TORCH_MODULE to its path"
            : "this ECOpt was built with ECOPT_WITH_TORCH=OFF: install libtorch-dev and rebuild "
              "with -DECOPT_WITH_TORCH=ON, or set ECOPT_TORCH_MODULE to a " ECOPT_TORCH_MODULE_FILE
              " built with this ECOpt",
    .when_unloadable = "install libtorch-dev, or put the libtorch it was built against on LD_LIBRARY_PATH",
};

}  // namespace

const TorchTasks& load_torch_module(const std::string& path, std::string_view needed_by) {
  return *static_cast<const TorchTasks*>(open_plugin(kTorchPlugin, path, needed_by));
}

std::string torch_module_path() { return plugin_path(kTorchPlugin); }

const TorchTasks& torch_tasks(std::string_view needed_by) {
  // A failed load throws out of the initialiser, so the next call retries.
  static const TorchTasks& tasks = plugin_table<TorchTasks>(kTorchPlugin, needed_by);
  return tasks;
}

}  // namespace detail

std::unique_ptr<Task> make_image_classification_task(const nlohmann::json& config) {
  return detail::torch_tasks("task kind image-classification").image_classification(config);
}

std::unique_ptr<Task> make_text_generation_task(const nlohmann::json& config) {
  return detail::torch_tasks("task kind text-generation").text_generation(config);
}

GenerationBenchResult run_generation_benchmark(const GenerationBenchOptions& options) {
  return detail::torch_tasks("generation-bench").generation_benchmark(options);
}

}  // namespace ecopt
