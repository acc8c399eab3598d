#pragma once
// Study files for command-task tests: trials running a shell script over x
// in [0, 1], one minimised objective f0 unless the test gives its own.
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace ecopt::testing {

inline constexpr const char* kMinimiseF0 = "[[objectives]]\nname = \"f0\"\ndirection = \"minimize\"";

// Writes <dir>/<name>.toml and returns its path; `task_extra` and
// `study_extra` are lines added to [task] and [study]; `objectives` the
// [[objectives]] (and any table such as [energy]) between them.
inline std::string command_study(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& url, int n_trials,
                                 const std::filesystem::path& script,
                                 const std::string& task_extra = "",
                                 const std::string& study_extra = "",
                                 const std::string& objectives = kMinimiseF0) {
  const auto file = dir / (name + ".toml");
  std::ofstream(file) << fmt::format(R"(
[study]
name = "{}"
storage = "{}"
sampler = "random"
n_trials = {}
{}
{}
[task]
kind = "command"
argv = ["/bin/sh", "{}"]
{}
[space.x]
type = "float"
low = 0.0
high = 1.0
)",
                                     name, url, n_trials, study_extra, objectives, script.string(), task_extra);
  return file.string();
}

}  // namespace ecopt::testing
