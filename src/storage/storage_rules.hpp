#pragma once
// The semantics every backend shares: what may change a trial, how a result
// is validated and applied, when a trial counts as stale. Backends only
// load, lock and store; the rules live here once.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/storage/storage.hpp"

namespace ecopt::storage_rules {

// Timestamps are stored as epoch milliseconds; "now" is truncated to them so
// a trial reads back exactly as it was returned.
std::int64_t to_epoch_ms(TimePoint time);
TimePoint from_epoch_ms(std::int64_t ms);
TimePoint stored_now(const StorageOptions& options);

std::string duplicate_study_message(std::string_view name);
std::string unknown_study_message(std::int64_t study_id);
std::string unknown_trial_message(std::int64_t trial_id);

// Every string a backend stores passes through merge_attrs,
// validate_new_study or finish, which make it valid UTF-8 without NUL
// (storable_text): PostgreSQL refuses anything else, and the JSON readers
// of a SQLite database fail on it.

// Merges the keys of `attrs` (null counts as none); throws InputError
// unless it is an object.
void merge_attrs(nlohmann::json& into, const nlohmann::json& attrs, std::string_view what);
// Throws InputError for an unusable spec or non-object attributes; returns
// the attributes to store.
nlohmann::json validate_new_study(const StudySpec& spec, const nlohmann::json& user_attrs);
// Throws InputError for a name no study can have (a NUL byte, not UTF-8).
void check_study_name(std::string_view name);
// As check_study_name, and not empty: a name a study may be renamed to.
void check_new_study_name(std::string_view name);

// Where a version 1 definition kept its search space: the study's user
// attribute of this name, as JSON text.
inline constexpr std::string_view kVersion1SpaceAttr = "search_space";
// Completes a version 1 record's definition from what it kept elsewhere:
// the space (kVersion1SpaceAttr) and the noise its stored study file
// stated ([study] sampler_options noisy). Read-only commands read older
// studies so, as they are; update_study_spec writes the current version.
void read_version_1_definition(StudyRecord& record);
// `updated` when it keeps the stored name, objectives and constraints and
// is valid; InputError naming the change otherwise.
StudySpec checked_spec_update(const StudySpec& stored, StudySpec updated);

Trial new_trial(std::int64_t id, std::int64_t number, const nlohmann::json& system_attrs,
                TimePoint now);
// `trial` as import_trial stores it: numbered `number`, its text storable,
// its times cut to the stored milliseconds.
Trial imported_trial(const Trial& trial, std::int64_t number);
void set_params(Trial& trial, const ParamMap& params);
void heartbeat(Trial& trial, TimePoint now);
// Checks the trial is RUNNING and the report is valid, then stores it.
void report_intermediate(Trial& trial, std::int64_t step, const nlohmann::json& values);
// Checks the trial is RUNNING and `result` fits `spec`, then applies it.
void finish(Trial& trial, const StudySpec& spec, const TrialResult& result, TimePoint now);
// Fails the trial when RUNNING with its last heartbeat older than
// `timeout`; one that never had a heartbeat is never stale.
bool fail_if_stale(Trial& trial, TimePoint now, std::chrono::milliseconds timeout);

// Objective values as JSON: non-finite ones (allowed only for FAILED) are
// stored as null and read back as NaN.
nlohmann::json values_to_json(const std::vector<double>& values);
std::vector<double> values_from_json(const nlohmann::json& json);

}  // namespace ecopt::storage_rules
