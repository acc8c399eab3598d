#include "sql_storage.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "storage_rules.hpp"

namespace ecopt {

const std::string& SqlRow::text(std::size_t column) const {
  const auto& cell = cells_.at(column);
  if (!cell) throw StorageError(fmt::format("unexpected NULL in stored column {}", column));
  return *cell;
}

std::optional<std::int64_t> SqlRow::optional_integer(std::size_t column) const {
  const auto& cell = cells_.at(column);
  if (!cell) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(cell->data(), cell->data() + cell->size(), value);
  if (error != std::errc() || end != cell->data() + cell->size()) {
    throw StorageError(fmt::format("stored column {} holds '{}', not an integer", column, *cell));
  }
  return value;
}

std::int64_t SqlRow::integer(std::size_t column) const {
  const auto value = optional_integer(column);
  if (!value) throw StorageError(fmt::format("unexpected NULL in stored column {}", column));
  return *value;
}

namespace {

namespace rules = storage_rules;
using nlohmann::json;

constexpr std::string_view kStudyColumns = "id, name, spec_json, user_attrs_json";
constexpr std::string_view kTrialColumns =
    "id, study_id, number, state, params_json, values_json, user_attrs_json, "
    "system_attrs_json, fail_reason, started_at, finished_at, heartbeat_at, intermediate_json";

// A study's version counts the writes to its trials; each write stamps the
// trial it changed with the new count. Rows older than these columns
// start at 1, so a first read (from 0) gets them all.
constexpr std::string_view kStudyVersionColumn = "trials_version BIGINT NOT NULL DEFAULT 1";
constexpr std::string_view kTrialVersionColumn = "version BIGINT NOT NULL DEFAULT 1";
// A trial's learning curve, {"step": {metric: value}} (Trial::intermediate),
// in its row: it is read with the trial and written by the same update.
constexpr std::string_view kIntermediateColumn = "intermediate_json TEXT NOT NULL DEFAULT '{}'";
constexpr std::string_view kTrialsByVersionIndex =
    "CREATE INDEX trials_by_version ON trials (study_id, version)";

// Ordered by number too, so that the stale-trial query (state = RUNNING,
// ORDER BY number) searches it instead of walking every trial of the study
// by number: that walk read the whole table for each trial of a long study.
constexpr std::string_view kTrialsByStateIndex =
    "CREATE INDEX trials_by_state ON trials (study_id, state, number)";

// 'RUNNING', 'COMPLETE', ... as core spells them.
std::string state_list() {
  std::string list;
  for (auto state : {TrialState::Running, TrialState::Complete, TrialState::Failed,
                     TrialState::Pruned}) {
    list += fmt::format("{}'{}'", list.empty() ? "" : ", ", to_string(state));
  }
  return list;
}

std::vector<std::string> schema_statements(const SqlDialect& dialect) {
  return {
      "CREATE TABLE ecopt_schema_version (version INTEGER NOT NULL)",
      fmt::format("CREATE TABLE studies (id {}, name TEXT NOT NULL UNIQUE, "
                  "spec_json TEXT NOT NULL, user_attrs_json TEXT NOT NULL, "
                  "created_at BIGINT NOT NULL, next_trial_number BIGINT NOT NULL DEFAULT 0, "
                  "{})",
                  dialect.id_column, kStudyVersionColumn),
      fmt::format("CREATE TABLE trials (id {}, "
                  "study_id BIGINT NOT NULL REFERENCES studies (id), number BIGINT NOT NULL, "
                  "state TEXT NOT NULL CHECK (state IN ({})), "
                  "params_json TEXT NOT NULL, values_json TEXT NOT NULL, "
                  "user_attrs_json TEXT NOT NULL, system_attrs_json TEXT NOT NULL, "
                  "fail_reason TEXT, started_at BIGINT NOT NULL, finished_at BIGINT, "
                  "heartbeat_at BIGINT, {}, {}, UNIQUE (study_id, number))",
                  dialect.id_column, state_list(), kTrialVersionColumn, kIntermediateColumn),
      std::string(kTrialsByStateIndex),
      std::string(kTrialsByVersionIndex),
      fmt::format("INSERT INTO ecopt_schema_version (version) VALUES ({})", kSchemaVersion),
  };
}

// Statements that bring schema version v to v + 1, indexed by v - 1.
const std::vector<std::vector<std::string>>& migrations() {
  static const std::vector<std::vector<std::string>> steps{
      // 2: trial versions, so readers fetch only what changed.
      {fmt::format("ALTER TABLE studies ADD COLUMN {}", kStudyVersionColumn),
       fmt::format("ALTER TABLE trials ADD COLUMN {}", kTrialVersionColumn),
       std::string(kTrialsByVersionIndex)},
      // 3: the state index ordered by number.
      {"DROP INDEX trials_by_state", std::string(kTrialsByStateIndex)},
      // 4: learning curves.
      {fmt::format("ALTER TABLE trials ADD COLUMN {}", kIntermediateColumn)},
  };
  return steps;
}

json parse_stored_json(const std::string& text, std::string_view column) {
  try {
    return json::parse(text);
  } catch (const json::exception& error) {
    throw StorageError(fmt::format("stored {} is not valid JSON ({}); the database is damaged",
                                   column, error.what()));
  }
}

StudyRecord study_from_row(const SqlRow& row) {
  StudyRecord record;
  record.id = row.integer(0);
  const json spec = parse_stored_json(row.text(2), "spec_json");
  record.spec = study_spec_from_json(spec);
  record.spec.name = row.text(1);
  record.user_attrs = parse_stored_json(row.text(3), "user_attrs_json");
  if (!spec.contains("version")) rules::read_version_1_definition(record);
  return record;
}

struct TrialRow {
  std::int64_t study_id;
  Trial trial;
};

std::optional<TimePoint> optional_time(const SqlRow& row, std::size_t column) {
  const auto ms = row.optional_integer(column);
  return ms ? std::optional(rules::from_epoch_ms(*ms)) : std::nullopt;
}

TrialRow trial_from_row(const SqlRow& row) {
  Trial trial;
  trial.id = row.integer(0);
  trial.number = row.integer(2);
  trial.state = parse_trial_state(row.text(3));
  trial.params = param_map_from_json(parse_stored_json(row.text(4), "params_json"));
  trial.values = rules::values_from_json(parse_stored_json(row.text(5), "values_json"));
  trial.user_attrs = parse_stored_json(row.text(6), "user_attrs_json");
  trial.system_attrs = parse_stored_json(row.text(7), "system_attrs_json");
  trial.fail_reason = row.optional_text(8);
  trial.started_at = rules::from_epoch_ms(row.integer(9));
  trial.finished_at = optional_time(row, 10);
  trial.heartbeat_at = optional_time(row, 11);
  try {
    trial.intermediate = intermediate_from_json(parse_stored_json(row.text(12), "intermediate_json"));
  } catch (const InputError& error) {
    throw StorageError(fmt::format("stored intermediate_json of trial {}: {}; the database is damaged",
                                   trial.id, error.what()));
  }
  return {row.integer(1), std::move(trial)};
}

// Parsing the JSON columns is most of reading a large study (a 100,000-trial
// report), and rows are independent: many rows are parsed in two halves at
// once.
std::vector<Trial> trials_from_rows(const SqlRows& rows) {
  std::vector<Trial> trials(rows.size());
  const auto parse = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) trials[i] = trial_from_row(rows[i]).trial;
  };
  constexpr std::size_t kRowsWorthAThread = 4096;
  if (rows.size() < kRowsWorthAThread || std::thread::hardware_concurrency() < 2) {
    parse(0, rows.size());
    return trials;
  }
  const std::size_t half = rows.size() / 2;
  auto first_half = std::async(std::launch::async, parse, 0, half);
  parse(half, rows.size());
  first_half.get();  // rethrows a damaged row's error
  return trials;
}

