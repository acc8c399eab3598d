#pragma once
// A narrow, ID-based storage API. Every backend (memory, SQLite,
// PostgreSQL) passes the same conformance suite in tests/storage.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

struct StudyRecord {
  std::int64_t id = -1;
  StudySpec spec;  // the study definition (core/study_spec.hpp), any stored version read
  nlohmann::json user_attrs = nlohmann::json::object();  // e.g. the study file, the search space
};

// What a finished trial reports, applied atomically by finish_trial.
struct TrialResult {
  TrialState state = TrialState::Complete;
  std::vector<double> values;
  nlohmann::json user_attrs = nlohmann::json::object();  // merged into the trial's
  std::optional<std::string> fail_reason;
};

// The trials of a study written since a version of it, and the version
// they bring it to. A reader that keeps what it got and asks again from the
// returned version sees every later write, made by any process.
struct TrialChanges {
  std::vector<Trial> trials;  // in number order
  std::int64_t version = 0;
};

// The most steps of a learning curve one trial stores: a program reporting
// every batch of a long run is told to report less often.
inline constexpr std::size_t kMaxIntermediateSteps = 10000;

// How the fail_reason of a trial failed as stale begins.
inline constexpr std::string_view kStaleFailPrefix = "heartbeat lost";

class Storage {
 public:
  virtual ~Storage() = default;

  // Throws InputError if a study of that name exists.
  virtual StudyRecord create_study(const StudySpec& spec, const nlohmann::json& user_attrs) = 0;
  virtual std::optional<StudyRecord> find_study(std::string_view name) = 0;
  virtual std::vector<StudyRecord> studies() = 0;
  // Merges into the study's user attributes.
  virtual void set_study_user_attrs(std::int64_t study_id, const nlohmann::json& attrs) = 0;
  // The one writer of a stored study definition after create_study: reads
  // it, lets `change` return the new one (or throw, changing nothing) and
  // stores it, atomically with concurrent writers; returns what is stored.
  // The name and objectives cannot change (InputError).
  virtual StudySpec update_study_spec(std::int64_t study_id,
                                      const std::function<StudySpec(StudySpec)>& change) = 0;

  // Atomically takes the next trial number and stores the trial, RUNNING,
  // with its params: in one transaction, so that no trial is ever stored
  // without the params it was created for.
  virtual Trial create_trial(std::int64_t study_id, const nlohmann::json& system_attrs,
                             const ParamMap& params = {}) = 0;
  // Like create_trial, but only while the study holds fewer than
  // `max_trials` trials; nullopt when it is full. Atomic with concurrent
  // creators, so N workers never create more than max_trials in total.
  virtual std::optional<Trial> create_trial_within(std::int64_t study_id,
                                                   const nlohmann::json& system_attrs,
                                                   std::int64_t max_trials,
                                                   const ParamMap& params = {}) = 0;
  // Only while RUNNING; throws InputError otherwise.
  virtual void set_trial_params(std::int64_t trial_id, const ParamMap& params) = 0;
  // Merge into the trial's attributes in any state (a report may annotate a
  // finished trial); null merges nothing, other non-objects are InputError.
  // Unknown study or trial ids throw NotFoundError everywhere.
  virtual void set_trial_user_attrs(std::int64_t trial_id, const nlohmann::json& attrs) = 0;
  virtual void set_trial_system_attrs(std::int64_t trial_id, const nlohmann::json& attrs) = 0;
  // Moves a RUNNING trial to a finished state in one transaction; throws
  // InputError if the trial is already finished (nothing is changed).
  // COMPLETE needs one finite value per objective; PRUNED may carry them;
  // FAILED may carry any values (non-finite ones are read back as NaN).
  virtual void finish_trial(std::int64_t trial_id, const TrialResult& result) = 0;
  // Stores what a RUNNING trial reports at `step` of its learning curve
  // (Trial::intermediate), replacing an earlier report of that step. Only
  // while RUNNING; InputError for a finished trial, a negative step, values
  // that are not an object of finite numbers (checked_intermediate_values)
  // or a trial already holding kMaxIntermediateSteps steps.
  virtual void report_intermediate(std::int64_t trial_id, std::int64_t step,
                                   const nlohmann::json& values) = 0;
  // Only while RUNNING: throws InputError once the trial has finished, so a
  // worker learns that its trial was failed as stale.
  virtual void record_heartbeat(std::int64_t trial_id) = 0;
  // Fails RUNNING trials whose heartbeat (or start, when none) is older than
  // `timeout`, with a fail_reason starting kStaleFailPrefix; returns them. Atomic:
  // concurrent callers never fail one trial twice nor a finished one.
  virtual std::vector<Trial> fail_stale_trials(std::int64_t study_id,
                                               std::chrono::milliseconds timeout) = 0;

