#pragma once
// A task turns one trial's parameters into metrics, measuring energy inside
// the monitor's windows. The study runner asks, runs a task, and tells.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt {

struct TaskContext {
  const ParamMap& params;
  std::int64_t trial_number = 0;
  EnergyMonitor& monitor;
  // Set by Ctrl-C or a worker shutdown: stop as soon as possible and throw
  // TrialInterrupted.
  const std::atomic<bool>& stop_requested;
  // Intermediate results, the one path of pruning (study/pruning.hpp): the
  // task reports a point of its learning curve. Step 0 is what it measured
  // before training (inference energy: energy-first evaluation); later steps
  // give quality on the validation split (never the test set) and energy so
  // far, every epoch or every N batches. A returned reason means "stop":
  // the task stops and returns its outcome with pruned_reason set, keeping
  // what it measured. Unset: nothing is reported, nothing stopped.
  std::function<std::optional<std::string>(const IntermediateReport& report)> report;
  // Free-form progress for the runner's log (epoch, loss, ...).
  std::function<void(const std::string& line)> log;
  // The study's search space (null when unknown): tasks that template
  // parameters tell an inactive parameter from a typo with it.
  const SearchSpace* space = nullptr;
  // The accelerator this trial was given by a worker's device lease
  // ("cuda:1"); unset: the task's own [task] device setting.
  std::optional<std::string> device;
  // Every line a trial program prints (stdout and stderr, without the line
  // end), from the task's reader thread: the runner keeps it in the trial's
  // log (study/trial_log.hpp). Empty: not kept.
  std::function<void(std::string_view line)> output = {};
};

// Thrown by a task when stop_requested was seen.
class TrialInterrupted : public std::runtime_error {
 public:
  TrialInterrupted() : std::runtime_error("trial interrupted") {}
};

struct TaskOutcome {
  // Every metric (objectives are looked up here by name): accuracy, energy
  // per sample or token, times, parameter and FLOP counts.
  nlohmann::json metrics = nlohmann::json::object();
  // Where each energy figure came from; the runner stores them (record.hpp).
  std::vector<EnergyRecord> energy;
  std::optional<std::string> pruned_reason;  // set when a report was answered "stop"
  // Appended to a failure the runner finds in the metrics (an objective
  // missing): for a command, "; last lines of stderr: ...".
  std::string diagnostics;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string kind() const = 0;
  // The space used when the study file gives none.
  virtual SearchSpace default_search_space() const = 0;
  // The numeric metrics every trial of this task reports, which the
  // study's objectives are checked against before the first trial; empty
  // where they are known only once a trial has run (a command's).
  virtual std::vector<std::string> metric_names() const { return {}; }
  // Checks the settings against the study's space before anything is
  // stored (a command's argv naming no parameter): InputError otherwise.
  virtual void check_space(const SearchSpace& space) const { (void)space; }
  // Throws ecopt::Error (or TrialInterrupted) on failure; the runner marks
  // the trial FAILED with the message.
  virtual TaskOutcome run(TaskContext& context) = 0;
};

// `config` is the study file's [task] table as JSON; "kind" selects the
// task ("image-classification", "text-generation", "command",
// "test-problem"). Throws InputError for unknown kinds or bad settings.
std::unique_ptr<Task> make_task(const nlohmann::json& config);

// Every kind make_task knows, sorted; the libtorch ones fail at make_task
// when ECOpt's libtorch module or libtorch is missing.
std::vector<std::string> task_kinds();

}  // namespace ecopt
