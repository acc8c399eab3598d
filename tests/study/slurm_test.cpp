// `ecopt submit slurm` on a real one-node Slurm cluster (slurm_cluster.hpp)
// with a real PostgreSQL: a job array of workers runs exactly the budget,
// and an array task cancelled mid-trial loses nothing.
#include <sys/stat.h>

#include <regex>
#include <set>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/storage/storage.hpp"
#include "ecopt/study/worker.hpp"
#include "command_study.hpp"
#include "pg_test_server.hpp"
#include "slurm_cluster.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::PgTestServer;
using testing::TempDir;

constexpr auto kJobTimeout = std::chrono::seconds(240);

class SlurmSubmit : public ::testing::Test {
 protected:
  void SetUp() override {
    // This test's own lease folder, which the jobs inherit through sbatch.
    ::setenv("ECOPT_LEASE_DIR", (dir_ / "leases").c_str(), 1);
  }

  // Fast command trials reporting f0 and their array task; trial 0 blocks
  // while <dir>/hold exists, after writing its array task to <dir>/started.
  std::string write_study(const std::string& url, int n_trials) {
    const auto script = dir_ / "trial.sh";
    std::ofstream(script) << fmt::format(
        "#!/bin/sh\n"
        "if [ \"$ECOPT_TRIAL_NUMBER\" = 0 ] && [ -f '{0}/hold' ]; then\n"
        "  echo \"$SLURM_ARRAY_TASK_ID\" > '{0}/started.tmp' && mv '{0}/started.tmp' '{0}/started'\n"
        "  while [ -f '{0}/hold' ]; do sleep 0.05; done\n"
        "fi\n"
        "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X, \\\"array_task\\\": $SLURM_ARRAY_TASK_ID}}\"\n",
        dir_.path().string());
    return testing::command_study(dir_.path(), "onslurm", url, n_trials, script, "",
                                  "heartbeat_interval_s = 0.5\nstale_after_s = 3\nretry_failed = 1");
  }

  // Submits and returns the job id.
  std::string submit(const std::string& study) {
    const auto result = testing::run_process(
        {ECOPT_CLI_PATH, "submit", "slurm", study, "--workers", "4", "--time", "00:10:00"},
        dir_.path(), dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    std::smatch match;
    if (!std::regex_search(result.out, match, std::regex(R"(submitted Slurm job (\d+): 4 workers)"))) {
      ADD_FAILURE() << "no job id in: " << result.out;
      return "";
    }
    EXPECT_THAT(result.out, HasSubstr("squeue -j " + match[1].str()));
    EXPECT_THAT(result.out, Not(HasSubstr(PgTestServer::kPassword)));
    return match[1];
  }

  std::vector<Trial> stored_trials(const std::string& url) {
    auto storage = open_storage(url);
    const auto study = storage->find_study("onslurm");
    return study ? storage->trials(study->id) : std::vector<Trial>{};
  }

  std::string job_log(const std::string& job, const std::string& task) {
    return testing::read_file(dir_ / "ecopt-slurm" / fmt::format("onslurm-{}_{}.log", job, task));
  }

  TempDir dir_{"slurm"};
};

TEST_F(SlurmSubmit, AFourTaskArrayRunsExactlyTheBudgetAndKeepsThePasswordOutOfTheScript) {
  ECOPT_REQUIRE_SLURM_CLUSTER(cluster);
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const std::string job = submit(write_study(url, 100));
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(testing::wait_until([&] { return cluster->job_done(job); }, kJobTimeout));

  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 100u);
  std::set<std::int64_t> numbers;
  std::set<std::int64_t> tasks;
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.state, TrialState::Complete) << trial.fail_reason.value_or("");
    numbers.insert(trial.number);
    tasks.insert(trial.user_attrs.value("array_task", std::int64_t{-1}));
  }
  EXPECT_EQ(numbers.size(), 100u);
  EXPECT_EQ(*numbers.rbegin(), 99);
  EXPECT_GE(tasks.size(), 2u) << "the trials should be spread over the array tasks";
  for (const char* task : {"0", "1", "2", "3"})
    EXPECT_THAT(job_log(job, task), HasSubstr("study onslurm")) << "task " << task;

  const std::string script = testing::read_file(dir_ / "ecopt-slurm" / "onslurm.sbatch");
  EXPECT_THAT(script, Not(HasSubstr(PgTestServer::kPassword)));
  EXPECT_THAT(script, HasSubstr("#SBATCH --array=0-3"));
  struct stat pgpass {};
  ASSERT_EQ(::stat((dir_ / "ecopt-slurm" / "onslurm.pgpass").c_str(), &pgpass), 0);
  EXPECT_EQ(pgpass.st_mode & 0777, 0600u);
}

TEST_F(SlurmSubmit, AnArrayTaskCancelledMidTrialHasItsTrialRetriedAndNothingLost) {
  ECOPT_REQUIRE_SLURM_CLUSTER(cluster);
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  std::ofstream(dir_ / "hold") << "1";
  const std::string job = submit(write_study(url, 12));
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir_ / "started"); },
                                  kJobTimeout));
  std::string task;
  std::ifstream(dir_ / "started") >> task;
  const auto cancelled = testing::run_process({"/usr/bin/scancel", job + "_" + task}, dir_.path());
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  ASSERT_TRUE(testing::wait_until([&] { return cluster->job_done(job + "_" + task); }, kJobTimeout));
  std::filesystem::remove(dir_ / "hold");
  ASSERT_TRUE(testing::wait_until([&] { return cluster->job_done(job); }, kJobTimeout));

  EXPECT_THAT(job_log(job, task), HasSubstr("stopped by SIGTERM (scancel, preemption or a time "
                                            "limit): trial 0 is left RUNNING"));
  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 13u) << "12 trials and the retry of the cancelled one";
  std::set<std::int64_t> numbers;
  int complete = 0;
  for (const auto& trial : trials) {
    numbers.insert(trial.number);
    if (trial.number == 0) {
      EXPECT_EQ(trial.state, TrialState::Failed);
      // Failed by the worker that found its process dead on this node.
      EXPECT_THAT(trial.fail_reason.value_or(""), HasSubstr("ended without finishing it"));
      continue;
    }
    EXPECT_EQ(trial.state, TrialState::Complete) << trial.number;
    complete += trial.state == TrialState::Complete;
    if (trial.system_attrs.contains(kRetriedFromAttr)) {
      EXPECT_EQ(trial.system_attrs[kRetriedFromAttr], 0);
      EXPECT_EQ(trial.params, trials[0].params);
    }
  }
  EXPECT_EQ(numbers.size(), 13u);
  EXPECT_EQ(complete, 12) << "the budget, complete";
}

}  // namespace
}  // namespace ecopt
