// What only the SQLite backend has: files, paths, WAL, other processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "ecopt/core/error.hpp"
#include "storage_fixture.hpp"

using testing::HasSubstr;
using testing::Not;

namespace ecopt::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs SQL on the file directly, as a person with the sqlite3 shell would.
std::string sqlite_exec(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  std::string result;
  char* error = nullptr;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        for (int i = 0; i < columns; ++i) {  // a row's columns joined by '|'
          if (i > 0) *static_cast<std::string*>(out) += '|';
          *static_cast<std::string*>(out) += values[i] ? values[i] : "NULL";
        }
        return 0;
      },
      &result, &error);
  const std::string failure = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (!failure.empty()) throw std::runtime_error(failure);
  return result;
}

std::string message_of(const std::string& url) {
  try {
    open_storage(url);
  } catch (const StorageError& error) {
    return error.what();
  }
  ADD_FAILURE() << url << " opened";
  return "";
}

TEST(SqliteStorage, RelativeUrlIsRelativeToTheWorkingFolder) {
  TempFolder folder;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(folder.path());
  std::filesystem::create_directory("runs");
  open_storage("sqlite:///runs/relative.db")
      ->create_study(two_objective_spec("s"), nlohmann::json::object());
  std::filesystem::current_path(previous);
  EXPECT_TRUE(std::filesystem::exists(folder.path() / "runs" / "relative.db"));
}

TEST(SqliteStorage, DataSurvivesReopening) {
  TempFolder folder;
  const std::string url = sqlite_url(folder);
  {
    auto storage = open_storage(url);
    const auto study = storage->create_study(two_objective_spec("s"), {{"k", "v"}});
    const auto trial = storage->create_trial(study.id, {});
    storage->finish_trial(trial.id, {TrialState::Complete, {0.5, 2.0}});
  }
  auto reopened = open_storage(url);
  const auto study = reopened->find_study("s");
  ASSERT_TRUE(study);
  EXPECT_EQ(reopened->trials(study->id).at(0).values, (std::vector<double>{0.5, 2.0}));
  EXPECT_EQ(reopened->create_trial(study->id, {}).number, 1);
}

TEST(SqliteStorage, UsesWalForeignKeysAndRecordsSchemaVersion4) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  auto storage = open_storage(sqlite_url(folder));
  EXPECT_EQ(sqlite_exec(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sqlite_exec(path, "SELECT version FROM ecopt_schema_version"), "4");
  // The foreign key refuses a trial of a study that does not exist.
  EXPECT_THROW(sqlite_exec(path, "PRAGMA foreign_keys = ON; INSERT INTO trials (study_id, "
                                 "number, state, params_json, values_json, user_attrs_json, "
                                 "system_attrs_json, started_at) VALUES (42, 0, 'RUNNING', "
                                 "'{}', '[]', '{}', '{}', 0)"),
               std::runtime_error);
}

TEST(SqliteStorage, MissingFolderIsAClearErrorNamingThePath) {
  TempFolder folder;
  const auto path = folder.path() / "no-such-folder" / "study.db";
  const std::string message = message_of("sqlite:///" + path.string());
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(path.parent_path()));
}

TEST(SqliteStorage, AFolderInPlaceOfTheFileIsAClearError) {
  TempFolder folder;
  std::filesystem::create_directory(folder.path() / "study.db");
  const std::string message = message_of(sqlite_url(folder));
  EXPECT_NE(message.find((folder.path() / "study.db").string()), std::string::npos) << message;
}

TEST(SqliteStorage, GarbageFileIsRefusedAndLeftUnchanged) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  std::string garbage(8192, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
  std::ofstream(path, std::ios::binary) << garbage;

  const std::string message = message_of(sqlite_url(folder));
  EXPECT_NE(message.find("is not an SQLite database"), std::string::npos) << message;
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_EQ(read_file(path), garbage);
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));
}

TEST(SqliteStorage, ForeignSqliteDatabaseIsRefusedAndLeftUnchanged) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  sqlite_exec(path, "CREATE TABLE studies (study_id INTEGER PRIMARY KEY, study_name TEXT)");
  const std::string before = read_file(path);
  const std::string message = message_of(sqlite_url(folder));
  EXPECT_NE(message.find("is not an ECOpt database"), std::string::npos) << message;
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(sqlite_exec(path, "PRAGMA journal_mode"), "delete");
}

TEST(SqliteStorage, NewerSchemaVersionAsksToUpgradeEcopt) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  open_storage(sqlite_url(folder));
  sqlite_exec(path, "UPDATE ecopt_schema_version SET version = 5");
  const std::string message = message_of(sqlite_url(folder));
  EXPECT_NE(message.find("schema version 5"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade ECOpt"), std::string::npos) << message;
  EXPECT_EQ(sqlite_exec(path, "SELECT version FROM ecopt_schema_version"), "5");
}

// A study stored before the typed definition (version 1): its space as
// text in a user attribute, its noise in its stored study file. Read as it
// is; moved on the first update.
TEST(SqliteStorage, AVersion1StudyReadsItsSpaceAndTheFirstUpdateMovesIt) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  const std::string space = R"({"zeta": {"type": "float", "low": 0, "high": 1}, "alpha": {"type": "int", "low": 1, "high": 3}})";
  {
    auto storage = open_storage(sqlite_url(folder));
    storage->create_study(two_objective_spec("old"), nlohmann::json::object());
  }
  sqlite_exec(path, "UPDATE studies SET spec_json = '{\"name\":\"old\",\"objectives\":[{\"name\":\"f0\","
                    "\"direction\":\"minimize\"},{\"name\":\"f1\",\"direction\":\"minimize\"}],"
                    "\"constraints\":[]}', user_attrs_json = '" +
                        nlohmann::json({{"search_space", space},
                                        {"study_file", {{"study", {{"sampler_options", {{"noisy", true}}}}}}}})
                            .dump() +
                        "'");
  auto storage = open_storage(sqlite_url(folder));
  const StudyRecord read = *storage->find_study("old");
  ASSERT_FALSE(read.spec.search_space.is_null());
  EXPECT_EQ(read.spec.search_space.begin().key(), "zeta");
  EXPECT_EQ(read.spec.noisy(), true);
  EXPECT_THAT(sqlite_exec(path, "SELECT spec_json FROM studies"), Not(HasSubstr("version")));  // reading wrote nothing
  storage->update_study_spec(read.id, [](StudySpec spec) { return spec; });
  EXPECT_THAT(sqlite_exec(path, "SELECT spec_json FROM studies"), HasSubstr("\"version\":2"));
  EXPECT_THAT(sqlite_exec(path, "SELECT user_attrs_json FROM studies"), Not(HasSubstr("search_space")));
  EXPECT_EQ(storage->find_study("old")->spec, read.spec);
}

