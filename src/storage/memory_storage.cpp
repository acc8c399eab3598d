// In-memory storage: one process, any number of threads (one mutex).
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <set>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "storage_rules.hpp"

namespace ecopt {
namespace {

namespace rules = storage_rules;

struct StoredTrial {
  std::int64_t study_id;
  Trial trial;
  std::int64_t version;  // the study's version at this trial's last write
};

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(StorageOptions options) : options_(std::move(options)) {}

  StudyRecord create_study(const StudySpec& spec, const nlohmann::json& user_attrs) override {
    const nlohmann::json stored_attrs = rules::validate_new_study(spec, user_attrs);
    std::lock_guard lock(mutex_);
    if (find_study_locked(spec.name)) throw InputError(rules::duplicate_study_message(spec.name));
    StudyRecord record{static_cast<std::int64_t>(studies_.size()) + 1, spec, stored_attrs};
    studies_.push_back(record);
    versions_.push_back(0);
    return record;
  }

  std::optional<StudyRecord> find_study(std::string_view name) override {
    rules::check_study_name(name);
    std::lock_guard lock(mutex_);
    const StudyRecord* record = find_study_locked(name);
    return record ? std::optional(*record) : std::nullopt;
  }

  std::vector<StudyRecord> studies() override {
    std::lock_guard lock(mutex_);
    std::vector<StudyRecord> kept;
    for (const auto& record : studies_) {
      if (!deleted_.contains(record.id)) kept.push_back(record);
    }
    return kept;
  }

  void set_study_user_attrs(std::int64_t study_id, const nlohmann::json& attrs) override {
    std::lock_guard lock(mutex_);
    rules::merge_attrs(study_locked(study_id).user_attrs, attrs, "study user attributes");
  }

  StudySpec update_study_spec(std::int64_t study_id,
                              const std::function<StudySpec(StudySpec)>& change) override {
    std::lock_guard lock(mutex_);
    StudySpec& stored = study_locked(study_id).spec;
    stored = rules::checked_spec_update(stored, change(stored));
    return stored;
  }

  Trial create_trial(std::int64_t study_id, const nlohmann::json& system_attrs,
                     const ParamMap& params) override {
    return *create_trial_within(study_id, system_attrs, INT64_MAX, params);
  }

  std::optional<Trial> create_trial_within(std::int64_t study_id,
                                           const nlohmann::json& system_attrs,
                                           std::int64_t max_trials,
                                           const ParamMap& params) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    const auto number = trials_in(study_id);
    if (number >= max_trials) return std::nullopt;
    Trial trial = rules::new_trial(static_cast<std::int64_t>(trials_.size()) + 1, number,
                                   system_attrs, rules::stored_now(options_));
    trial.params = params;
    trials_.push_back({study_id, trial, ++versions_[study_id - 1]});
    return trial;
  }

