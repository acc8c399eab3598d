// Finding and opening plugins (plugin.hpp): every way one can be missing
// gets its one-line reason.
#include "ecopt/core/plugin.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

void* open_file(const PluginSpec& spec, const std::string& path, std::string_view needed_by) {
  if (!std::filesystem::exists(path)) {
    throw UnavailableError(fmt::format("{} needs {}, but {} does not exist; {}", needed_by,
                                       spec.title, path, spec.when_missing));
  }
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw UnavailableError(fmt::format("{} needs {}, but {} does not load ({}); {}", needed_by,
                                       spec.library, spec.title, ::dlerror(), spec.when_unloadable));
  }
  return handle;
}

}  // namespace

std::string plugin_path(const PluginSpec& spec) {
  const std::string variable(spec.path_variable);
  if (const char* chosen = std::getenv(variable.c_str()); chosen != nullptr && *chosen != '\0') {
    return std::filesystem::absolute(chosen).string();  // dlopen would search for a bare name
  }
  static const int anchor = 0;  // any address inside this library
  Dl_info info{};
  if (::dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) {
    throw UnavailableError(fmt::format("cannot tell where ECOpt's library lies to find {}; set {} to "
                                       "the path of {}",
                                       spec.title, spec.path_variable, spec.file));
  }
  return (std::filesystem::path(info.dli_fname).parent_path() / spec.file).string();
}

const void* open_plugin(const PluginSpec& spec, const std::string& path, std::string_view needed_by) {
  void* handle = open_file(spec, path, needed_by);
  using Entry = const void* (*)();
  const std::string entry_name(spec.entry);
  const auto entry = reinterpret_cast<Entry>(::dlsym(handle, entry_name.c_str()));
  if (entry == nullptr) {
    throw UnavailableError(fmt::format("{} is not {} (it has no {} symbol); point {} at {} or unset it",
                                       path, spec.title, spec.entry, spec.path_variable, spec.file));
  }
  const void* table = entry();
  // Every table begins with the version it was built with (plugin.hpp).
  const char* built_with = *static_cast<const char* const*>(table);
  if (std::strcmp(built_with, ECOPT_VERSION) != 0) {
    throw UnavailableError(fmt::format(
        "{} was built with ECOpt {}, but this is ECOpt {}; rebuild the module with this ECOpt", path,
        built_with, ECOPT_VERSION));
  }
  return table;
}

}  // namespace ecopt
