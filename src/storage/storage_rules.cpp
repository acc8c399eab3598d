#include "storage_rules.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"

namespace ecopt::storage_rules {

std::int64_t to_epoch_ms(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_epoch_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

TimePoint stored_now(const StorageOptions& options) {
  return from_epoch_ms(to_epoch_ms(options.clock()));
}

std::string duplicate_study_message(std::string_view name) {
  return fmt::format("study '{}' already exists; use --skip-if-exists or another name", name);
}

std::string unknown_study_message(std::int64_t study_id) {
  return fmt::format("no study with id {} in this storage; list them with 'ecopt studies'",
                     study_id);
}

std::string unknown_trial_message(std::int64_t trial_id) {
  return fmt::format("no trial with id {} in this storage; list them with 'ecopt trials'",
                     trial_id);
}

void merge_attrs(nlohmann::json& into, const nlohmann::json& attrs, std::string_view what) {
  if (attrs.is_null()) return;  // what `{}` becomes at a call site: nothing to merge
  if (!attrs.is_object()) {
    throw InputError(fmt::format("{} must be a JSON object, got {}", what, attrs.type_name()));
  }
  into.update(storable_json(attrs));
}

nlohmann::json validate_new_study(const StudySpec& spec, const nlohmann::json& user_attrs) {
  spec.validate();
  if (!user_attrs.is_object()) {
    throw InputError(fmt::format("study user attributes must be a JSON object, got {}",
                                 user_attrs.type_name()));
  }
  return storable_json(user_attrs);
}

void check_study_name(std::string_view name) { require_storable_name(name, "study name"); }

void check_new_study_name(std::string_view name) {
  if (name.empty()) throw InputError("the new study name is empty; give one");
  check_study_name(name);
}

void read_version_1_definition(StudyRecord& record) {
  const nlohmann::json::json_pointer file_noise("/study_file/study/sampler_options/noisy");
  if (record.user_attrs.contains(file_noise) && record.user_attrs.at(file_noise).is_boolean()) {
    for (auto& objective : record.spec.objectives) objective.noisy = record.user_attrs.at(file_noise).get<bool>();
  }
  const auto text = record.user_attrs.find(kVersion1SpaceAttr);
  if (text == record.user_attrs.end() || !text->is_string()) return;
  try {
    record.spec.search_space = nlohmann::ordered_json::parse(text->get<std::string>());
  } catch (const nlohmann::json::exception& error) {
    throw StorageError(fmt::format("study '{}' holds a search space that is not JSON ({}); the database is damaged",
                                   record.spec.name, error.what()));
  }
}

StudySpec checked_spec_update(const StudySpec& stored, StudySpec updated) {
  updated.name = stored.name;
  if (const auto change = definition_change(stored, updated); !change.empty()) {
    throw InputError(fmt::format("study '{}' cannot change what it asks: {}; use another study name",
                                 stored.name, change));
  }
  updated.validate();
  return updated;
}

Trial new_trial(std::int64_t id, std::int64_t number, const nlohmann::json& system_attrs,
                TimePoint now) {
  Trial trial;
  trial.id = id;
  trial.number = number;
  trial.state = TrialState::Running;
  merge_attrs(trial.system_attrs, system_attrs, "trial system attributes");
  trial.started_at = now;
  return trial;
}

Trial imported_trial(const Trial& trial, std::int64_t number) {
  Trial stored = trial;
  stored.id = -1;
  stored.number = number;
  stored.user_attrs = storable_json(trial.user_attrs);
  stored.system_attrs = storable_json(trial.system_attrs);
  if (trial.fail_reason) stored.fail_reason = storable_text(*trial.fail_reason);
  const auto cut = [](TimePoint time) { return from_epoch_ms(to_epoch_ms(time)); };
  stored.started_at = cut(trial.started_at);
  if (trial.finished_at) stored.finished_at = cut(*trial.finished_at);
  if (trial.heartbeat_at) stored.heartbeat_at = cut(*trial.heartbeat_at);
  return stored;
}

namespace {

void require_running(const Trial& trial, std::string_view action) {
  if (trial.state != TrialState::Running) {
    throw InputError(fmt::format("cannot {} trial {}: it is already {}; only RUNNING trials change",
                                 action, trial.number, to_string(trial.state)));
  }
}

bool all_finite(const std::vector<double>& values) {
  for (double value : values) {
    if (!std::isfinite(value)) return false;
  }
  return true;
}

void validate_result(const Trial& trial, const StudySpec& spec, const TrialResult& result) {
  const std::size_t expected = spec.objectives.size();
  if (result.state == TrialState::Running) {
    throw InputError(fmt::format(
        "cannot finish trial {} as RUNNING; use complete, fail or pruned", trial.number));
  }
  if (result.state == TrialState::Complete && result.values.empty()) {
    throw InputError(fmt::format("trial {} is COMPLETE but has no values; give {} value(s)",
                                 trial.number, expected));
  }
  if (!result.values.empty() && result.values.size() != expected) {
    throw InputError(fmt::format("trial {} got {} value(s) but study '{}' has {} objective(s)",
                                 trial.number, result.values.size(), spec.name, expected));
  }
  if (result.state != TrialState::Failed && !all_finite(result.values)) {
    throw InputError(fmt::format(
        "trial {} has a NaN or infinite value; report it with state fail instead",
        trial.number));
  }
}

}  // namespace

void set_params(Trial& trial, const ParamMap& params) {
  require_running(trial, "set the parameters of");
  trial.params = params;
}

void heartbeat(Trial& trial, TimePoint now) {
  require_running(trial, "record a heartbeat for");
  trial.heartbeat_at = now;
}

void report_intermediate(Trial& trial, std::int64_t step, const nlohmann::json& values) {
  require_running(trial, "report intermediate values of");
  const std::string what = fmt::format("trial {} step {}", trial.number, step);
  checked_step(step, what);
  auto stored = storable_json(checked_intermediate_values(values, what));
  if (!trial.intermediate.contains(step) && trial.intermediate.size() >= kMaxIntermediateSteps) {
    throw InputError(fmt::format("{}: the trial already holds {} steps of intermediate values; "
                                 "report less often (every epoch or every N batches)",
                                 what, kMaxIntermediateSteps));
  }
  trial.intermediate[step] = std::move(stored);
}

void finish(Trial& trial, const StudySpec& spec, const TrialResult& result, TimePoint now) {
  require_running(trial, "finish");
  validate_result(trial, spec, result);
  merge_attrs(trial.user_attrs, result.user_attrs, "trial user attributes");
  trial.state = result.state;
  trial.values = result.values;
  trial.fail_reason = result.fail_reason ? std::optional(storable_text(*result.fail_reason))
                                         : std::nullopt;
  trial.finished_at = now;
}

bool fail_if_stale(Trial& trial, TimePoint now, std::chrono::milliseconds timeout) {
  // Runners beat from the start; a trial with no heartbeat was asked for by
  // a user (ecopt ask, Python's study.ask) and waits for their tell.
  if (trial.state != TrialState::Running || !trial.heartbeat_at) return false;
  if (now - *trial.heartbeat_at <= timeout) return false;
  trial.state = TrialState::Failed;
  trial.fail_reason = fmt::format("{}: no heartbeat for more than {:g} s", kStaleFailPrefix,
                                  std::chrono::duration<double>(timeout).count());
  trial.finished_at = now;
  return true;
}

nlohmann::json values_to_json(const std::vector<double>& values) {
  nlohmann::json json = nlohmann::json::array();
  for (double value : values) {
    json.push_back(std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr));
  }
  return json;
}

std::vector<double> values_from_json(const nlohmann::json& json) {
  std::vector<double> values;
  for (const auto& value : json) {
    values.push_back(value.is_null() ? std::numeric_limits<double>::quiet_NaN()
                                     : value.get<double>());
  }
  return values;
}

}  // namespace ecopt::storage_rules
