#include "ecopt/study/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "ecopt/core/format.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/suggest.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/study/device_lease.hpp"
#include "ecopt/study/machine_activity.hpp"
#include "ecopt/study/pruning.hpp"
#include "ecopt/study/trial_log.hpp"
#include "ecopt/study/worker.hpp"
#include "ecopt/tasks/task.hpp"
#include "console_report.hpp"
#include "run_energy.hpp"

namespace ecopt {

// --- signals --------------------------------------------------------------

namespace {

std::atomic<bool> g_stop_requested{false};
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, signal);
  // A second Ctrl-C means "now": trial programs are killed outright, the
  // trial stays RUNNING and the heartbeat timeout fails it on the next run.
  if (g_stop_requested.exchange(true)) {
    kill_every_process_group();
    _exit(130);
  }
}

// Cleared before the handler goes in, so a signal never finds an old stop.
bool reset_stop() {
  g_stop_requested = false;
  g_stop_signal = 0;
  return true;
}

}  // namespace

StopSignals::StopSignals() : reset_(reset_stop()), scope_({SIGINT, SIGTERM}, on_stop_signal) {}

const std::atomic<bool>& StopSignals::flag() const { return g_stop_requested; }

int caught_stop_signal() { return g_stop_signal; }

namespace {

// --- heartbeats -----------------------------------------------------------

// A worker's word on its storage (a server that cannot be reached, a lost
// heartbeat), on stderr: one write per line, as the heartbeat thread writes
// beside the main one; a server's message may hold tabs and newlines.
void say(const std::string& line) { std::cerr << "ecopt: " + printable(line) + "\n" << std::flush; }

// A worker rides out an unreachable server for [study] storage_retry_s,
// saying so.
StorageOptions worker_storage_options(const StudyFile& file) {
  StorageOptions options{.on_retry = say};
  if (file.storage_retry_s)
    options.retry_for = std::chrono::milliseconds(std::llround(*file.storage_retry_s * 1000.0));
  return options;
}

// Records a heartbeat for RUNNING trials at once, then every interval, from
// its own thread and its own storage connection (connections are not shared
// across threads), so a crashed run's trial can be told apart from a live
// one: the trial being run, and the retries this process owes, waiting
// behind it.
class Heartbeat {
 public:
  Heartbeat(const std::string& url, std::vector<TrialHandle> trials, const StudyFile& file)
      : url_(url), interval_s_(file.heartbeat_interval_s), options_(worker_storage_options(file)) {
    if (url.rfind("memory", 0) == 0) return;  // no other process can see it
    thread_ = std::thread([this, trials = std::move(trials)]() mutable { beat(std::move(trials)); });
  }
  ~Heartbeat() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  // A storage outage must not end the heartbeats of a live trial (it would
  // then be failed as stale and run twice): reconnect and go on beating.
  // Only a trial being finished elsewhere drops out; tell() reports it.
  void beat(std::vector<TrialHandle> trials) {
    std::unique_ptr<Storage> storage;
    const auto interval = std::chrono::duration<double>(interval_s_);
    std::unique_lock lock(mutex_);
    do {  // at once: only a trial with a heartbeat can be failed as stale
      lock.unlock();
      std::erase_if(trials, [&](const TrialHandle& trial) { return !beat_once(storage, trial); });
      lock.lock();
    } while (!trials.empty() && !wake_.wait_for(lock, interval, [this] { return stopping_; }));
  }

  bool beat_once(std::unique_ptr<Storage>& storage, const TrialHandle& trial) const {
    try {
      if (!storage) storage = open_storage(url_, options_);
      storage->record_heartbeat(trial.id);
      return true;
    } catch (const InputError&) {
      return false;  // finished elsewhere: failed as stale
    } catch (const NotFoundError&) {
      return false;
    } catch (const std::exception& error) {
      storage.reset();  // unreachable now: a fresh connection at the next beat
      say(fmt::format("heartbeat for trial {} failed: {}; trying again in {:g} s", trial.number,
                      error.what(), interval_s_));
      return true;
    }
  }

