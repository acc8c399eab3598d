// Optuna 3.1's SQLite tables, as its RDBStorage creates them (read from a
// database Optuna 3.1 made: `sqlite3 optuna.db .schema`), filled with one
// study per call. Optuna opens a database whose alembic_version holds the
// revision it expects and reads the rest through these tables only.
#include "ecopt/storage/optuna_sqlite.hpp"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

// Optuna's model for version_info: its schema_version and the library
// that wrote the tables (3.1.0's values, the version this schema is).
constexpr std::int64_t kOptunaSchemaVersion = 12;
constexpr const char* kOptunaLibraryVersion = "3.1.0";

const std::vector<std::string>& optuna_schema() {
  static const std::vector<std::string> statements = {
      "CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, "
      "PRIMARY KEY (study_id))",
      "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)",
      "CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, "
      "library_version VARCHAR(256), PRIMARY KEY (version_info_id), CHECK (version_info_id=1))",
      "CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, direction VARCHAR(8) "
      "NOT NULL, study_id INTEGER NOT NULL, objective INTEGER NOT NULL, PRIMARY KEY "
      "(study_direction_id), UNIQUE (study_id, objective), FOREIGN KEY(study_id) REFERENCES "
      "studies (study_id))",
      "CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, study_id "
      "INTEGER, \"key\" VARCHAR(512), value_json TEXT, PRIMARY KEY (study_user_attribute_id), "
      "UNIQUE (study_id, \"key\"), FOREIGN KEY(study_id) REFERENCES studies (study_id))",
      "CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL, "
      "study_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, PRIMARY KEY "
      "(study_system_attribute_id), UNIQUE (study_id, \"key\"), FOREIGN KEY(study_id) "
      "REFERENCES studies (study_id))",
      "CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER, state "
      "VARCHAR(8) NOT NULL, datetime_start DATETIME, datetime_complete DATETIME, PRIMARY KEY "
      "(trial_id), FOREIGN KEY(study_id) REFERENCES studies (study_id))",
      "CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, trial_id "
      "INTEGER, \"key\" VARCHAR(512), value_json TEXT, PRIMARY KEY (trial_user_attribute_id), "
      "UNIQUE (trial_id, \"key\"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))",
      "CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL, "
      "trial_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, PRIMARY KEY "
      "(trial_system_attribute_id), UNIQUE (trial_id, \"key\"), FOREIGN KEY(trial_id) "
      "REFERENCES trials (trial_id))",
      "CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name "
      "VARCHAR(512), param_value FLOAT, distribution_json TEXT, PRIMARY KEY (param_id), UNIQUE "
      "(trial_id, param_name), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))",
      "CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, "
      "objective INTEGER NOT NULL, value FLOAT, value_type VARCHAR(7) NOT NULL, PRIMARY KEY "
      "(trial_value_id), UNIQUE (trial_id, objective), FOREIGN KEY(trial_id) REFERENCES trials "
      "(trial_id))",
      "CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL, "
      "trial_id INTEGER NOT NULL, step INTEGER NOT NULL, intermediate_value FLOAT, "
      "intermediate_value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_intermediate_value_id), "
      "UNIQUE (trial_id, step), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))",
      "CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, trial_id INTEGER NOT "
      "NULL, heartbeat DATETIME NOT NULL, PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id), "
      "FOREIGN KEY(trial_id) REFERENCES trials (trial_id))",
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
      "alembic_version_pkc PRIMARY KEY (version_num))",
  };
  return statements;
}

const std::set<std::string>& optuna_tables() {
  static const std::set<std::string> tables = {
      "alembic_version", "studies", "study_directions", "study_system_attributes",
      "study_user_attributes", "trial_heartbeats", "trial_intermediate_values", "trial_params",
      "trial_system_attributes", "trial_user_attributes", "trial_values", "trials",
      "version_info"};
  return tables;
}

// SQLAlchemy's DateTime on SQLite: naive text, here in UTC.
std::string sql_time(TimePoint time) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     micros % 1'000'000);
}

std::string_view optuna_state(TrialState state) {
  switch (state) {
    case TrialState::Running: return "RUNNING";
    case TrialState::Complete: return "COMPLETE";
    case TrialState::Failed: return "FAIL";
    case TrialState::Pruned: return "PRUNED";
  }
  return "FAIL";
}

