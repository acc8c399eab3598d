#include "ecopt/study/worker.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/process.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/tasks/command_task.hpp"

namespace ecopt {

std::int64_t trial_budget(const std::vector<Trial>& trials, std::int64_t n_trials) {
  // FAILED trials do not use up n_trials, so each makes room for one more.
  // Finished trials never change state again: a stale count gives a budget
  // too small, never too large.
  return n_trials + std::count_if(trials.begin(), trials.end(),
                                  [](const Trial& trial) { return trial.state == TrialState::Failed; });
}

// --- TrialClaimer ---------------------------------------------------------

namespace {

std::string this_host() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string this_pid_namespace() {
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/ns/pid", error).string();
}

bool process_alive(std::int64_t pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

nlohmann::json runner_attrs() {
  return {{kRunnerHostAttr, this_host()},
          {kRunnerPidNamespaceAttr, this_pid_namespace()},
          {kRunnerPidAttr, static_cast<std::int64_t>(::getpid())}};
}

// A RUNNING trial whose process, in this host's process namespace, is gone.
bool orphaned(const Trial& trial) {
  const auto& attrs = trial.system_attrs;
  const auto pid = attrs.value(kRunnerPidAttr, std::int64_t{0});
  return pid > 0 && attrs.value(kRunnerHostAttr, std::string()) == this_host() &&
         attrs.value(kRunnerPidNamespaceAttr, std::string()) == this_pid_namespace() &&
         !process_alive(pid);
}

}  // namespace

std::string describe_runner(const Trial& trial) {
  const auto pid = trial.system_attrs.value(kRunnerPidAttr, std::int64_t{0});
  if (pid <= 0) return "with no process recorded (asked for with 'ecopt ask')";
  return fmt::format("by process {} on {}", pid,
                     trial.system_attrs.value(kRunnerHostAttr, std::string("an unknown host")));
}

TrialClaimer::TrialClaimer(Study& study, const SearchSpace& space, Sampler& sampler,
                           std::int64_t n_trials, const StudyFile& file, std::ostream& out)
    : study_(study),
      space_(space),
      sampler_(sampler),
      n_trials_(n_trials),
      retry_failed_(file.retry_failed),
      stale_after_(std::llround(file.stale_after_s * 1000.0)),
      out_(out) {}

// A trial whose process on this host has died (kill -9, a crash) is failed
// at once rather than after stale_after_s; the other RUNNING trials are
// named once, so that a rerun says what it found.
void TrialClaimer::fail_orphans() {
  for (const auto& trial : study_.trials()) {
    if (trial.state != TrialState::Running) continue;
    if (!orphaned(trial)) {
      if (!running_reported_) {
        out_ << fmt::format("trial {} is RUNNING {}; it is failed as stale if it sends no "
                            "heartbeat for {:g} s\n",
                            trial.number, describe_runner(trial),
                            std::chrono::duration<double>(stale_after_).count());
      }
      continue;
    }
    const auto pid = trial.system_attrs.value(kRunnerPidAttr, std::int64_t{0});
    const TrialResult failed{TrialState::Failed, {}, nlohmann::json::object(),
                             fmt::format("its process {} on {} ended without finishing it", pid,
                                         this_host())};
    try {
      study_.storage().finish_trial(trial.id, failed);
    } catch (const InputError&) {
      continue;  // another worker finished it first
    }
    out_ << fmt::format("trial {} was left RUNNING by process {} on {}, which is no longer "
                        "running; marked FAILED\n",
                        trial.number, pid, this_host());
    remove_scratch_dirs(trial.number, pid);
    retry(trial);
  }
  running_reported_ = true;
  out_ << std::flush;
}

void TrialClaimer::reap_stale() {
  // fail_stale_trials hands each stale trial to exactly one caller, so
  // exactly one worker creates its retry.
  for (const auto& trial : study_.storage().fail_stale_trials(study_.record().id, stale_after_)) {
    out_ << fmt::format("trial {} stopped sending heartbeats (its run died); marked FAILED\n",
                        trial.number);
    retry(trial);
  }
  out_ << std::flush;
}

namespace {

// A retry of `failed`: its system attrs (sampler, space), this process as
// its runner, and where it comes from.
nlohmann::json retry_attrs(const Trial& failed, int retry_count) {
  auto attrs = failed.system_attrs;
  attrs.update(runner_attrs());
  attrs[kRetriedFromAttr] = failed.number;
  attrs[kRetryCountAttr] = retry_count;
  return attrs;
}

}  // namespace

// With [study] retry_failed = N, a failed trial is run again with the same
// params, by this process, up to N times.
void TrialClaimer::retry(const Trial& failed) {
  const int retries_so_far = failed.system_attrs.value(kRetryCountAttr, 0);
  if (retries_so_far >= retry_failed_ || failed.params.empty()) return;
  const Trial again =
      study_.storage().create_trial(study_.record().id, retry_attrs(failed, retries_so_far + 1), failed.params);
  owed_retries_.push_back({again.number, again.id});
  out_ << fmt::format("trial {} retries trial {} with the same params (retry {} of {})\n",
                      again.number, failed.number, retries_so_far + 1, retry_failed_);
}

// A trial stopped by Ctrl-C was not the params' fault: it runs again with
// them before any new trial, whatever retry_failed says. The retry is
// created only while the study holds as many trials as this process last
// read, so that of workers racing for one interrupted trial exactly one
// retries it; the others read again and find the retry.
std::optional<ClaimedTrial> TrialClaimer::retry_interrupted() {
  read_changes();
  while (!interrupted_.empty()) {
    const auto& trials = study_.trials();
    const auto held = static_cast<std::int64_t>(trials.size());
    if (held >= n_trials_ + static_cast<std::int64_t>(failed_.size())) return std::nullopt;
    const Trial interrupted = *std::find_if(trials.begin(), trials.end(), [&](const Trial& trial) {
      return trial.number == *interrupted_.begin();
    });
    const auto created = study_.storage().create_trial_within(
        study_.record().id, retry_attrs(interrupted, interrupted.system_attrs.value(kRetryCountAttr, 0)),
        held + 1, interrupted.params);
    if (!created) {  // another process created a trial since the read
      read_changes();
      continue;
    }
    interrupted_.erase(interrupted.number);
    retried_.insert(interrupted.number);
    out_ << fmt::format("trial {} retries trial {}, interrupted by Ctrl-C, with the same params\n",
                        created->number, interrupted.number)
         << std::flush;
    return ClaimedTrial{{created->number, created->params}, created->id, true};
  }
  return std::nullopt;
}

void TrialClaimer::read_changes() {
  for (const Trial* trial : study_.changed_trials(position_)) {
    if (trial->system_attrs.contains(kRetriedFromAttr)) {
      const auto from = trial->system_attrs[kRetriedFromAttr].get<std::int64_t>();
      retried_.insert(from);
      interrupted_.erase(from);
    }
    if (trial->state != TrialState::Failed) continue;
    failed_.insert(trial->number);
    if (trial->fail_reason == kInterruptedFailReason && !trial->params.empty() && !retried_.contains(trial->number))
      interrupted_.insert(trial->number);
  }
}

std::optional<ClaimedTrial> TrialClaimer::next_retry() {
  while (!owed_retries_.empty()) {
    const std::int64_t number = owed_retries_.front().number;
    owed_retries_.pop_front();
    const auto trial = study_.storage().find_trial(study_.record().id, number);
    if (!trial || trial->state != TrialState::Running) continue;
    try {
      // A retry that waited behind a long trial may itself have been failed
      // as stale (and retried) by another worker: then it is theirs.
      study_.storage().record_heartbeat(trial->id);
    } catch (const InputError&) {
      continue;
    }
    return ClaimedTrial{{number, trial->params}, trial->id, true};
  }
  return std::nullopt;
}

std::optional<ClaimedTrial> TrialClaimer::next() {
  fail_orphans();
  reap_stale();
  if (auto retry = next_retry()) return retry;
  if (auto retry = retry_interrupted()) return retry;
  const auto budget = n_trials_ + static_cast<std::int64_t>(failed_.size());
  auto asked = study_.ask_within(budget, space_, sampler_, runner_attrs());
  if (!asked) return std::nullopt;
  const auto trial = study_.storage().find_trial(study_.record().id, asked->number);
  return ClaimedTrial{std::move(*asked), trial->id, false};
}

bool TrialClaimer::others_running() const {
  const auto& trials = study_.trials();
  return std::any_of(trials.begin(), trials.end(), [&](const Trial& trial) {
    return trial.state == TrialState::Running &&
           std::none_of(owed_retries_.begin(), owed_retries_.end(),
                        [&](const TrialHandle& owed) { return owed.number == trial.number; });
  });
}

std::vector<TrialHandle> TrialClaimer::owed_retries() const {
  return {owed_retries_.begin(), owed_retries_.end()};
}

// --- local workers --------------------------------------------------------

std::string current_executable() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    throw UnavailableError(fmt::format(
        "cannot find this program's path in /proc/self/exe ({}); start workers with 'ecopt "
        "worker' instead",
        error.message()));
  }
  return path.string();
}