SqlValue optional_ms(const std::optional<TimePoint>& time) {
  return time ? SqlValue(rules::to_epoch_ms(*time)) : SqlValue(nullptr);
}

SqlValue optional_text(const std::optional<std::string>& text) {
  return text ? SqlValue(*text) : SqlValue(nullptr);
}

class SqlStorage final : public Storage {
 public:
  SqlStorage(std::unique_ptr<SqlConnection> connection, StorageOptions options)
      : db_(std::move(connection)), options_(std::move(options)) {
    ensure_schema();
    if (options_.access != StorageAccess::ReadOnly) {
      for (const auto& statement : db_->dialect().writer_setup) db_->query(statement);
    }
    for (const auto& statement : db_->dialect().session_setup) db_->query(statement);
  }

  StudyRecord create_study(const StudySpec& spec, const json& user_attrs) override {
    const json stored_attrs = rules::validate_new_study(spec, user_attrs);
    const std::int64_t created_ms = rules::to_epoch_ms(rules::stored_now(options_));
    StudyRecord record{-1, spec, stored_attrs};
    write([&] {
      try {
        record.id = db_->query("INSERT INTO studies (name, spec_json, user_attrs_json, created_at)"
                               " VALUES ($1, $2, $3, $4) RETURNING id",
                               {spec.name, to_json(spec).dump(), stored_attrs.dump(), created_ms})
                        .at(0)
                        .integer(0);
      } catch (const SqlUniqueViolation&) {
        throw InputError(rules::duplicate_study_message(spec.name));
      }
    });
    return record;
  }