// Creates Optuna's tables in an empty file; accepts a file that already
// holds them at the revision Optuna 3.1 expects.
void prepare_schema(SqlConnection& db, const std::filesystem::path& path) {
  std::set<std::string> tables;
  for (const auto& row : db.query(db.dialect().list_tables)) tables.insert(row.text(0));
  if (tables.empty()) {
    for (const auto& statement : optuna_schema()) db.query(statement);
    db.query("INSERT INTO version_info (version_info_id, schema_version, library_version) "
             "VALUES (1, $1, $2)",
             {kOptunaSchemaVersion, std::string(kOptunaLibraryVersion)});
    db.query("INSERT INTO alembic_version (version_num) VALUES ($1)",
             {std::string(kOptunaSchemaRevision)});
    return;
  }
  if (tables != optuna_tables()) {
    throw StorageError(fmt::format("'{}' is not an Optuna storage (it holds the tables {}); give "
                                   "a new file for the export",
                                   path.string(), fmt::join(tables, ", ")));
  }
  const auto revision = db.query("SELECT version_num FROM alembic_version");
  if (revision.size() != 1 || revision[0].text(0) != kOptunaSchemaRevision) {
    throw StorageError(fmt::format(
        "'{}' is an Optuna storage of another schema revision ({}; Optuna 3.1's is {}); give a "
        "new file for the export",
        path.string(), revision.empty() ? "none" : revision[0].text(0), kOptunaSchemaRevision));
  }
}

void insert_attrs(SqlConnection& db, std::string_view table, std::string_view owner_column,
                  std::int64_t owner, const nlohmann::json& attrs) {
  const std::string sql = fmt::format(
      "INSERT INTO {} ({}, \"key\", value_json) VALUES ($1, $2, $3)", table, owner_column);
  for (const auto& [key, value] : attrs.items()) db.query(sql, {owner, key, value.dump()});
}

void insert_values(SqlConnection& db, std::int64_t trial_id, const std::vector<double>& values) {
  for (std::size_t objective = 0; objective < values.size(); ++objective) {
    const double value = values[objective];
    if (std::isnan(value)) continue;  // Optuna has no stored form for NaN
    const std::string_view type = std::isinf(value) ? (value > 0 ? "INF_POS" : "INF_NEG") : "FINITE";
    db.query("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES ($1, $2, "
             "$3, $4)",
             {trial_id, static_cast<std::int64_t>(objective),
              std::isinf(value) ? SqlValue(nullptr) : SqlValue(value), std::string(type)});
  }
}

void insert_trial(SqlConnection& db, std::int64_t study_id, const OptunaTrial& trial) {
  const auto id = db.query("INSERT INTO trials (number, study_id, state, datetime_start, "
                           "datetime_complete) VALUES ($1, $2, $3, $4, $5) RETURNING trial_id",
                           {trial.number, study_id, std::string(optuna_state(trial.state)),
                            sql_time(trial.started_at),
                            trial.finished_at ? SqlValue(sql_time(*trial.finished_at))
                                              : SqlValue(nullptr)})
                      .at(0)
                      .integer(0);
  for (const auto& [step, value] : trial.intermediate_values) {
    db.query("INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, "
             "intermediate_value_type) VALUES ($1, $2, $3, 'FINITE')",
             {id, step, value});
  }
  for (const auto& param : trial.params) {
    db.query("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
             "VALUES ($1, $2, $3, $4)",
             {id, param.name, param.internal_value, param.distribution_json});
  }
  insert_values(db, id, trial.values);
  insert_attrs(db, "trial_user_attributes", "trial_id", id, trial.user_attrs);
  insert_attrs(db, "trial_system_attributes", "trial_id", id, trial.system_attrs);
}

void write_study(const std::filesystem::path& path, const std::string& name,
                 const OptunaStudy& study) {
  const auto db = make_sqlite_connection(path, "sqlite:///" + name);
  db->write([&] {
    prepare_schema(*db, name);
    if (!db->query("SELECT study_id FROM studies WHERE study_name = $1", {study.name}).empty()) {
      throw InputError(fmt::format("'{}' already holds a study named '{}'; give another file or "
                                   "another name for the export",
                                   name, study.name));
    }
    const auto study_id =
        db->query("INSERT INTO studies (study_name) VALUES ($1) RETURNING study_id", {study.name})
            .at(0)
            .integer(0);
    for (std::size_t objective = 0; objective < study.directions.size(); ++objective) {
      db->query("INSERT INTO study_directions (direction, study_id, objective) VALUES ($1, $2, $3)",
                {std::string(study.directions[objective] == Direction::Maximize ? "MAXIMIZE"
                                                                                : "MINIMIZE"),
                 study_id, static_cast<std::int64_t>(objective)});
    }
    insert_attrs(*db, "study_user_attributes", "study_id", study_id, study.user_attrs);
    for (const auto& trial : study.trials) insert_trial(*db, study_id, trial);
  });
}

}  // namespace

// Into an existing file: one transaction, all or nothing. A new file is
// built beside its name and renamed into place, so a failed export (a full
// disk) leaves no empty or partial database behind.
void write_optuna_sqlite(const std::filesystem::path& path, const OptunaStudy& study) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) return write_study(path, path.string(), study);
  auto temporary = path;
  temporary.replace_filename(fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid()));
  try {
    write_study(temporary, path.string(), study);
    std::filesystem::rename(temporary, path);
  } catch (...) {
    std::filesystem::remove(temporary, error);
    std::filesystem::remove(temporary.string() + "-journal", error);
    throw;
  }
}

}  // namespace ecopt
