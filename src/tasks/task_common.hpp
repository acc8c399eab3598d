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

// Reports a point of the trial's learning curve (its finite numeric metrics
// only) and logs the answer; the reason to stop, or nullopt (also when the
// runner takes no reports).
std::optional<std::string> report_step(const TaskContext& context, std::int64_t step,
                                       const nlohmann::json& metrics,
                                       std::optional<std::int64_t> last_step = std::nullopt);

}  // namespace ecopt::detail
