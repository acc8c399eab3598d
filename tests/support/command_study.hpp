#pragma once
// Study files for command-task tests: one minimised objective f0 over x in
// [0, 1], trials running a shell script.
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace ecopt::testing {

// Writes <dir>/<name>.toml and returns its path; `task_extra` and
// `study_extra` are lines added to [task] and [study].
inline std::string command_study(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& url, int n_trials,
                                 const std::filesystem::path& script,
                                 const std::string& task_extra = "",
                                 const std::string& study_extra = "") {
  const auto file = dir / (name + ".toml");
  std::ofstream(file) << fmt::format(R"(
[study]
name = "{}"
storage = "{}"
sampler = "random"
n_trials = {}
{}
[[objectives]]
name = "f0"
direction = "minimize"
[task]
kind = "command"
argv = ["/bin/sh", "{}"]
{}
[space.x]
type = "float"
low = 0.0
high = 1.0
)",
                                     name, url, n_trials, study_extra, script.string(), task_extra);
  return file.string();
}

}  // namespace ecopt::testing
