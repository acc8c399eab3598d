#pragma once
// Many workers, one study: `ecopt worker STUDY.toml` pulls and runs trials
// until the study holds n_trials trials, all finished; `ecopt tune
// --workers N` starts N of them on this machine (docs/scaling.md).
//
// The budget is exact under any number of workers: a trial is only created
// while the study holds fewer than n_trials trials plus its FAILED ones
// (n_trials counts COMPLETE and PRUNED trials, study/budget.hpp), checked
// atomically by the storage. A worker that dies leaves its trial RUNNING;
// any live worker fails it once its heartbeat is older than stale_after_s
// and, with [study] retry_failed = N, creates a retry trial with the same
// params (system attr "retried_from") and runs it itself. A trial stopped
// by Ctrl-C is retried, once, before any new trial, by whichever worker
// claims next.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ecopt/core/attributes.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/study/study.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

// The fail_reason of a trial stopped by Ctrl-C: it is retried, with its
// params, before any new trial.
inline constexpr std::string_view kInterruptedFailReason = "interrupted by user";

// "by process 4242 on node1": who runs a RUNNING trial, as far as stored.
std::string describe_runner(const Trial& trial);

// A stored trial as a worker names it: by number to people, by id to storage.
struct TrialHandle {
  std::int64_t number;
  std::int64_t id;
};

struct ClaimedTrial {
  AskResult asked;
  std::int64_t trial_id = -1;
  bool retry = false;
};

// Hands out the trials this process may run: retries it owes first, then
// retries of interrupted trials, then new trials while the budget allows.
class TrialClaimer {
 public:
  TrialClaimer(Study& study, const SearchSpace& space, Sampler& sampler, std::int64_t n_trials,
               const StudyFile& file, std::ostream& out);

  // Fails stale trials and those of dead processes on this host (creating
  // their retries), then returns the next trial to run; nullopt when the
  // budget is spent. The first call names the RUNNING trials it finds.
  std::optional<ClaimedTrial> next();
  // Whether trials of other processes are still RUNNING (they may still
  // fail and need a retry, so a worker waits for them before it ends).
  bool others_running() const;
  // The retries this process created and has not run yet: they need
  // heartbeats while they wait, or they would go stale.
  std::vector<TrialHandle> owed_retries() const;

 private:
  void fail_orphans();
  void reap_stale();
  void retry(const Trial& failed);
  std::optional<ClaimedTrial> next_retry();
  std::optional<ClaimedTrial> retry_interrupted();
  // Brings the counts below up to date from the trials changed since.
  void read_changes();

  Study& study_;
  const SearchSpace& space_;
  Sampler& sampler_;
  std::int64_t n_trials_;
  int retry_failed_;
  std::chrono::milliseconds stale_after_;
  std::ostream& out_;
  std::deque<TrialHandle> owed_retries_;  // retry trials created, not yet run
  std::size_t position_ = 0;            // in the study's change log
  std::unordered_set<std::int64_t> failed_;       // FAILED trials' numbers
  std::set<std::int64_t> interrupted_;            // interrupted trials not yet retried
  std::unordered_set<std::int64_t> retried_;      // trials some trial retries
  bool running_reported_ = false;
};

// The trial count the budget allows: n_trials plus the FAILED trials,
// which do not use it up (a retry takes the place of the trial it retries).
std::int64_t trial_budget(const std::vector<Trial>& trials, std::int64_t n_trials);

// Starts `count` copies of `argv` (argv[0] an absolute path, no shell) and
// waits for all; forwards SIGTERM when `stop` is set. Returns 0 when every
// copy exited 0, else the first non-zero exit code seen.
int run_local_workers(const std::vector<std::string>& argv, int count,
                      const std::atomic<bool>& stop, std::ostream& out);

// This executable's absolute path (/proc/self/exe).
std::string current_executable();

}  // namespace ecopt
