#pragma once
// Tunes any program: a templated argv run without a shell, parameters
// passed in the argv, the environment and a JSON file, metrics read back
// from "ECOPT {...}" lines or a result file, energy measured for the whole
// run and per phase the program marks. docs/command-protocol.md has the
// protocol.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ecopt/tasks/task.hpp"

namespace ecopt {

// config: {"kind": "command", "argv": ["prog", "--lr", "{lr}"],
// "workdir": "...", "env": {"K": "v"}, "timeout_s": 3600, "retries": 0,
// "grace_s": 5}. Throws InputError on bad settings.
std::unique_ptr<Task> make_command_task(const nlohmann::json& config);

// Replaces each {name} in `text` by the parameter's value ({{ and }} are
// literal braces). Throws InputError for an unknown name or an unbalanced
// brace; returns nullopt when the text names a parameter of `space` that
// is inactive in this trial (the argv element is then left out). Without a
// space every name must be in params.
std::optional<std::string> render_template(const std::string& text, const ParamMap& params,
                                           const SearchSpace* space);

// "learning-rate" → "ECOPT_PARAM_LEARNING_RATE".
std::string param_env_name(const std::string& name);

// Removes the scratch folders (params and result files) that process `pid`
// on this host made for trial `trial_number` and, killed, never removed.
void remove_scratch_dirs(std::int64_t trial_number, std::int64_t pid);

}  // namespace ecopt
