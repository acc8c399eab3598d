// Separate processes on one database, as workers on one or many machines:
// SQLite on one file, PostgreSQL on one real server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "pg_test_server.hpp"
#include "process.hpp"
#include "storage_fixture.hpp"

namespace ecopt::testing {
namespace {

class MultiProcess : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = sqlite_url(folder_);
    } else {
      ECOPT_REQUIRE_PG_SERVER(server);
      url_ = server->create_database();
    }
    storage_ = open_storage(url_);
  }

  // Starts them all before waiting for any, so they really overlap.
  std::vector<ProcessOutput> run_workers(const std::vector<std::vector<std::string>>& args) {
    std::vector<CapturedProcess> workers;
    for (const auto& arg : args) {
      std::vector<std::string> argv{worker_path(), arg.at(0), url_, arg.at(1)};
      argv.insert(argv.end(), arg.begin() + 2, arg.end());
      workers.emplace_back(argv);
    }
    std::vector<ProcessOutput> outputs;
    for (auto& worker : workers) outputs.push_back(worker.wait());
    return outputs;
  }

  // The worker reports one value per trial.
  StudyRecord make_study(const std::string& name) {
    StudySpec spec = two_objective_spec(name);
    spec.objectives.pop_back();
    return storage_->create_study(spec, nlohmann::json::object());
  }

  TempFolder folder_;
  std::string url_;
  std::unique_ptr<Storage> storage_;
};

TEST_P(MultiProcess, FourProcessesCreatingTrialsAtOnceLoseNothing) {
  const auto study = make_study("shared");
  const std::vector<std::string> job{"create-finish", "shared", "50"};
  for (const auto& output : run_workers({job, job, job, job})) {
    EXPECT_EQ(output.exit_code, 0) << output.output;
    EXPECT_EQ(output.output, "50\n");
  }
  const auto trials = storage_->trials(study.id);
  ASSERT_EQ(trials.size(), 200u);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<std::int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::Complete);
    EXPECT_EQ(trials[i].values.at(0), static_cast<double>(i));
  }
}

TEST_P(MultiProcess, ReapingAndFinishingAtOnceTouchEachTrialOnce) {
  const auto study = make_study("race");
  for (int i = 0; i < 100; ++i) {
    storage_->record_heartbeat(storage_->create_trial(study.id, {}).id);
  }
  usleep(20'000);  // every heartbeat is now older than the reapers' 0 s timeout

  int touched = 0;
  for (const auto& output : run_workers({{"finish-running", "race"}, {"reap", "race"},
                                         {"finish-running", "race"}, {"reap", "race"}})) {
    ASSERT_EQ(output.exit_code, 0) << output.output;
    touched += std::stoi(output.output);
  }
  EXPECT_EQ(touched, 100);
  for (const Trial& trial : storage_->trials(study.id)) EXPECT_TRUE(is_finished(trial.state));
}

// A reader that keeps what it read and asks only for what changed since,
// while four processes create and finish trials, ends up with exactly what
// one full read returns: no write is missed, however the commits interleave.
TEST_P(MultiProcess, ReadingOnlyChangesWhileOthersWriteMissesNothing) {
  const auto study = make_study("watched");
  std::map<std::int64_t, Trial> seen;
  std::int64_t version = 0;
  auto read_changes = [&] {
    TrialChanges changes = storage_->trials_changed_since(study.id, version);
    EXPECT_GE(changes.version, version);
    version = changes.version;
    for (auto& trial : changes.trials) seen[trial.number] = std::move(trial);
  };
  std::atomic<bool> done{false};
  std::thread writers([&] {
    const std::vector<std::string> job{"create-finish", "watched", "50"};
    for (const auto& output : run_workers({job, job, job, job})) {
      EXPECT_EQ(output.exit_code, 0) << output.output;
    }
    done = true;
  });
  int reads = 0;
  while (!done) {
    read_changes();
    ++reads;
  }
  writers.join();
  read_changes();
  const auto all = storage_->trials(study.id);
  ASSERT_EQ(seen.size(), all.size());
  ASSERT_EQ(all.size(), 200u);
  for (const Trial& trial : all) {
    EXPECT_EQ(to_json(seen.at(trial.number)), to_json(trial)) << trial.number;
    EXPECT_EQ(trial.state, TrialState::Complete);
  }
  EXPECT_GT(reads, 1);
  EXPECT_TRUE(storage_->trials_changed_since(study.id, version).trials.empty());
}

INSTANTIATE_TEST_SUITE_P(SqlBackends, MultiProcess, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ecopt::testing