int run_local_workers(const std::vector<std::string>& argv, int count,
                      const std::atomic<bool>& stop, std::ostream& out) {
  if (count < 1) throw InputError("--workers must be at least 1");
  // Each in its own process group (Process): a terminal's Ctrl-C reaches
  // only this parent, which forwards the signal once (a second one would
  // make a worker leave its trial RUNNING). Workers write to our terminal.
  ProcessOptions options;
  options.argv = argv;
  options.inherit_stdio = true;
  std::vector<std::unique_ptr<Process>> running;
  for (int i = 0; i < count; ++i) running.push_back(std::make_unique<Process>(options));
  std::vector<pid_t> pids;
  for (const auto& worker : running) pids.push_back(worker->pid());
  out << fmt::format("started {} workers (pids {})\n", count, fmt::join(pids, ", ")) << std::flush;
  int result = 0;
  bool forwarded = false;
  while (!running.empty()) {
    if (stop && !forwarded) {
      // Ctrl-C stays the user's stop, SIGTERM a scheduler's (run_study).
      const int signal = caught_stop_signal() == SIGINT ? SIGINT : SIGTERM;
      for (const auto& worker : running) worker->send_signal(signal);
      forwarded = true;
    }
    for (auto it = running.begin(); it != running.end();) {
      const auto status = (*it)->wait_for(0.0);
      if (!status) {
        ++it;
        continue;
      }
      if (const int code = status->shell_status(); code != 0) {
        out << fmt::format("worker {} exited with code {}\n", (*it)->pid(), code) << std::flush;
        if (result == 0) result = code;
      }
      it = running.erase(it);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return result;
}

}  // namespace ecopt