TEST(SqliteStorage, ConcurrentFirstOpensCreateTheSchemaOnce) {
  TempFolder folder;
  const std::string url = sqlite_url(folder);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      try {
        open_storage(url)->create_study(two_objective_spec("s" + std::to_string(i)),
                                        nlohmann::json::object());
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(open_storage(url)->studies().size(), 4u);
  EXPECT_EQ(sqlite_exec(folder.path() / "study.db", "SELECT count(*) FROM ecopt_schema_version"),
            "1");
}

// A version-1 database (no trial versions) is migrated when opened: its
// trials are all read as changed once, then only what changes after.
TEST(SqliteStorage, Version1DatabaseIsMigratedAndReadIncrementally) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  std::int64_t study_id = 0;
  {
    auto storage = open_storage(sqlite_url(folder));
    study_id = storage->create_study(two_objective_spec("s"), nlohmann::json::object()).id;
    storage->create_trial(study_id, {});
    storage->create_trial(study_id, {});
  }
  sqlite_exec(path, "DROP INDEX trials_by_version; ALTER TABLE trials DROP COLUMN version; "
                    "ALTER TABLE studies DROP COLUMN trials_version; DROP INDEX trials_by_state; "
                    "CREATE INDEX trials_by_state ON trials (study_id, state); "
                    "ALTER TABLE trials DROP COLUMN intermediate_json; "
                    "UPDATE ecopt_schema_version SET version = 1");
  auto storage = open_storage(sqlite_url(folder));
  EXPECT_EQ(sqlite_exec(path, "SELECT version FROM ecopt_schema_version"), "4");
  EXPECT_THAT(sqlite_exec(path, "SELECT sql FROM sqlite_master WHERE name = 'trials_by_state'"),
              HasSubstr("(study_id, state, number)"));
  const TrialChanges all = storage->trials_changed_since(study_id, 0);
  EXPECT_EQ(all.trials.size(), 2u);
  EXPECT_TRUE(storage->trials_changed_since(study_id, all.version).trials.empty());
  const Trial third = storage->create_trial(study_id, {});
  const TrialChanges next = storage->trials_changed_since(study_id, all.version);
  ASSERT_EQ(next.trials.size(), 1u);
  EXPECT_EQ(next.trials[0].number, third.number);
}

// A read of thousands of trials parses them on two threads: every trial
// comes back once, in number order, with its own params and attributes.
TEST(SqliteStorage, ALargeReadReturnsEveryTrialInOrder) {
  TempFolder folder;
  auto storage = open_storage(sqlite_url(folder));
  const auto study = storage->create_study(two_objective_spec("s"), nlohmann::json::object());
  constexpr std::int64_t kTrials = 5000;  // above the two-thread threshold
  for (std::int64_t i = 0; i < kTrials; ++i) {
    storage->create_trial(study.id, {{"i", i}}, {{"x", ParamValue{i * 0.5}}});
  }
  const TrialChanges all = storage->trials_changed_since(study.id, 0);
  ASSERT_EQ(all.trials.size(), static_cast<std::size_t>(kTrials));
  for (std::int64_t i = 0; i < kTrials; ++i) {
    const Trial& trial = all.trials[static_cast<std::size_t>(i)];
    ASSERT_EQ(trial.number, i);
    ASSERT_EQ(std::get<double>(trial.params.at("x")), i * 0.5) << i;
    ASSERT_EQ(trial.system_attrs.at("i"), i) << i;
  }
}

// Reaping stale trials runs before every trial: it must search the state
// index, never walk every trial of the study (which read a 40 MB table per
// trial at 20,000 trials).
TEST(SqliteStorage, RunningTrialsAreFoundThroughTheStateIndex) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  open_storage(sqlite_url(folder));
  const std::string plan = sqlite_exec(
      path, "EXPLAIN QUERY PLAN SELECT id FROM trials WHERE study_id = 1 AND state = 'RUNNING' "
            "ORDER BY number");
  EXPECT_THAT(plan, HasSubstr("trials_by_state"));
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE")));
}

TEST(SqliteStorage, UniqueConstraintGuardsTrialNumbers) {
  TempFolder folder;
  const auto path = folder.path() / "study.db";
  auto storage = open_storage(sqlite_url(folder));
  const auto study = storage->create_study(two_objective_spec("s"), nlohmann::json::object());
  storage->create_trial(study.id, {});
  EXPECT_THROW(sqlite_exec(path, "INSERT INTO trials (study_id, number, state, params_json, "
                                 "values_json, user_attrs_json, system_attrs_json, started_at) "
                                 "VALUES (1, 0, 'RUNNING', '{}', '[]', '{}', '{}', 0)"),
               std::runtime_error);
}

}  // namespace
}  // namespace ecopt::testing
