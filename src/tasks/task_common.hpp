#pragma once
// Private helpers shared by the task implementations (not part of the
// public tasks API). Free of libtorch, so settings code can include it.
#include <string>

#include "ecopt/energy/monitor.hpp"
#include "ecopt/tasks/task.hpp"
#include "json_config.hpp"

namespace ecopt::detail {

// The [task.energy] table: how long and how often each energy window repeats.
RepeatPolicy repeat_policy_from(const JsonConfig& energy);

inline void throw_if_stopped(const TaskContext& context) {
  if (context.stop_requested.load()) throw TrialInterrupted();
}

inline void log_line(const TaskContext& context, const std::string& line) {
  if (context.log) context.log(line);
}

}  // namespace ecopt::detail