  std::optional<StudyRecord> find_study(std::string_view name) override {
    rules::check_study_name(name);
    std::optional<StudyRecord> record;
    read([&] {
      const auto rows = db_->query(
          fmt::format("SELECT {} FROM studies WHERE name = $1", kStudyColumns),
          {std::string(name)});
      if (!rows.empty()) record = study_from_row(rows.front());
    });
    return record;
  }

  std::vector<StudyRecord> studies() override {
    std::vector<StudyRecord> records;
    read([&] {
      records.clear();
      for (const auto& row :
           db_->query(fmt::format("SELECT {} FROM studies ORDER BY id", kStudyColumns))) {
        records.push_back(study_from_row(row));
      }
    });
    return records;
  }

  void set_study_user_attrs(std::int64_t study_id, const json& attrs) override {
    write([&] {
      const auto rows = db_->query(
          "SELECT user_attrs_json FROM studies WHERE id = $1" + db_->dialect().lock_rows,
          {study_id});
      if (rows.empty()) throw NotFoundError(rules::unknown_study_message(study_id));
      json merged = parse_stored_json(rows.front().text(0), "user_attrs_json");
      rules::merge_attrs(merged, attrs, "study user attributes");
      db_->query("UPDATE studies SET user_attrs_json = $2 WHERE id = $1",
                 {study_id, merged.dump()});
    });
  }

  StudySpec update_study_spec(std::int64_t study_id,
                              const std::function<StudySpec(StudySpec)>& change) override {
    StudySpec stored;
    write([&] {
      const auto rows = db_->query(
          fmt::format("SELECT {} FROM studies WHERE id = $1{}", kStudyColumns, db_->dialect().lock_rows),
          {study_id});
      if (rows.empty()) throw NotFoundError(rules::unknown_study_message(study_id));
      StudyRecord record = study_from_row(rows.front());
      stored = rules::checked_spec_update(record.spec, change(record.spec));
      // Version 1 kept the space in a user attribute: moved, not copied.
      record.user_attrs.erase(rules::kVersion1SpaceAttr);
      db_->query("UPDATE studies SET spec_json = $2, user_attrs_json = $3 WHERE id = $1",
                 {study_id, to_json(stored).dump(), record.user_attrs.dump()});
    });
    return stored;
  }

  Trial create_trial(std::int64_t study_id, const json& system_attrs,
                     const ParamMap& params) override {
    return *create_trial_within(study_id, system_attrs, INT64_MAX, params);
  }