  Trial import_trial(std::int64_t study_id, const Trial& trial) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    Trial stored = rules::imported_trial(trial, trials_in(study_id));
    stored.id = static_cast<std::int64_t>(trials_.size()) + 1;
    trials_.push_back({study_id, stored, ++versions_[study_id - 1]});
    return stored;
  }

  // Ids index the vectors, so the study's and its trials' stay taken; they
  // are found no more.
  void delete_study(std::int64_t study_id) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    deleted_.insert(study_id);
  }

  void rename_study(std::int64_t study_id, std::string_view name) override {
    rules::check_new_study_name(name);
    std::lock_guard lock(mutex_);
    StudyRecord& record = study_locked(study_id);
    if (find_study_locked(name)) throw InputError(rules::duplicate_study_message(name));
    record.spec.name = std::string(name);
  }

  void set_trial_params(std::int64_t trial_id, const ParamMap& params) override {
    std::lock_guard lock(mutex_);
    rules::set_params(written(trial_id).trial, params);
  }

  void set_trial_user_attrs(std::int64_t trial_id, const nlohmann::json& attrs) override {
    std::lock_guard lock(mutex_);
    rules::merge_attrs(written(trial_id).trial.user_attrs, attrs, "trial user attributes");
  }

  void set_trial_system_attrs(std::int64_t trial_id, const nlohmann::json& attrs) override {
    std::lock_guard lock(mutex_);
    rules::merge_attrs(written(trial_id).trial.system_attrs, attrs, "trial system attributes");
  }

  void finish_trial(std::int64_t trial_id, const TrialResult& result) override {
    std::lock_guard lock(mutex_);
    StoredTrial& stored = written(trial_id);
    Trial updated = stored.trial;  // all or nothing: apply to a copy first
    rules::finish(updated, study_locked(stored.study_id).spec, result,
                  rules::stored_now(options_));
    stored.trial = std::move(updated);
  }

  void report_intermediate(std::int64_t trial_id, std::int64_t step,
                           const nlohmann::json& values) override {
    std::lock_guard lock(mutex_);
    rules::report_intermediate(written(trial_id).trial, step, values);
  }

  void record_heartbeat(std::int64_t trial_id) override {
    std::lock_guard lock(mutex_);
    rules::heartbeat(written(trial_id).trial, rules::stored_now(options_));
  }

  std::vector<Trial> fail_stale_trials(std::int64_t study_id,
                                       std::chrono::milliseconds timeout) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    const TimePoint now = rules::stored_now(options_);
    std::vector<Trial> failed;
    for (auto& stored : trials_) {
      if (stored.study_id == study_id && rules::fail_if_stale(stored.trial, now, timeout)) {
        stored.version = ++versions_[study_id - 1];
        failed.push_back(stored.trial);
      }
    }
    return failed;
  }

  TrialChanges trials_changed_since(std::int64_t study_id, std::int64_t version) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    TrialChanges changes{{}, versions_[study_id - 1]};
    for (const auto& stored : trials_) {
      if (stored.study_id == study_id && stored.version > version) {
        changes.trials.push_back(stored.trial);
      }
    }
    return changes;  // numbers grow with insertion order
  }

  std::optional<Trial> find_trial(std::int64_t study_id, std::int64_t number) override {
    std::lock_guard lock(mutex_);
    study_locked(study_id);
    for (const auto& stored : trials_) {
      if (stored.study_id == study_id && stored.trial.number == number) return stored.trial;
    }
    return std::nullopt;
  }

  std::string describe() const override { return "memory"; }

 private:
  const StudyRecord* find_study_locked(std::string_view name) const {
    for (const auto& record : studies_) {
      if (record.spec.name == name && !deleted_.contains(record.id)) return &record;
    }
    return nullptr;
  }

  std::int64_t trials_in(std::int64_t study_id) const {
    return std::count_if(trials_.begin(), trials_.end(), [&](const auto& t) { return t.study_id == study_id; });
  }

  StudyRecord& study_locked(std::int64_t study_id) {
    if (study_id < 1 || study_id > static_cast<std::int64_t>(studies_.size()) || deleted_.contains(study_id)) {
      throw NotFoundError(rules::unknown_study_message(study_id));
    }
    return studies_[study_id - 1];
  }

  // The trial about to be written, with the study's next version. A write
  // that throws still moves the version on: readers then re-read a trial
  // that did not change, which costs a little and loses nothing.
  StoredTrial& written(std::int64_t trial_id) {
    if (trial_id < 1 || trial_id > static_cast<std::int64_t>(trials_.size()) ||
        deleted_.contains(trials_[trial_id - 1].study_id)) {
      throw NotFoundError(rules::unknown_trial_message(trial_id));
    }
    StoredTrial& stored = trials_[trial_id - 1];
    stored.version = ++versions_[stored.study_id - 1];
    return stored;
  }

  StorageOptions options_;
  std::mutex mutex_;
  std::vector<StudyRecord> studies_;
  std::vector<std::int64_t> versions_;  // per study, by id - 1
  std::vector<StoredTrial> trials_;  // by id - 1, a deleted study's too
  std::set<std::int64_t> deleted_;  // study ids
};

}  // namespace

std::unique_ptr<Storage> make_memory_storage(const StorageOptions& options) {
  return std::make_unique<MemoryStorage>(options);
}

}  // namespace ecopt
