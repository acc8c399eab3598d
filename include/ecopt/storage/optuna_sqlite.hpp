#pragma once
// Optuna 3.1's SQLite storage (its RDBStorage tables at schema revision
// v3.0.0.d), written directly, so that optuna.load_study and Optuna's tools
// open an ECOpt study without Optuna installed where it is written. What
// goes in is decided by the study module (study/optuna_export.hpp); this
// only writes Optuna's rows.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"

namespace ecopt {

// The schema revision Optuna 3.1 checks on opening (alembic_version).
inline constexpr const char* kOptunaSchemaRevision = "v3.0.0.d";

struct OptunaParam {
  std::string name;
  // Optuna's internal representation: the number itself, or for
  // categorical choices the index of the choice.
  double internal_value = 0.0;
  std::string distribution_json;  // as optuna.distributions.distribution_to_json writes it
};

struct OptunaTrial {
  std::int64_t number = 0;
  TrialState state = TrialState::Running;  // FAILED is Optuna's FAIL
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
  std::vector<OptunaParam> params;
  std::vector<double> values;  // empty: none (Optuna stores infinities by type)
  // trial_intermediate_values: one finite float per step.
  std::map<std::int64_t, double> intermediate_values;
  nlohmann::json user_attrs = nlohmann::json::object();    // key -> any JSON value
  nlohmann::json system_attrs = nlohmann::json::object();
};

struct OptunaStudy {
  std::string name;
  std::vector<Direction> directions;
  nlohmann::json user_attrs = nlohmann::json::object();
  std::vector<OptunaTrial> trials;  // stored in this order
};

// Adds `study` to the Optuna database at `path`, creating Optuna 3.1's
// tables when the file is new or empty; all or nothing. InputError when a
// study of that name is already there; StorageError when the file holds
// other tables or another Optuna schema revision.
void write_optuna_sqlite(const std::filesystem::path& path, const OptunaStudy& study);

}  // namespace ecopt