  std::optional<Trial> create_trial_within(std::int64_t study_id, const json& system_attrs,
                                           std::int64_t max_trials,
                                           const ParamMap& params) override {
    return insert_trial(study_id, max_trials, [&](std::int64_t number) {
      Trial trial = rules::new_trial(-1, number, system_attrs, rules::stored_now(options_));
      trial.params = params;
      return trial;
    });
  }

  Trial import_trial(std::int64_t study_id, const Trial& trial) override {
    return *insert_trial(study_id, INT64_MAX,
                         [&](std::int64_t number) { return rules::imported_trial(trial, number); });
  }

  void delete_study(std::int64_t study_id) override {
    write([&] {
      require_study(study_id);
      db_->query("DELETE FROM trials WHERE study_id = $1", {study_id});
      db_->query("DELETE FROM studies WHERE id = $1", {study_id});
    });
  }

  void rename_study(std::int64_t study_id, std::string_view name) override {
    rules::check_new_study_name(name);
    write([&] {
      require_study(study_id);
      if (!db_->query("SELECT id FROM studies WHERE name = $1", {std::string(name)}).empty()) {
        throw InputError(rules::duplicate_study_message(name));  // itself included, as in memory
      }
      try {
        db_->query("UPDATE studies SET name = $2 WHERE id = $1", {study_id, std::string(name)});
      } catch (const SqlUniqueViolation&) {
        throw InputError(rules::duplicate_study_message(name));
      }
    });
  }

