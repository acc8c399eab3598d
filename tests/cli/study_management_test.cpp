// Studies managed from the command line (issue 29, item 2): delete-study,
// rename-study, copy-study across storages, and "did you mean" for
// misspelt subcommands and keys.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "ecopt/storage/storage.hpp"
#include "storage/pg_test_server.hpp"
#include "cli_test.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;

class StudyManagement : public testing::CliTest {
 public:
  StudyManagement() : CliTest("manage") {}
  void SetUp() override {
    std::ofstream(dir_ / "trial.sh") << "#!/bin/sh\necho \"epoch of $ECOPT_TRIAL_NUMBER\"\n"
                                        "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X}\"\n";
    const auto study = testing::command_study(dir_.path(), "first", url_, 3, dir_ / "trial.sh");
    const auto run = ecopt({"tune", study});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  std::filesystem::path logs(const std::string& study) { return dir_ / "m.db-logs" / study; }

  std::string url_ = "sqlite:///" + (dir_ / "m.db").string();
};

TEST_F(StudyManagement, DeleteStudyRemovesTheStudyItsTrialsAndItsLogs) {
  ASSERT_TRUE(std::filesystem::exists(logs("first") / "trial-0.log"));
  const auto deleted = ecopt({"delete-study", "--storage", url_, "--study-name", "first"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_FALSE(std::filesystem::exists(logs("first")));
  const auto listed = ecopt({"studies", "--storage", url_});
  EXPECT_THAT(listed.out, ::testing::Not(HasSubstr("first")));
  const auto again = ecopt({"delete-study", "--storage", url_, "--study-name", "first"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("no study named 'first'"));
}

TEST_F(StudyManagement, RenameStudyKeepsTrialsAndLogsUnderTheNewName) {
  const auto before = trials(url_, "first");
  const auto renamed = ecopt({"rename-study", "--storage", url_, "--study-name", "first", "--new-name", "second"});
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_EQ(trials(url_, "second"), before);
  const auto log = ecopt({"logs", "second", "--storage", url_, "--trial", "1"});
  EXPECT_THAT(log.out, HasSubstr("epoch of 1"));
  const auto taken = ecopt({"rename-study", "--storage", url_, "--study-name", "second", "--new-name", "second"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_THAT(taken.err, HasSubstr("already exists"));
}

// The copy reads the study through SQLite (WAL included), so it is whole
// even while the study is open; trials keep every field.
void expect_copy(StudyManagement& test, const std::string& from, const std::string& to_url) {
  const auto copied = test.ecopt({"copy-study", "--storage", from, "--study-name", "first",
                                  "--to-storage", to_url, "--to-study-name", "copy"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_THAT(copied.out, HasSubstr("3 trials"));
  const auto original = test.trials(from, "first");
  const auto copy = test.trials(to_url, "copy");
  EXPECT_EQ(copy, original);
  const auto again = test.ecopt({"copy-study", "--storage", from, "--study-name", "first",
                                 "--to-storage", to_url, "--to-study-name", "copy"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
}

TEST_F(StudyManagement, CopyStudyToAnotherSqliteFileKeepsTrialsAndLogs) {
  const std::string to = "sqlite:///" + (dir_ / "copy.db").string();
  expect_copy(*this, url_, to);
  const auto log = ecopt({"logs", "copy", "--storage", to, "--trial", "2"});
  EXPECT_THAT(log.out, HasSubstr("epoch of 2"));
}

TEST_F(StudyManagement, CopyStudyFromSqliteToPostgresql) {
  ECOPT_REQUIRE_PG_SERVER(server);
  expect_copy(*this, url_, server->create_database());
}

// Issue 29, item 6: with a reader open (the dashboard), the trials of a
// finished run stayed in the -wal file and a copy of the database file
// alone held none of them.
TEST_F(StudyManagement, ARunEndsWithItsTrialsInTheDatabaseFileWhileAReaderIsOpen) {
  const auto reader = open_storage(url_, {.access = StorageAccess::ReadOnly});
  ASSERT_EQ(reader->trials(reader->find_study("first")->id).size(), 3u);
  const auto run = ecopt({"tune", (dir_ / "first.toml").string(), "--n-trials", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::filesystem::copy_file(dir_ / "m.db", dir_ / "plain-copy.db");
  EXPECT_EQ(trials("sqlite:///" + (dir_ / "plain-copy.db").string(), "first").size(), 5u);
}

TEST_F(StudyManagement, MisspeltSubcommandsAndKeysGetADidYouMean) {
  const auto command = ecopt({"tnue", "x.toml"});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_THAT(command.err, HasSubstr("unknown command 'tnue' (did you mean 'tune'?)"));
  const auto study = testing::command_study(dir_.path(), "typo", url_, 1, dir_ / "trial.sh", "", "n_trails = 3");
  const auto key = ecopt({"tune", study});
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_THAT(key.err, HasSubstr("unknown key 'n_trails' in [study] (did you mean 'n_trials'?)"));
  const auto task = testing::command_study(dir_.path(), "typo2", url_, 1, dir_ / "trial.sh", "timout_s = 3");
  EXPECT_THAT(ecopt({"tune", task}).err, HasSubstr("did you mean 'timeout_s'?"));
  std::ofstream(dir_ / "space.toml") << testing::read_file(task).replace(
      testing::read_file(task).find("timout_s = 3"), 12, "") << "lwo = 0.5\n";
  EXPECT_THAT(ecopt({"tune", (dir_ / "space.toml").string()}).err, HasSubstr("did you mean 'low'?"));
}

}  // namespace
}  // namespace ecopt
