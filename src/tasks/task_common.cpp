#include "task_common.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ecopt::detail {

RepeatPolicy repeat_policy_from(const JsonConfig& energy) {
  energy.reject_unknown({"min_window_s", "min_counter_updates", "repeats", "max_iterations"});
  RepeatPolicy policy;
  policy.min_window_s = energy.number("min_window_s", policy.min_window_s, 0.0, 3600.0);
  policy.min_counter_updates = static_cast<int>(
      energy.integer("min_counter_updates", policy.min_counter_updates, 0, 100'000));
  policy.repeats = static_cast<int>(energy.integer("repeats", policy.repeats, 1, 1000));
  policy.max_iterations =
      static_cast<int>(energy.integer("max_iterations", policy.max_iterations, 1, 1'000'000'000));
  return policy;
}

std::optional<std::string> report_step(const TaskContext& context, std::int64_t step,
                                       const nlohmann::json& metrics,
                                       std::optional<std::int64_t> last_step) {
  if (!context.report) return std::nullopt;
  nlohmann::json numbers = nlohmann::json::object();
  for (const auto& [name, value] : metrics.items()) {
    if (value.is_number() && std::isfinite(value.get<double>())) numbers[name] = value;
  }
  if (numbers.empty()) return std::nullopt;
  auto reason = context.report({step, std::move(numbers), last_step});
  if (reason) {
    log_line(context, step == 0 ? fmt::format("training skipped: {}", *reason)
                                : fmt::format("stopped at step {}: {}", step, *reason));
  }
  return reason;
}

}  // namespace ecopt::detail