  void set_trial_params(std::int64_t trial_id, const ParamMap& params) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t) { rules::set_params(trial, params); });
  }

  void set_trial_user_attrs(std::int64_t trial_id, const json& attrs) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t) {
      rules::merge_attrs(trial.user_attrs, attrs, "trial user attributes");
    });
  }

  void set_trial_system_attrs(std::int64_t trial_id, const json& attrs) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t) {
      rules::merge_attrs(trial.system_attrs, attrs, "trial system attributes");
    });
  }

  void finish_trial(std::int64_t trial_id, const TrialResult& result) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t study_id) {
      rules::finish(trial, study_spec(study_id), result, rules::stored_now(options_));
    });
  }

  void report_intermediate(std::int64_t trial_id, std::int64_t step, const json& values) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t) {
      rules::report_intermediate(trial, step, values);
    });
  }

  void record_heartbeat(std::int64_t trial_id) override {
    update_trial(trial_id, [&](Trial& trial, std::int64_t) {
      rules::heartbeat(trial, rules::stored_now(options_));
    });
  }

  std::vector<Trial> fail_stale_trials(std::int64_t study_id,
                                       std::chrono::milliseconds timeout) override {
    std::vector<Trial> failed;
    write([&] {
      failed.clear();
      require_study(study_id);
      // Locking every RUNNING row makes a concurrent finisher or reaper wait;
      // PostgreSQL then re-checks the state and skips rows that changed.
      const auto rows = db_->query(
          fmt::format("SELECT {} FROM trials WHERE study_id = $1 AND state = $2 "
                      "ORDER BY number{}",
                      kTrialColumns, db_->dialect().lock_rows),
          {study_id, std::string(to_string(TrialState::Running))});
      const TimePoint now = rules::stored_now(options_);
      for (const auto& row : rows) {
        Trial trial = trial_from_row(row).trial;
        if (!rules::fail_if_stale(trial, now, timeout)) continue;
        store_trial(trial, study_id);
        failed.push_back(std::move(trial));
      }
    });
    return failed;
  }

  TrialChanges trials_changed_since(std::int64_t study_id, std::int64_t version) override {
    TrialChanges changes;
    SqlRows rows;
    read([&] {
      // The version first: every write up to it has committed (each held the
      // study row until then), so the rows read next include them all. Rows
      // from later writes may come too, and are read again next time.
      const auto study = db_->query("SELECT trials_version FROM studies WHERE id = $1",
                                    {study_id});
      if (study.empty()) throw NotFoundError(rules::unknown_study_message(study_id));
      changes.version = study.front().integer(0);
      rows = db_->query(fmt::format("SELECT {} FROM trials WHERE study_id = $1 AND version > $2 "
                                    "ORDER BY number",
                                    kTrialColumns),
                        {study_id, version});
    });
    changes.trials = trials_from_rows(rows);  // after the transaction: it holds no lock
    return changes;
  }

  std::optional<Trial> find_trial(std::int64_t study_id, std::int64_t number) override {
    std::optional<Trial> result;
    read([&] {
      require_study(study_id);
      const auto rows = db_->query(
          fmt::format("SELECT {} FROM trials WHERE study_id = $1 AND number = $2",
                      kTrialColumns),
          {study_id, number});
      result = rows.empty() ? std::nullopt : std::optional(trial_from_row(rows.front()).trial);
    });
    return result;
  }

  std::string describe() const override { return db_->redacted_url(); }

 private:
  // One connection, one transaction at a time: threads sharing this object
  // take turns; separate objects (or processes) are serialised by the database.
  void read(const std::function<void()>& work) {
    std::lock_guard lock(mutex_);
    db_->read(work);
  }

  void write(const std::function<void()>& work) {
    std::lock_guard lock(mutex_);
    db_->write(work);
  }

  // A reader checks in a read transaction and writes only to upgrade an
  // older schema; it never creates one.
  void ensure_schema() {
    if (options_.access == StorageAccess::ReadOnly) {
      bool current = false;
      read([&] {
        if (!has_schema()) {
          throw StorageError(fmt::format(
              "{} holds no ECOpt database (no tables); check the path (a study is created by "
              "'ecopt create-study' or 'ecopt tune')",
              db_->redacted_url()));
        }
        current = stored_schema_version() == kSchemaVersion;
      });
      if (current) return;
    }
    write([&] {
      const SqlDialect& dialect = db_->dialect();
      if (!dialect.serialize_schema_setup.empty()) db_->query(dialect.serialize_schema_setup);
      if (!has_schema()) {
        for (const auto& statement : schema_statements(dialect)) db_->query(statement);
        return;
      }
      migrate(stored_schema_version());
    });
  }

  // False for a database without tables; throws for one that holds
  // another program's tables.
  bool has_schema() {
    std::vector<std::string> tables;
    for (const auto& row : db_->query(db_->dialect().list_tables)) tables.push_back(row.text(0));
    if (tables.empty()) return false;
    if (std::find(tables.begin(), tables.end(), "ecopt_schema_version") == tables.end()) {
      throw StorageError(fmt::format(
          "{} is not an ECOpt database (it has tables but no ecopt_schema_version); "
          "use a new database",
          db_->redacted_url()));
    }
    return true;
  }

  int stored_schema_version() {
    const auto rows = db_->query("SELECT MAX(version) FROM ecopt_schema_version");
    const auto version = rows.empty() ? std::nullopt : rows.front().optional_integer(0);
    if (!version) {
      throw StorageError(fmt::format(
          "{} has an empty ecopt_schema_version table; the database is damaged",
          db_->redacted_url()));
    }
    return static_cast<int>(*version);
  }

  void migrate(int version) {
    if (version > kSchemaVersion) {
      throw StorageError(fmt::format(
          "{} has schema version {} but this ECOpt reads version {}; upgrade ECOpt",
          db_->redacted_url(), version, kSchemaVersion));
    }
    for (; version < kSchemaVersion; ++version) {
      for (const auto& statement : migrations().at(version - 1)) db_->query(statement);
      db_->query("UPDATE ecopt_schema_version SET version = $1",
                 {static_cast<std::int64_t>(version + 1)});
    }
  }

  void require_study(std::int64_t study_id) {
    if (db_->query("SELECT id FROM studies WHERE id = $1", {study_id}).empty()) {
      throw NotFoundError(rules::unknown_study_message(study_id));
    }
  }

  // Takes the study's next trial number (while it holds fewer than
  // `max_trials`) and stores the trial `make` builds for it, in one
  // transaction. The counter row serialises concurrent creators in both
  // dialects: the UPDATE locks the study row until this transaction ends,
  // and the limit is checked under that lock.
  std::optional<Trial> insert_trial(std::int64_t study_id, std::int64_t max_trials,
                                    const std::function<Trial(std::int64_t number)>& make) {
    std::optional<Trial> created;
    write([&] {
      created.reset();
      const auto counter = db_->query(
          "UPDATE studies SET next_trial_number = next_trial_number + 1, "
          "trials_version = trials_version + 1 "
          "WHERE id = $1 AND next_trial_number < $2 "
          "RETURNING next_trial_number - 1, trials_version",
          {study_id, max_trials});
      if (counter.empty()) {
        require_study(study_id);
        return;  // full
      }
      Trial& trial = created.emplace(make(counter.front().integer(0)));
      trial.id = db_->query("INSERT INTO trials (study_id, number, state, params_json, "
                            "values_json, user_attrs_json, system_attrs_json, fail_reason, "
                            "started_at, finished_at, heartbeat_at, version) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                            {study_id, trial.number, std::string(to_string(trial.state)),
                             to_json(trial.params).dump(), rules::values_to_json(trial.values).dump(),
                             trial.user_attrs.dump(), trial.system_attrs.dump(),
                             optional_text(trial.fail_reason), rules::to_epoch_ms(trial.started_at),
                             optional_ms(trial.finished_at), optional_ms(trial.heartbeat_at),
                             counter.front().integer(1)})
                     .at(0)
                     .integer(0);
    });
    return created;
  }

  StudySpec study_spec(std::int64_t study_id) {
    const auto rows = db_->query(
        fmt::format("SELECT {} FROM studies WHERE id = $1", kStudyColumns), {study_id});
    if (rows.empty()) throw NotFoundError(rules::unknown_study_message(study_id));
    return study_from_row(rows.front()).spec;
  }

  // Loads and locks one trial, lets `change` apply a rule, stores the result;
  // a rule that throws leaves the row as it was.
  void update_trial(std::int64_t trial_id,
                    const std::function<void(Trial&, std::int64_t study_id)>& change) {
    write([&] {
      const auto rows = db_->query(fmt::format("SELECT {} FROM trials WHERE id = $1{}",
                                               kTrialColumns, db_->dialect().lock_rows),
                                   {trial_id});
      if (rows.empty()) throw NotFoundError(rules::unknown_trial_message(trial_id));
      TrialRow loaded = trial_from_row(rows.front());
      change(loaded.trial, loaded.study_id);
      store_trial(loaded.trial, loaded.study_id);
    });
  }

  // Stamps the trial with its study's next version. Bumping the version
  // locks the study row until commit, so versions are handed out in commit
  // order: a reader that has seen version v has seen every write up to v.
  void store_trial(const Trial& trial, std::int64_t study_id) {
    const std::int64_t version =
        db_->query("UPDATE studies SET trials_version = trials_version + 1 WHERE id = $1 "
                   "RETURNING trials_version",
                   {study_id})
            .at(0)
            .integer(0);
    db_->query("UPDATE trials SET state = $2, params_json = $3, values_json = $4, "
               "user_attrs_json = $5, system_attrs_json = $6, fail_reason = $7, "
               "finished_at = $8, heartbeat_at = $9, version = $10, intermediate_json = $11 "
               "WHERE id = $1",
               {trial.id, std::string(to_string(trial.state)), to_json(trial.params).dump(),
                rules::values_to_json(trial.values).dump(), trial.user_attrs.dump(),
                trial.system_attrs.dump(), optional_text(trial.fail_reason),
                optional_ms(trial.finished_at), optional_ms(trial.heartbeat_at), version,
                intermediate_to_json(trial.intermediate).dump()});
  }

  std::unique_ptr<SqlConnection> db_;
  StorageOptions options_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<SqlConnection> connection,
                                          const StorageOptions& options) {
  return std::make_unique<SqlStorage>(std::move(connection), options);
}

}  // namespace ecopt
