#pragma once
// The tune loop behind `ecopt tune STUDY.toml`: ask → run the task inside
// an energy window → tell → a progress line, until the study holds
// n_trials trials that answered (COMPLETE, PRUNED; FAILED ones do not count,
// study/budget.hpp) or a rule of the budget stops it; then the Pareto front
// as a table. Rerunning resumes: RUNNING trials whose heartbeat stopped
// more than stale_after_s ago (a crashed run) are failed first, and a trial
// stopped by Ctrl-C runs again with its params before any new one.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/signal_scope.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/study/budget.hpp"
#include "ecopt/study/study.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

class EnergyMonitor;
class DeviceLeases;
class Task;

// The run stopped on Ctrl-C or SIGTERM. After Ctrl-C (SIGINT, the user)
// the running trial was marked FAILED ("interrupted by user"); after
// SIGTERM (a scheduler) it was left RUNNING, to be failed as stale and
// retried like the trial of a killed worker. The CLI exits with 130.
class StudyInterrupted : public Error {
 public:
  using Error::Error;
};

// Installs SIGINT and SIGTERM handlers that set a flag for the running task
// to see; restores the previous handlers when destroyed. A second signal
// ends the process at once (exit 130), leaving the trial RUNNING for the
// heartbeat timeout to fail.
class StopSignals {
 public:
  StopSignals();

  const std::atomic<bool>& flag() const;

 private:
  bool reset_;
  SignalScope scope_;
};

// The first signal StopSignals caught (SIGINT, SIGTERM); 0 if none.
int caught_stop_signal();

struct RunSummary;

// Where a run stands after a told trial.
struct RunProgress {
  std::int64_t answered = 0;  // COMPLETE and PRUNED trials in the study
  std::int64_t n_trials = 0;
  std::int64_t run_here = 0;  // trials this process ran
  const StudyFront& front;    // of every finished trial so far
  const TuningEnergy& tuning;
  // The live hypervolume's reference, fixed once set (progress lines).
  const std::optional<ReferencePoint>& reference;
};

// What a run tells whoever watches it, as it happens: the terminal's
// report (progress lines, the closing front and energy), a test, a
// caller's own logger. run_study's loop keeps the rules (budgets, the
// failure limits, pruning); observers hear what happened, in order.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void trial_told(const Trial& told, const RunProgress& progress) {
    (void)told;
    (void)progress;
  }
  // A budget rule ended the run (a failure rule ends it with an error).
  virtual void stopped(const StopReason& reason) { (void)reason; }
  virtual void finished(const RunSummary& summary, const std::vector<Trial>& trials) {
    (void)summary;
    (void)trials;
  }
};

struct RunOptions {
  std::optional<std::int64_t> n_trials;  // overrides the file's
  // Limits that replace the file's and the stored ones, and are stored.
  StudyBudget budget;
  std::optional<std::int64_t> max_failed_trials;  // overrides the file's
  std::optional<std::string> storage_url;
  std::optional<std::string> warm_start_from;  // overrides the file's
  std::ostream* out = nullptr;  // progress and the final table; null: std::cout
  // Told of each trial, a budget stop and the end, after the terminal's report.
  std::vector<RunObserver*> observers;
  // Set to stop: by StopSignals in the CLI, by hand in tests. Null: never.
  const std::atomic<bool>* stop = nullptr;
  // The monitor to measure with (a test's seam, ecopt.optimize's monitor);
  // null: discover_meters with the file's [energy] settings.
  EnergyMonitor* monitor = nullptr;
  // The task to run, for one that lives in the caller (ecopt.optimize's
  // objective); null: make_task(file.task).
  Task* task = nullptr;
  // Worker mode (`ecopt worker`, include/ecopt/study/worker.hpp): stop
  // after this many trials of this process; wait for other processes'
  // RUNNING trials (they may die and need a retry) before ending; hold a
  // device lease around each trial (null: none).
  std::optional<std::int64_t> max_trials_run;
  bool wait_for_others = false;
  DeviceLeases* leases = nullptr;
  // Each line a trial program prints goes to `out` too, after "[trial N] "
  // (tune --stream-output); it is kept in the trial's log either way.
  bool stream_output = false;
  // Where trials of this machine register (machine_activity.hpp); unset:
  // default_lease_dir().
  std::optional<std::filesystem::path> lease_dir;
};

struct RunSummary {
  std::int64_t trials_run = 0;       // by this run
  std::int64_t trials_finished = 0;  // COMPLETE and PRUNED, in the study at the end
  StudyFront front;
  double tuning_energy_j = 0.0;  // every trial of the study so far (tuning_energy())
  std::optional<StopReason> stopped_by;  // the budget rule that ended the run
};

RunSummary run_study(const StudyFile& file, const RunOptions& options = {});

// Study `related` in `storage`, checked to warm-start a study of `spec`
// over `space` (related_history) before that study is created or changed:
// give it to Study::warm_start_from. Nothing when `related` is empty.
// InputError when sampler `sampler` cannot use a warm start, the study is
// not there or it asks another question.
std::optional<RelatedHistory> load_warm_start(Storage& storage, const std::string& related, std::string_view sampler,
                                              const StudySpec& spec, const SearchSpace& space);

}  // namespace ecopt
