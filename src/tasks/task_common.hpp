#pragma once
// Private helpers shared by the task implementations (not part of the
// public tasks API). Free of libtorch, so settings code can include it.
#include <string>
#include <utility>

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

// Closes the window on every exit path, so that an interrupted trial
// leaves the monitor ready for the next one.
class ScopedWindow {
 public:
  ScopedWindow(EnergyMonitor& monitor, std::string name)
      : monitor_(monitor), name_(std::move(name)) {
    monitor_.begin_window(name_);
  }
  ~ScopedWindow() {
    if (!open_) return;
    try {
      monitor_.end_window(name_);
    } catch (...) {  // already unwinding: the first error is the one to report
    }
  }
  ScopedWindow(const ScopedWindow&) = delete;
  ScopedWindow& operator=(const ScopedWindow&) = delete;

  WindowResult end() {
    open_ = false;
    return monitor_.end_window(name_);
  }

 private:
  EnergyMonitor& monitor_;
  std::string name_;
  bool open_ = true;
};

}  // namespace ecopt::detail
