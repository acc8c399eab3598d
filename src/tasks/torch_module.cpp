// Finding and opening the libtorch module, and the public entry points that
// forward to it. No libtorch here: this file is why `ecopt` starts without it.
#include "torch_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/tasks/image_classification.hpp"

namespace ecopt {
namespace detail {
namespace {

// What to do when the module file is not there, by how ECOpt was built.
constexpr const char* kBuildTheModule =
    ECOPT_TORCH_MODULE_BUILT
        ? "build it (scripts/build.sh builds the target ecopt_torch_tasks) or set "
          "ECOPT_TORCH_MODULE to its path"
        : "this ECOpt was built with ECOPT_WITH_TORCH=OFF: install libtorch-dev and rebuild "
          "with -DECOPT_WITH_TORCH=ON, or set ECOPT_TORCH_MODULE to a " ECOPT_TORCH_MODULE_FILE
          " built with this ECOpt";

void* open_module(const std::string& path, std::string_view needed_by) {
  if (!std::filesystem::exists(path)) {
    throw UnavailableError(fmt::format("{} needs ECOpt's libtorch module, but {} does not exist; {}",
                                       needed_by, path, kBuildTheModule));
  }
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw UnavailableError(fmt::format(
        "{} needs libtorch, but ECOpt's libtorch module does not load ({}); install libtorch-dev, "
        "or put the libtorch it was built against on LD_LIBRARY_PATH",
        needed_by, ::dlerror()));
  }
  return handle;
}

}  // namespace

const TorchTasks& load_torch_module(const std::string& path, std::string_view needed_by) {
  void* handle = open_module(path, needed_by);
  using Entry = const TorchTasks* (*)();
  const auto entry = reinterpret_cast<Entry>(::dlsym(handle, kTorchTasksEntry));
  if (entry == nullptr) {
    throw UnavailableError(fmt::format(
        "{} is not ECOpt's libtorch module (it has no {} symbol); point ECOPT_TORCH_MODULE at "
        "{} or unset it",
        path, kTorchTasksEntry, ECOPT_TORCH_MODULE_FILE));
  }
  const TorchTasks& tasks = *entry();
  if (std::strcmp(tasks.ecopt_version, ECOPT_VERSION) != 0) {
    throw UnavailableError(fmt::format(
        "{} was built with ECOpt {}, but this is ECOpt {}; rebuild the module with this ECOpt",
        path, tasks.ecopt_version, ECOPT_VERSION));
  }
  return tasks;
}

std::string torch_module_path() {
  if (const char* chosen = std::getenv("ECOPT_TORCH_MODULE"); chosen != nullptr && *chosen != '\0') {
    return std::filesystem::absolute(chosen).string();  // dlopen would search for a bare name
  }
  static const int anchor = 0;  // any address inside this library
  Dl_info info{};
  if (::dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) {
    throw UnavailableError(
        "cannot tell where ECOpt's library lies to find its libtorch module; set "
        "ECOPT_TORCH_MODULE to the path of " ECOPT_TORCH_MODULE_FILE);
  }
  return (std::filesystem::path(info.dli_fname).parent_path() / ECOPT_TORCH_MODULE_FILE).string();
}

const TorchTasks& torch_tasks(std::string_view needed_by) {
  // A failed load throws out of the initialiser, so the next call retries.
  static const TorchTasks& tasks = load_torch_module(torch_module_path(), needed_by);
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
