#include "task_common.hpp"

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

}  // namespace ecopt::detail