  // Trials created or changed after `version` (0: every trial). Each write
  // to a trial gives it the study's next version, in commit order, so the
  // reads stay cheap however large the study grows.
  virtual TrialChanges trials_changed_since(std::int64_t study_id, std::int64_t version) = 0;
  std::vector<Trial> trials(std::int64_t study_id) {
    return trials_changed_since(study_id, 0).trials;
  }
  virtual std::optional<Trial> find_trial(std::int64_t study_id, std::int64_t number) = 0;

  // Removes the study and its trials; NotFoundError when unknown.
  virtual void delete_study(std::int64_t study_id) = 0;
  // InputError when another study has that name or it is empty (nothing
  // changes then).
  virtual void rename_study(std::int64_t study_id, std::string_view name) = 0;
  // Stores `trial` as it is (state, params, values, attributes, reason,
  // times) as the study's next trial and returns it with its id and
  // number: what copy_study writes, trial by trial in number order.
  virtual Trial import_trial(std::int64_t study_id, const Trial& trial) = 0;

  // The URL it was opened with, password removed (safe to print).
  virtual std::string describe() const = 0;
};

// What opening a storage may do to it.
enum class StorageAccess {
  Create,    // create the SQLite file and the tables when missing (tune, create-study)
  Existing,  // the file must exist, so that a typo creates no empty database (ask, tell)
  ReadOnly,  // as Existing, and nothing is written: no tables into an empty file, no
             // switch of its journal to WAL (studies, trials, report, dashboard, exports)
};

// How a storage is opened and how patient it is; the defaults are what
// plain commands use (workers: study/runner.cpp), the clock a seam for tests.
struct StorageOptions {
  std::function<TimePoint()> clock = [] { return Clock::now(); };
  // PostgreSQL: how often a transaction is retried on a lost connection or a
  // serialisation conflict, waiting `retry_backoff`, doubling, at most 5 s.
  int retry_attempts = 8;
  std::chrono::milliseconds retry_backoff{100};
  // Set: as many attempts as make the waits add up to at least this (a
  // worker's [study] storage_retry_s), in place of retry_attempts.
  std::optional<std::chrono::milliseconds> retry_for = std::nullopt;
  // Told, in one line, before each wait for a server that cannot be reached
  // ("storage URL unreachable (...); retrying in 0.4 s (attempt 3 of 8)");
  // null: silently. Workers print it (study/runner.cpp).
  std::function<void(const std::string&)> on_retry = nullptr;
  StorageAccess access = StorageAccess::Create;
};

// "memory", "sqlite:///relative/path.db", "sqlite:////abs/path.db" (as
// SQLAlchemy and Optuna spell them), "postgresql://user:pw@host:port/db".
// Throws StorageError naming the URL (without its password) when it cannot
// be opened, is not an ECOpt database, or has a newer schema.
std::unique_ptr<Storage> open_storage(std::string_view url, const StorageOptions& options = {});

// The URL with any password replaced by "***".
std::string redact_url(std::string_view url);

}  // namespace ecopt