  const std::string url_;
  const double interval_s_;
  const StorageOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// --- one trial ------------------------------------------------------------

struct TrialContextData {
  const StudyFile& file;
  const std::string& storage_url;
  Study& study;
  Task& task;
  const SearchSpace& space;
  EnergyMonitor& monitor;
  MachineActivity* activity;  // null: no machine-wide meter to share
  const std::atomic<bool>& stop;
  std::ostream& out;
  std::optional<std::filesystem::path> log_dir;  // trial_log_dir; null: no logs kept
  bool stream_output = false;
};

// What the task's flagged energy records say ("; energy record 'inference':
// net of idle ... at or below zero ..."): why an energy metric is missing.
std::string flag_notes(const std::vector<EnergyRecord>& records) {
  std::string notes;
  for (const auto& record : records) {
    if (const auto note = record.flag_note(); !note.empty()) notes += "; " + note;
  }
  return notes;
}

std::vector<std::string> numeric_metrics(const nlohmann::json& metrics) {
  std::vector<std::string> names;
  if (!metrics.is_object()) return names;
  for (const auto& [key, value] : metrics.items()) {
    if (value.is_number()) names.push_back(key);
  }
  return names;
}

// "objective 'acuracy' ... (did you mean 'accuracy'?)" when an objective
// the failed trial lacks is a typo of a metric it reported and no trial of
// the study ever reported it: a mistake in [[objectives]] that every later
// trial would repeat. A flagged energy record (net energy at or below zero)
// explains a missing energy metric otherwise.
std::optional<std::string> misnamed_objective(const StudySpec& spec, const Trial& failed,
                                              const std::vector<Trial>& trials) {
  const auto records = energy_records(failed.user_attrs);
  const bool flagged = std::any_of(records.begin(), records.end(),
                                   [](const EnergyRecord& record) { return !record.flag_note().empty(); });
  const auto reported = numeric_metrics(failed.user_attrs);
  for (const auto& objective : spec.objectives) {
    if (std::find(reported.begin(), reported.end(), objective.name) != reported.end()) continue;
    if (flagged && objective_role(objective).role == ObjectiveRole::Energy) continue;
    if (!closest_name(objective.name, reported)) continue;
    const bool seen = std::any_of(trials.begin(), trials.end(), [&](const Trial& trial) {
      return trial.user_attrs.contains(objective.name) && trial.user_attrs[objective.name].is_number();
    });
    if (seen) continue;
    return fmt::format("objective '{}' is not a metric the task reported{}; fix its name in [[objectives]] "
                       "(numeric metrics reported: {})",
                       objective.name, did_you_mean(objective.name, reported), fmt::join(reported, ", "));
  }
  return std::nullopt;
}

// Where the task declares its metrics, a misspelt objective is refused
// before the first trial (issue 29: "acuracy" was found after 3 trials).
void check_objectives(const StudyFile& file, const Task& task) {
  const auto metrics = task.metric_names();
  if (metrics.empty()) return;
  for (const auto& objective : file.spec.objectives) {
    if (std::find(metrics.begin(), metrics.end(), objective.name) != metrics.end()) continue;
    throw InputError(fmt::format("{}: objective '{}' is not a metric of the {} task{}; fix its name in "
                                 "[[objectives]] (the task reports: {})",
                                 file.origin, objective.name, task.kind(), did_you_mean(objective.name, metrics),
                                 fmt::join(metrics, ", ")));
  }
}

// Reads the objectives from the task's metrics; FAILED when one is missing
// or not finite (the task's metrics are kept either way).
TrialResult result_from_outcome(const StudySpec& spec, const TaskOutcome& outcome) {
  nlohmann::json attrs = nlohmann::json::object();
  if (outcome.metrics.is_object()) attrs.update(outcome.metrics);
  TrialResult result;
  if (outcome.pruned_reason) {
    result.state = TrialState::Pruned;
    result.fail_reason = *outcome.pruned_reason;
    attrs[kPrunedReasonAttr] = *outcome.pruned_reason;
    result.user_attrs = std::move(attrs);
    return result;
  }
  for (const auto& objective : spec.objectives) {
    const auto& metric = outcome.metrics.is_object() && outcome.metrics.contains(objective.name)
                             ? outcome.metrics[objective.name]
                             : nlohmann::json();
    if (!metric.is_number() || !std::isfinite(metric.get<double>())) {
      const auto reported = numeric_metrics(outcome.metrics);
      result.state = TrialState::Failed;
      result.fail_reason = fmt::format(
          "the task reported {} for objective '{}'{}; numeric metrics it reported: {}{}{}",
          metric.is_null() ? "nothing" : metric.dump(), objective.name,
          metric.is_null() ? did_you_mean(objective.name, reported) : "", fmt::join(reported, ", "),
          flag_notes(outcome.energy), outcome.diagnostics);
      result.values.clear();
      break;
    }
    result.values.push_back(metric.get<double>());
  }
  result.user_attrs = std::move(attrs);
  return result;
}

// A PRUNED trial keeps each objective's last reported value (none unless
// every objective was reported).
std::vector<double> pruned_values(const Study& study, std::int64_t number) {
  for (const auto& trial : study.trials()) {
    if (trial.number == number) return last_objective_values(study.spec(), trial);
  }
  return {};
}

struct TrialRun {
  TrialResult result;
  bool interrupted = false;
  // The task's records and the runner's kTrialRecord, stored by store_energy.
  std::vector<EnergyRecord> energy;
  bool overlapped = false;  // a machine-wide meter saw another trial's work
};

// A trial whose measured devices were shared with parallel trials says so
// in every energy record it stores (the task's phases too), so no report
// passes it off as a clean measurement.
void store_energy(TrialRun& run, bool shared) {
  for (auto& record : run.energy) record.shared = record.shared || shared;
  write_energy_records(run.result.user_attrs, run.energy);
}

// The trial's carbon, stored with it: its tuning energy and the tuner's
// own work for it (its kTrialRecord and kTunerRecord, as budgets count
// them) at the intensity over its window. A failing intensity source is an
// error, but the trial's result is stored first: returns the error for
// after the tell.
std::optional<std::string> store_carbon(TrialRun& run, const IntensitySource& intensity, TimePoint started,
                                        const std::optional<IntensityReading>& at_start) {
  TuningEnergy own;
  own.add(run.energy);
  if (own.measured == 0) return std::nullopt;
  try {
    const IntensityReading reading = intensity.over(started, Clock::now(), at_start);
    run.result.user_attrs[kTrialCarbonAttr] = trial_carbon_json(own.total_j(), intensity.options().pue, reading);
  } catch (const Error& error) {
    return error.what();
  }
  return std::nullopt;
}

// SIGTERM is how schedulers stop a job (Slurm's scancel, preemption and
// time limit, Kubernetes, systemd), SIGKILL following after a grace: not
// the trial's fault. Its trial is left RUNNING, as if the worker had been
// killed, so that the stale-trial rule fails and retries it.
std::string left_running_message(const StudyFile& file, std::int64_t number) {
  return fmt::format(
      "stopped by SIGTERM (scancel, preemption or a time limit): trial {} is left RUNNING; a "
      "worker fails it as stale once its heartbeat is {:g} s old and {}",
      number, file.stale_after_s,
      file.retry_failed > 0 ? fmt::format("retries it ([study] retry_failed = {})", file.retry_failed)
                            : std::string("does not retry it ([study] retry_failed = 0)"));
}

// tune --stream-output: each line of the trial's program on our stdout,
// after the trial's number.
std::function<void(std::string_view)> stream_echo(const TrialContextData& data, std::int64_t number) {
  if (!data.stream_output) return {};
  return [&out = data.out, number](std::string_view line) {
    out << fmt::format("[trial {}] {}\n", number, printable(line)) << std::flush;
  };
}

// `beating`: the trial first, then the retries waiting, all sent heartbeats.
TrialRun run_trial(TrialContextData& data, const AskResult& asked,
                   std::vector<TrialHandle> beating, std::optional<std::string> device) {
  const StudySpec& spec = data.study.spec();
  TaskContext context{.params = asked.params,
                      .trial_number = asked.number,
                      .monitor = data.monitor,
                      .stop_requested = data.stop,
                      .report = [&](const IntermediateReport& report) {
                        return report_intermediate(data.study, data.file.pruning, asked.number, report);
                      },
                      .log = [&](const std::string& line) {
                        data.out << fmt::format("  trial {}: {}\n", asked.number, line) << std::flush;
                      },
                      .space = &data.space,
                      .device = std::move(device)};
  const std::string window = fmt::format("trial-{}", asked.number);
  Heartbeat heartbeat(data.storage_url, std::move(beating), data.file);
  TrialRun run;
  AttributedWindow trial_window(data.monitor, data.activity, window,
                                fmt::format("{} trial {}, pid {}", data.study.name(), asked.number, ::getpid()));
  std::optional<TaskOutcome> outcome;
  std::string failure;
  std::optional<TrialLog> log;
  try {
    log.emplace(data.log_dir ? std::optional(trial_log_path(*data.log_dir, asked.number)) : std::nullopt,
                stream_echo(data, asked.number));
    context.output = [&log](std::string_view line) { log->add(line); };
    outcome = data.task.run(context);
  } catch (const TrialInterrupted&) {
    run.interrupted = true;
  } catch (const std::exception& error) {
    failure = error.what();
    run.interrupted = data.stop.load();  // a task may fail in its own way when stopped
  }
  EnergyRecord trial_energy = trial_window.end(kTrialRecord);
  run.overlapped = trial_energy.shared;
  run.energy.push_back(std::move(trial_energy));
  if (outcome) {
    run.result = result_from_outcome(spec, *outcome);
    if (outcome->pruned_reason) run.result.values = pruned_values(data.study, asked.number);
    run.energy.insert(run.energy.begin(), outcome->energy.begin(), outcome->energy.end());
    return run;
  }
  run.result.state = TrialState::Failed;
  run.result.fail_reason = run.interrupted ? std::string(kInterruptedFailReason) : failure;
  run.result.user_attrs = nlohmann::json::object();
  return run;
}

// --- the loop -------------------------------------------------------------

// A trial whose heartbeats did not reach the storage (an outage) may have
// been failed as stale by another worker, which retries it: its result is
// dropped rather than stored twice.
std::optional<Trial> tell_unless_lost(Study& study, std::int64_t number,
                                      const TrialResult& result, std::ostream& out) {
  auto finished_elsewhere = [&]() -> std::optional<Trial> {
    auto current = study.storage().find_trial(study.record().id, number);
    if (current && is_finished(current->state)) return current;
    return std::nullopt;
  };
  auto drop = [&](const Trial& current) {
    out << fmt::format("trial {} was marked {} elsewhere ({}); its result is dropped\n", number,
                       to_string(current.state), current.fail_reason.value_or("no reason"))
        << std::flush;
    return std::optional<Trial>();
  };
  if (const auto current = finished_elsewhere()) return drop(*current);
  try {
    return study.tell(number, result);
  } catch (const InputError&) {
    // Finished since the check: failed as stale by another worker just now,
    // or our own tell committed before a lost connection made it retry.
    const auto current = finished_elsewhere();
    if (!current) throw;
    if (current->fail_reason.value_or("").starts_with(kStaleFailPrefix)) return drop(*current);
    return current;
  }
}

// The study file as stored with the study: a storage URL's password stays
// out of the database.
nlohmann::json stored_document(const StudyFile& file) {
  auto document = file.document;
  if (document.contains("study") && document["study"].contains("storage")) {
    document["study"]["storage"] = redact_url(file.storage_url);
  }
  return document;
}

// The study the file describes, created or resumed: a stored study that
// asks another question (objectives, constraints, space) is refused in one
// line naming the change and the file.
Study open_study(Storage& storage, const StudyFile& file, const StudySpec& spec, const SearchSpace& space) {
  try {
    Study study = Study::load_or_create(storage, spec, {{kStudyFileAttr, stored_document(file)}});
    study.declare_space(space);
    return study;
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", file.origin, error.what()));
  }
}

// [[enqueue]], checked against the space the run searches before anything
// is stored.
std::vector<ParamMap> file_configurations(const StudyFile& file, const SearchSpace& space) {
  std::vector<ParamMap> configurations;
  for (std::size_t i = 0; i < file.enqueue.size(); ++i) {
    try {
      configurations.push_back(space.configuration(file.enqueue[i]));
    } catch (const InputError& error) {
      throw InputError(fmt::format("{}: enqueue[{}]: {}", file.origin, i, error.what()));
    }
  }
  return configurations;
}

// Each configuration is queued once: a rerun or a second worker finds it queued.
void enqueue_configurations(Study& study, const std::vector<ParamMap>& configurations, const SearchSpace& space,
                            std::ostream& out) {
  for (std::size_t i = 0; i < configurations.size(); ++i) {
    const auto queued = study.enqueue(configurations[i], space, true);
    if (queued.added) out << fmt::format("enqueued: [[enqueue]] {} as queued configuration {}\n", i, queued.index);
  }
}

// --warm-start-from / [study] warm_start_from: the related study's COMPLETE
// trials inform mobo's models (they are not trials of this study), and
// mobo's start design begins with a spread of their Pareto set.
void print_warm_start(const Study& study, const std::string& related, std::ostream& out) {
  if (related.empty()) return;
  out << fmt::format("warm start: {} COMPLETE trials of study '{}' inform the models (they are not trials of '{}'); "
                     "mobo's start design begins with a spread of their Pareto set\n",
                     study.warm_start_trials(), printable(related), printable(study.name()));
}

// A run in which every trial failed, or that ends short of its budget, did
// not do what was asked: the caller exits non-zero, saying why. (Trials
// pruned by energy-first evaluation are results, not failures.)
void require_outcome(const Study& study, const std::vector<Trial>& trials, std::int64_t n_trials,
                     const RunOptions& options, const StudyFile& file, bool stopped_by_rule) {
  const auto count = [&](TrialState state) {
    return std::count_if(trials.begin(), trials.end(), [&](const Trial& t) { return t.state == state; });
  };
  if (count(TrialState::Complete) + count(TrialState::Pruned) == 0) {
    throw Error(fmt::format("no trial of study '{}' completed ({} failed); see why with 'ecopt "
                            "trials --study-name {} --format table'",
                            study.name(), count(TrialState::Failed), study.name()));
  }
  const auto finished = count(TrialState::Complete) + count(TrialState::Pruned);
  if (options.max_trials_run || stopped_by_rule || finished >= n_trials) return;
  std::vector<std::string> running;
  for (const auto& trial : trials) {
    if (trial.state == TrialState::Running)
      running.push_back(fmt::format("trial {} is RUNNING {}", trial.number, describe_runner(trial)));
  }
  throw Error(fmt::format("study '{}' has {} of {} trials finished ({}); rerun 'ecopt tune {}' once "
                          "they have finished or been failed as stale",
                          study.name(), finished, n_trials, fmt::join(running, "; "), file.origin));
}

// Sleeps about one heartbeat interval, waking early on a stop request.
void wait_for_others(const StudyFile& file, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration<double>(std::min(file.heartbeat_interval_s, 1.0));
  while (!stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The study-wide figures of the progress line (every worker's trials),
// brought up to date from the trials changed since the last line, so a line
// costs what changed, not the study's size. A trial counts once, when first
// seen finished: its values and energy are final then.
class ProgressTally {
 public:
  explicit ProgressTally(const StudySpec& spec) : front_(spec) {}

  void update(const Study& study) {
    for (const Trial* trial : study.changed_trials(position_)) {
      if (!is_finished(trial->state) || !counted_.insert(trial->number).second) continue;
      tuning_.add(*trial);
      front_.add(*trial);
      if (counts_toward_n_trials(trial->state)) ++answered_;
    }
    if (!reference_) reference_ = fixed_reference(study.trials(), study.spec());
  }

  // COMPLETE and PRUNED trials: those n_trials counts.
  std::int64_t answered() const { return answered_; }
  const TuningEnergy& tuning() const { return tuning_; }
  const StudyFront& front() const { return front_; }
  const std::optional<ReferencePoint>& reference() const { return reference_; }

 private:
  StudyFront front_;  // incremental: the same figures as front_of(every trial)
  std::size_t position_ = 0;
  std::unordered_set<std::int64_t> counted_;
  std::int64_t answered_ = 0;
  TuningEnergy tuning_;  // incremental: the same figures as tuning_energy(every trial)
  std::optional<ReferencePoint> reference_;  // fixed_reference(), held once set
};

// What the report shows of the rule that stopped a run: which, why, and
// where in the study (trials answered, tuning energy so far).
nlohmann::json stop_record(const StopReason& reason, const ProgressTally& tally) {
  return {{"rule", reason.rule},
          {"message", reason.message},
          {"trials_answered", tally.answered()},
          {"tuning_energy_j", tally.tuning().gross_j},
          {"at", format_time(Clock::now())}};
}

}  // namespace

std::optional<RelatedHistory> load_warm_start(Storage& storage, const std::string& related, std::string_view sampler,
                                              const StudySpec& spec, const SearchSpace& space) {
  if (related.empty()) return std::nullopt;
  if (sampler != "mobo") {
    throw InputError(fmt::format("a warm start informs mobo's models; sampler '{}' cannot use one: use mobo or "
                                 "leave the warm start out",
                                 printable(sampler)));
  }
  return related_history(Study::load(storage, related), spec, space);
}

RunSummary run_study(const StudyFile& file, const RunOptions& options) {
  std::ostream& out = options.out ? *options.out : std::cout;
  static const std::atomic<bool> never_stop{false};
  const std::atomic<bool>& stop = options.stop ? *options.stop : never_stop;
  const std::string url = options.storage_url.value_or(file.storage_url);
  const std::int64_t n_trials = options.n_trials.value_or(file.n_trials);
  if (n_trials < 1) throw InputError("--n-trials must be at least 1");

  // Everything that can be wrong with the file fails before a trial starts.
  std::unique_ptr<Task> owned_task;
  Task* task = options.task;
  if (!task) {
    owned_task = make_task(file.task);
    task = owned_task.get();
  }
  const SearchSpace task_space = task->default_search_space();
  const SearchSpace space = resolve_search_space(file, task_space);
  task->check_space(space);
  check_objectives(file, *task);
  const auto configurations = file_configurations(file, space);
  for (const auto& warning : space.warnings()) out << "space: " << printable(warning) << '\n';
  SamplerOptions sampler_options;
  sampler_options.seed = file.seed;
  sampler_options.initial_trials = file.initial_trials;
  sampler_options.extra = file.sampler_options;
  auto sampler = make_sampler(file.sampler, sampler_options);
  const IntensitySource intensity(file.energy.carbon);  // a bad intensity file fails now
  auto storage = open_storage(url, worker_storage_options(file));
  StudySpec spec = file.spec;
  spec.budget = overlay(spec.budget, options.budget);
  const std::string related = options.warm_start_from.value_or(file.warm_start_from);
  auto warm = load_warm_start(*storage, related, file.sampler, spec, space);
  Study study = open_study(*storage, file, spec, space);
  enqueue_configurations(study, configurations, space, out);
  if (warm) study.warm_start_from(std::move(*warm));
  print_warm_start(study, related, out);
  std::unique_ptr<EnergyMonitor> owned_monitor;
  EnergyMonitor* monitor = options.monitor;
  if (!monitor) {
    owned_monitor = make_monitor(file, out);
    monitor = owned_monitor.get();
  }
  const auto activity = machine_activity(*monitor, options);
  TunerAccount tuner_work;
  const std::string tuner_who = fmt::format("{} tuner, pid {}", study.name(), ::getpid());
  if (auto baseline = measure_idle(file, *monitor, activity.get(), options.leases, stop, out))
    tuner_work.add(std::move(*baseline));
  const FailureLimits limits{file.origin, options.max_failed_trials.value_or(file.max_failed_trials.value_or(n_trials)),
                             file.stop_after_same_failures};
  // The stored budget: a resumed study keeps the limits it was given.
  StudyRules rules(study.spec().budget, limits, file.energy.carbon);
  ConsoleReport report(out, study, n_trials, space, file.energy.carbon);
  report.started(*storage, *sampler, limits.max_failed_trials);
  out << space_table(space, file, task_space, task->kind()) << std::flush;
  std::vector<RunObserver*> observers{&report};
  observers.insert(observers.end(), options.observers.begin(), options.observers.end());
  // A worker may lease only devices this machine can measure.
  if (options.leases) monitor->set_device_scope(options.leases->devices());
  TrialClaimer claimer(study, space, *sampler, n_trials, file, out);

  TrialContextData data{file, url, study, *task, space, *monitor, activity.get(), stop, out,
                        trial_log_dir(url, study.name()), options.stream_output};
  RunSummary summary;
  ProgressTally tally(study.spec());
  while (!options.max_trials_run || summary.trials_run < *options.max_trials_run) {
    if (stop) throw StudyInterrupted("interrupted between trials; nothing was running");
    if (file.energy.hold) hold_while_carbon_intense(intensity, *file.energy.hold, stop, out);
    if (stop) throw StudyInterrupted("interrupted between trials; nothing was running");
    tally.update(study);
    if (auto reason = rules.check(study.trials(), study.spec(), tally.tuning())) {
      if (reason->failure) throw Error(reason->message);
      for (RunObserver* observer : observers) observer->stopped(*reason);
      storage->set_study_user_attrs(study.record().id, {{kStoppedByStudyAttr, stop_record(*reason, tally)}});
      summary.stopped_by = std::move(reason);
      break;
    }
    // The lease comes first: a claimed trial waiting for a device would
    // send no heartbeats.
    const DeviceLease lease = options.leases ? options.leases->acquire(stop) : DeviceLease();
    // A CPU set lease: the sampler's work and the trial run on its CPUs.
    const CpuPinning pinned(lease.cpus());
    // A leased trial, and the tuner's work for it, run on and are charged
    // for only what its lease holds.
    if (options.leases) monitor->set_device_scope(charged_devices(lease, *monitor));
    // Before the claim: a failing intensity source leaves no trial behind.
    const auto intensity_at_start = intensity.start_reading();
    // The tuner's own work for the trial (the sampler's model fits, the
    // claim through storage).
    AttributedWindow claim_window(*monitor, activity.get(), "tuner", tuner_who);
    const auto claimed = claimer.next();
    if (!claimed && !(options.wait_for_others && claimer.others_running())) {
      // The study is full: no trial to charge this claim to, so it takes no
      // share of a machine-wide meter from the windows it overlapped either.
      claim_window.discard();
      break;
    }
    tuner_work.add(claim_window.end(kTunerRecord));
    if (!claimed) {
      wait_for_others(file, stop);
      continue;
    }
    const AskResult& asked = claimed->asked;
    auto beating = claimer.owed_retries();
    beating.insert(beating.begin(), {asked.number, claimed->trial_id});
    const TimePoint trial_started = Clock::now();
    TrialRun run = run_trial(data, asked, std::move(beating),
                             options.leases ? leased_accelerator(lease) : std::nullopt);
    if (options.leases) run.result.user_attrs.update(lease.attrs());
    run.energy.push_back(tuner_work.record());
    store_energy(run, run.overlapped || lease_mixes_energy(lease, *monitor));
    const auto carbon_failure = store_carbon(run, intensity, trial_started, intensity_at_start);
    if (run.result.state != TrialState::Complete && caught_stop_signal() == SIGTERM)
      throw StudyInterrupted(left_running_message(file, asked.number));
    AttributedWindow tell_window(*monitor, activity.get(), "tuner", tuner_who);
    auto told_or_lost = tell_unless_lost(study, asked.number, run.result, out);
    EnergyRecord tell_energy = tell_window.end(kTunerRecord);
    ++summary.trials_run;
    if (told_or_lost) {
      tuner_work.charge_tell(*storage, *told_or_lost, std::move(tell_energy));
    } else {
      tuner_work.drop();
    }
    if (carbon_failure) throw UnavailableError(*carbon_failure);
    if (!told_or_lost) continue;
    const Trial& told = *told_or_lost;

    tally.update(study);
    storage->set_study_user_attrs(study.record().id, {{kTuningEnergyStudyAttr, tally.tuning().gross_j}});
    const RunProgress progress{tally.answered(), n_trials, summary.trials_run, tally.front(), tally.tuning(),
                               tally.reference()};
    for (RunObserver* observer : observers) observer->trial_told(told, progress);
    if (run.interrupted || stop) {
      throw StudyInterrupted(fmt::format(
          "interrupted: trial {} {}; rerun 'ecopt tune {}' to resume", asked.number,
          run.interrupted ? "marked FAILED (interrupted by user), to run again first" : "finished first",
          file.origin));
    }
    if (told.state == TrialState::Failed) {
      if (const auto mistake = misnamed_objective(study.spec(), told, study.trials())) {
        throw InputError(fmt::format("{}: {}", file.origin, *mistake));
      }
    }
    rules.record(told);
  }

  const auto trials = study.trials();
  summary.trials_finished = std::count_if(trials.begin(), trials.end(),
                                          [](const Trial& t) { return counts_toward_n_trials(t.state); });
  summary.front = front_of(trials, study.spec());
  const TuningEnergy tuning = tuning_energy(trials);
  summary.tuning_energy_j = tuning.gross_j;
  storage->set_study_user_attrs(study.record().id, {{kTuningEnergyStudyAttr, tuning.gross_j}});
  for (RunObserver* observer : observers) observer->finished(summary, trials);
  require_outcome(study, trials, n_trials, options, file, summary.stopped_by.has_value());
  return summary;
}

}  // namespace ecopt
