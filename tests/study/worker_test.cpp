// Many `ecopt worker` processes on one study, through the real binary and
// real SQLite and PostgreSQL: exact budgets, kill -9 recovery with
// retries, a database outage mid-run, and device leases that never overlap.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/energy/record.hpp"

#include "ecopt/storage/storage.hpp"
#include "ecopt/study/worker.hpp"
#include "pg_test_server.hpp"
#include "command_study.hpp"
#include "fake_powercap.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using CliChild = testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;

struct StudyOptions {
  std::string url;
  int n_trials = 100;
  double sleep_s = 0.01;
  double heartbeat_s = 0.5;
  double stale_after_s = 60;
  int retry_failed = 0;
  std::string energy;  // lines of an [energy] table
  std::string study;   // more lines of the [study] table
};

// A command task: sleeps, then reports f0 = x and the worker's pid (the
// shell's parent); trial 0 blocks while <dir>/hold exists, after touching
// <dir>/started, so a test can kill its worker mid-trial. Every trial also
// appends "start <ns>" and "end <ns>" to <dir>/intervals.
std::string write_study(const TempDir& dir, const StudyOptions& options) {
  const auto script = dir / "trial.sh";
  std::ofstream(script) << fmt::format(
      "#!/bin/sh\n"
      "if [ \"$ECOPT_TRIAL_NUMBER\" = 0 ] && [ -f '{0}/hold' ]; then\n"
      "  touch '{0}/started'\n"
      "  while [ -f '{0}/hold' ]; do sleep 0.05; done\n"
      "fi\n"
      "echo \"start $(date +%s%N) $PPID\" >> '{0}/intervals'\n"
      "sleep {1}\n"
      "echo \"end $(date +%s%N) $PPID\" >> '{0}/intervals'\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X, \\\"worker_pid\\\": $PPID}}\"\n",
      dir.path().string(), options.sleep_s);
  return testing::command_study(
      dir.path(), "many", options.url, options.n_trials, script, "",
      fmt::format("heartbeat_interval_s = {}\nstale_after_s = {}\nretry_failed = {}\n{}\n[energy]\n{}",
                  options.heartbeat_s, options.stale_after_s, options.retry_failed, options.study,
                  options.energy));
}

// Waits up to a minute for a held trial's script to touch <dir>/<flag>.
bool trial_started(const std::filesystem::path& dir, const std::string& flag = "started") {
  return testing::wait_until([&] { return std::filesystem::exists(dir / flag); },
                             std::chrono::seconds(60));
}

class Workers : public ::testing::Test {
 protected:
  void SetUp() override {
    // Leases live in this test's folder: other runs on the machine must not
    // hold them.
    ::setenv("ECOPT_LEASE_DIR", (dir_ / "leases").c_str(), 1);
  }

  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  std::vector<Trial> stored_trials(const std::string& url) {
    auto storage = open_storage(url);
    const auto study = storage->find_study("many");
    EXPECT_TRUE(study.has_value());
    return study ? storage->trials(study->id) : std::vector<Trial>{};
  }

  TempDir dir_{"workers"};
};

// Exactly n_trials, numbers 0..n-1, all COMPLETE, run by several workers.
void expect_exact_budget(const std::vector<Trial>& trials, int n_trials) {
  ASSERT_EQ(trials.size(), static_cast<std::size_t>(n_trials));
  std::set<std::int64_t> numbers;
  std::set<std::int64_t> workers;
  for (const auto& trial : trials) {
    numbers.insert(trial.number);
    EXPECT_EQ(trial.state, TrialState::Complete) << trial.fail_reason.value_or("");
    workers.insert(trial.user_attrs.value("worker_pid", std::int64_t{-1}));
    // More workers than the one CPU lease, but the CPU-time estimate (no
    // RAPL here) counts each trial's own processes: a trial run beside
    // another names the CPU in shared_devices, yet no energy record of it,
    // the task's own included, is shared (issue 27).
    ASSERT_TRUE(trial.user_attrs.contains("shared_devices")) << trial.user_attrs.dump();
    const auto records = energy_records(trial.user_attrs);
    ASSERT_FALSE(records.empty()) << trial.user_attrs.dump();
    for (const auto& record : records) EXPECT_FALSE(record.shared) << record.name;
  }
  EXPECT_EQ(numbers.size(), trials.size()) << "trial numbers must be unique";
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), n_trials - 1);
  EXPECT_GE(workers.size(), 2u) << "the trials should be spread over the workers";
}

TEST_F(Workers, FourWorkersRunExactlyTheTrialsAskedForOnSqlite) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url});
  const auto result = ecopt({"tune", study, "--workers", "4", "--allow-shared"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_THAT(result.out, HasSubstr("started 4 workers"));
  expect_exact_budget(stored_trials(url), 100);
}

TEST_F(Workers, FourWorkersRunExactlyTheTrialsAskedForOnPostgres) {
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const auto study = write_study(dir_, {url});
  const auto result = ecopt({"tune", study, "--workers", "4", "--allow-shared"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  expect_exact_budget(stored_trials(url), 100);
  // The password reaches neither the output nor the stored study.
  EXPECT_THAT(result.out + result.err, ::testing::Not(HasSubstr(testing::PgTestServer::kPassword)));
}

bool lease_is_held(const std::filesystem::path& lock_file) {
  const int fd = ::open(lock_file.c_str(), O_RDWR);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

// After a kill -9 the trial's program lives on as an orphan: the device
// stays leased until it ends, so no retry is measured beside it.
TEST_F(Workers, AKilledWorkersOrphanedTrialKeepsItsDeviceLeased) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 1, 0.01, 0.5, 60, 0});
  std::ofstream(dir_ / "hold") << "1";
  CliChild doomed({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  ASSERT_TRUE(trial_started(dir_.path())) << doomed.out_so_far();
  doomed.signal(SIGKILL);
  doomed.wait();
  // The CPU lease is named by its package: cpu-<host>-package-<N>.lock.
  std::filesystem::path lock_file;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "leases"))
    if (entry.path().filename().string().starts_with("cpu-")) lock_file = entry.path();
  ASSERT_FALSE(lock_file.empty()) << "no CPU lease file in " << (dir_ / "leases");
  EXPECT_TRUE(lease_is_held(lock_file)) << "the orphaned trial program still runs on the cpu";
  std::filesystem::remove(dir_ / "hold");
  EXPECT_TRUE(testing::wait_until([&] { return !lease_is_held(lock_file); }, std::chrono::seconds(10)))
      << "the lease must be free once the orphan has ended";
}

// Two workers die mid-trial; the survivor fails both trials (their
// processes are gone) and owes two retries. The second waits while the
// first runs for longer than stale_after_s: it must get heartbeats
// meanwhile, or the survivor would fail it as stale too and, its one retry
// spent, lose it. The first retry runs until the second has had a
// heartbeat later than it could have gone stale.
TEST_F(Workers, RetriesWaitingBehindALongRetryStayAlive) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const double stale_after_s = 1.0;
  const auto study = write_study(dir_, {url, 2, 0.01, 0.2, stale_after_s, 1});
  const auto script = dir_ / "trial.sh";
  std::ofstream(script) << fmt::format(
      "#!/bin/sh\n"
      "if [ \"$ECOPT_TRIAL_NUMBER\" -lt 2 ] && [ -f '{0}/hold' ]; then\n"
      "  touch '{0}/started-'$ECOPT_TRIAL_NUMBER\n"
      "  while [ -f '{0}/hold' ]; do sleep 0.05; done\n"
      "fi\n"
      "while [ \"$ECOPT_TRIAL_NUMBER\" = 2 ] && [ -f '{0}/long' ]; do sleep 0.05; done\n"
      "echo \"ECOPT {{\\\"f0\\\": $ECOPT_PARAM_X}}\"\n",
      dir_.path().string());
  std::ofstream(dir_ / "hold") << "1";
  std::ofstream(dir_ / "long") << "1";
  std::vector<CliChild> doomed;
  for (int i = 0; i < 2; ++i)
    doomed.emplace_back(std::vector<std::string>{ECOPT_CLI_PATH, "worker", study, "--allow-shared"},
                        dir_.path());
  ASSERT_TRUE(trial_started(dir_.path(), "started-0") && trial_started(dir_.path(), "started-1"))
      << doomed[0].out_so_far() << doomed[1].out_so_far();
  for (auto& worker : doomed) {
    worker.signal(SIGKILL);
    worker.wait();
  }
  std::filesystem::remove(dir_ / "hold");  // the orphans end

  CliChild survivor({ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir_.path());
  const auto waited_past_stale = [&] {
    const auto trials = stored_trials(url);
    if (trials.size() < 4 || !trials[3].heartbeat_at) return false;
    return *trials[3].heartbeat_at - trials[3].started_at > std::chrono::duration<double>(stale_after_s);
  };
  const bool kept_alive = testing::wait_until(waited_past_stale, std::chrono::seconds(30));
  std::filesystem::remove(dir_ / "long");
  EXPECT_TRUE(kept_alive) << "the waiting retry got no heartbeat";
  const auto result = survivor.wait();
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 4u) << result.out;
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_EQ(trials[2].state, TrialState::Complete) << trials[2].fail_reason.value_or("");
  EXPECT_EQ(trials[3].state, TrialState::Complete) << trials[3].fail_reason.value_or("");
}

// A stale time that is not whole seconds is kept as given: a worker that
// finds another's trial RUNNING names the time it will wait for.
TEST_F(Workers, AStaleTimeIsKeptToTheMillisecond) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {.url = url, .n_trials = 1, .stale_after_s = 2.5});
  std::ofstream(dir_ / "hold") << "1";
  CliChild first({ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir_.path());
  ASSERT_TRUE(trial_started(dir_.path())) << first.out_so_far() << first.err_so_far();
  CliChild second({ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir_.path());
  EXPECT_TRUE(second.wait_for_output("trial 0 is RUNNING by process", std::chrono::seconds(30)))
      << second.out_so_far() << second.err_so_far();
  std::filesystem::remove(dir_ / "hold");
  EXPECT_THAT(second.out_so_far(), HasSubstr("it is failed as stale if it sends no heartbeat for 2.5 s\n"));
  EXPECT_EQ(first.wait().exit_code, 0);
  EXPECT_EQ(second.wait().exit_code, 0);
}

TEST_F(Workers, ALeaseOnADeviceWithoutAMeterIsRefusedBeforeAnyTrial) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 3});
  const auto result = ecopt({"worker", study, "--devices", "cuda:3"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("no energy meter measures cuda:3"));
  EXPECT_TRUE(stored_trials(url).empty());
}

TEST_F(Workers, TrialProgramsDoNotInheritTheStorageUrl) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 2});
  const auto probe = dir_ / "probe.sh";
  std::ofstream(probe) << "#!/bin/sh\n"
                          "seen=0; [ -n \"${ECOPT_WORKER_STORAGE+x}\" ] && seen=1\n"
                          "echo \"ECOPT {\\\"f0\\\": $ECOPT_PARAM_X, \\\"storage_seen\\\": $seen}\"\n";
  std::string text;
  {
    std::ifstream in(study);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto script_at = text.find((dir_ / "trial.sh").string());
  ASSERT_NE(script_at, std::string::npos);
  text.replace(script_at, (dir_ / "trial.sh").string().size(), probe.string());
  std::ofstream(study) << text;
  const auto result = ecopt({"tune", study, "--workers", "2", "--storage", url, "--allow-shared"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& trial : trials) EXPECT_EQ(trial.user_attrs["storage_seen"], 0) << trial.user_attrs.dump();
}

TEST_F(Workers, MaxTrialsStopsOneWorkerEarly) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 10});
  const auto result = ecopt({"worker", study, "--max-trials", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(stored_trials(url).size(), 3u);
}

// Stops worker A with `signal` while it runs trial 0 (SIGKILL: killed;
// SIGTERM: Slurm's scancel, preemption or time limit, which leaves the
// trial RUNNING as a kill would); worker B, on the same host, sees that
// A's process is gone (without waiting for its heartbeat to go stale),
// fails that trial, retries it with the same params, and finishes the
// study.
void kill_mid_trial_and_recover(const TempDir& dir, const std::string& study, int signal = SIGKILL) {
  std::ofstream(dir / "hold") << "1";
  CliChild doomed({ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir.path());
  ASSERT_TRUE(trial_started(dir.path())) << doomed.out_so_far();
  doomed.signal(signal);
  const auto stopped = doomed.wait();
  if (signal == SIGTERM) {
    EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
    EXPECT_THAT(stopped.err, HasSubstr("stopped by SIGTERM (scancel, preemption or a time limit): "
                                       "trial 0 is left RUNNING"));
    EXPECT_THAT(stopped.err, HasSubstr("retries it ([study] retry_failed = 1)"));
  } else {
    EXPECT_EQ(stopped.exit_code, 128 + signal);
  }
  std::filesystem::remove(dir / "hold");  // the orphaned trial script ends too

  const auto survivor = testing::run_process(
      {ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir.path());
  ASSERT_EQ(survivor.exit_code, 0) << survivor.err << survivor.out;
  EXPECT_THAT(survivor.out, HasSubstr("trial 0 was left RUNNING by process"));
  EXPECT_THAT(survivor.out, HasSubstr("retries trial 0"));
}

// 5 trials and one retry of trial 0, every other one COMPLETE.
void expect_trial_0_retried(const std::vector<Trial>& trials) {
  ASSERT_EQ(trials.size(), 6u) << "5 trials and one retry";
  const Trial& lost = trials[0];
  EXPECT_EQ(lost.state, TrialState::Failed);
  EXPECT_THAT(lost.fail_reason.value_or(""), HasSubstr("ended without finishing it"));
  int retries = 0;
  for (const auto& trial : trials) {
    if (trial.number == 0) continue;
    EXPECT_EQ(trial.state, TrialState::Complete) << trial.number;
    if (!trial.system_attrs.contains(kRetriedFromAttr)) continue;
    ++retries;
    EXPECT_EQ(trial.system_attrs[kRetriedFromAttr], 0);
    EXPECT_EQ(trial.params, lost.params) << "a retry runs the same params";
  }
  EXPECT_EQ(retries, 1);
}

TEST_F(Workers, KilledWorkersTrialIsFailedAndRetried) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 5, 0.01, 0.5, 2.0, 1});
  kill_mid_trial_and_recover(dir_, study);
  expect_trial_0_retried(stored_trials(url));
}

// A preempted trial is not the trial's fault: retried, not counted as failed.
TEST_F(Workers, SigtermedWorkersTrialIsLeftRunningThenFailedAndRetried) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 5, 0.01, 0.5, 2.0, 1});
  kill_mid_trial_and_recover(dir_, study, SIGTERM);
  expect_trial_0_retried(stored_trials(url));
}

// `tune --workers` passes on the signal it got: Ctrl-C stays the user's stop
// (the trial FAILED, not retried), SIGTERM a scheduler's (left RUNNING).
TEST_F(Workers, TuneWorkersPassOnCtrlCAsTheUsersStopAndSigtermAsAScheduler) {
  for (const int signal : {SIGINT, SIGTERM}) {
    const std::string url = fmt::format("sqlite:///{}/signal-{}.db", dir_.path().string(), signal);
    const auto study = write_study(dir_, {url, 5, 0.01, 0.5, 60, 1});
    std::ofstream(dir_ / "hold") << "1";
    std::filesystem::remove(dir_ / "started");
    CliChild tune({ECOPT_CLI_PATH, "tune", study, "--workers", "1"}, dir_.path());
    ASSERT_TRUE(trial_started(dir_.path())) << tune.out_so_far();
    tune.signal(signal);
    const auto result = tune.wait();
    std::filesystem::remove(dir_ / "hold");
    EXPECT_EQ(result.exit_code, 130) << result.err;
    const Trial held = stored_trials(url).front();
    if (signal == SIGINT) {
      EXPECT_EQ(held.state, TrialState::Failed);
      EXPECT_EQ(held.fail_reason.value_or(""), "interrupted by user");
    } else {
      EXPECT_EQ(held.state, TrialState::Running) << "left for the stale rule to retry";
      EXPECT_THAT(result.err, HasSubstr("trial 0 is left RUNNING"));
    }
  }
}

// Without retries the killed trial stays FAILED, and (issue 29) a new trial
// takes its place: n_trials counts COMPLETE and PRUNED trials.
TEST_F(Workers, WithoutRetriesAKilledTrialStaysFailedAndANewTrialTakesItsPlace) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 4, 0.01, 0.5, 2.0, 0});
  std::ofstream(dir_ / "hold") << "1";
  CliChild doomed({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  trial_started(dir_.path());
  doomed.signal(SIGKILL);
  doomed.wait();
  std::filesystem::remove(dir_ / "hold");
  const auto survivor = ecopt({"worker", study});
  ASSERT_EQ(survivor.exit_code, 0) << survivor.err << survivor.out;
  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_FALSE(trials[1].system_attrs.contains(kRetriedFromAttr));
  for (std::size_t i = 1; i < trials.size(); ++i) EXPECT_EQ(trials[i].state, TrialState::Complete);
}

TEST_F(Workers, KilledWorkerRecoveryOnPostgres) {
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const auto study = write_study(dir_, {url, 5, 0.01, 0.5, 2.0, 1});
  kill_mid_trial_and_recover(dir_, study);
  const auto trials = stored_trials(url);
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(std::count_if(trials.begin(), trials.end(),
                          [](const Trial& t) { return t.state == TrialState::Complete; }),
            5);
}

// The server stops while three workers run, until each has said that it
// waits for it. Each worker either rides the outage out (the storage
// reconnects with backoff, saying so) or stops with one clear line; a worker started afterwards finishes the study, and the
// stored trials are consistent: unique numbers, the budget exact, nothing
// left RUNNING, every lost trial failed and retried.
TEST_F(Workers, DatabaseOutageMidRunCorruptsNothing) {
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const int n_trials = 60;
  const auto study = write_study(dir_, {url, n_trials, 0.05, 0.5, 3.0, 3});
  std::vector<CliChild> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back(std::vector<std::string>{ECOPT_CLI_PATH, "worker", study, "--allow-shared"},
                         dir_.path());
  }
  auto storage = open_storage(url);
  auto trial_count = [&] {
    const auto record = storage->find_study("many");
    return record ? storage->trials(record->id).size() : 0u;
  };
  testing::wait_until([&] { return trial_count() >= 10; }, std::chrono::seconds(60));
  ASSERT_LT(trial_count(), static_cast<std::size_t>(n_trials)) << "the outage must come mid-run";
  server->stop();
  // The outage lasts until every worker has said it is riding it out.
  for (auto& worker : workers) {
    EXPECT_TRUE(testing::wait_until(
        [&] { return worker.err_so_far().find(" unreachable (") != std::string::npos; }, std::chrono::seconds(30)))
        << "a worker waiting for its storage must say so\n" << worker.err_so_far();
  }
  server->start();
  int rode_out = 0;
  for (auto& worker : workers) {
    const auto result = worker.wait();
    EXPECT_THAT(result.err, HasSubstr("; retrying in "));
    EXPECT_THAT(result.err, HasSubstr(" (attempt 2 of 8)"));
    EXPECT_THAT(result.err, ::testing::Not(HasSubstr("\t"))) << "libpq's tab, shown escaped";
    EXPECT_THAT(result.err, ::testing::Not(HasSubstr(testing::PgTestServer::kPassword)));
    if (result.exit_code == 0) {
      ++rode_out;
      continue;
    }
    // A worker that gave up says why, in one line after its notices.
    const auto last_line = result.err.substr(result.err.rfind('\n', result.err.size() - 2) + 1);
    EXPECT_THAT(last_line, ::testing::StartsWith("ecopt: error: ")) << result.err;
    EXPECT_THAT(last_line, HasSubstr("127.0.0.1"));
  }
  std::cout << rode_out << " of 3 workers rode out the outage\n";
  const auto resumed = ecopt({"worker", study, "--allow-shared"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;

  const auto trials = stored_trials(url);
  std::set<std::int64_t> numbers;
  std::map<std::int64_t, std::int64_t> retried;  // failed trial → its retry
  for (const auto& trial : trials) {
    numbers.insert(trial.number);
    EXPECT_TRUE(is_finished(trial.state)) << trial.number;
    if (trial.system_attrs.contains(kRetriedFromAttr)) {
      retried[trial.system_attrs[kRetriedFromAttr].get<std::int64_t>()] = trial.number;
    }
  }
  EXPECT_EQ(numbers.size(), trials.size());
  EXPECT_EQ(static_cast<std::int64_t>(trials.size()), trial_budget(trials, n_trials));
  for (const auto& trial : trials) {
    if (trial.state == TrialState::Failed) {
      EXPECT_TRUE(retried.count(trial.number)) << "trial " << trial.number << " lost";
    }
  }
}

// The server is away for longer than one storage call retries ([study]
// storage_retry_s: 0.5 s, 4 attempts, here; about 11 s by default) while a
// trial runs: its heartbeats must resume once the server is back, or the
// live trial would later be failed as stale and run twice.
TEST_F(Workers, HeartbeatsResumeAfterAnOutageLongerThanTheRetries) {
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const auto study =
      write_study(dir_, {.url = url, .n_trials = 1, .stale_after_s = 600, .study = "storage_retry_s = 0.5"});
  std::ofstream(dir_ / "hold") << "1";
  CliChild worker({ECOPT_CLI_PATH, "worker", study, "--allow-shared"}, dir_.path());
  ASSERT_TRUE(trial_started(dir_.path())) << worker.out_so_far();
  server->stop();
  // Away until a heartbeat has given up: the outage outlasted the retries.
  const bool gave_up = testing::wait_until(
      [&] { return worker.err_so_far().find("ecopt: heartbeat for trial 0 failed: ") != std::string::npos; },
      std::chrono::seconds(30));
  server->start();
  ASSERT_TRUE(gave_up) << "a lost heartbeat must be told\n" << worker.err_so_far();
  EXPECT_THAT(worker.err_so_far(), HasSubstr("; trying again in 0.5 s\n"));
  EXPECT_THAT(worker.err_so_far(), HasSubstr("; retrying in 0.4 s (attempt 4 of 4)\n")) << "waits of 0.1, 0.2, 0.4 s";
  const auto back = Clock::now();
  testing::wait_until([&] { return stored_trials(url)[0].heartbeat_at > back; }, std::chrono::seconds(30));
  const auto running = stored_trials(url);
  std::filesystem::remove(dir_ / "hold");
  ASSERT_EQ(running.size(), 1u);
  ASSERT_TRUE(running[0].heartbeat_at.has_value());
  EXPECT_GT(*running[0].heartbeat_at, back) << "no heartbeat since the server came back";
  const auto result = worker.wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(stored_trials(url)[0].state, TrialState::Complete);
}

// The PostgreSQL password never reaches any output, the stored study or
// its trials, whether it comes from the study file or --storage, and
// whether the call works or fails.
TEST_F(Workers, DatabasePasswordIsNeverPrintedNorStored) {
  ECOPT_REQUIRE_PG_SERVER(server);
  const std::string url = server->create_database();
  const std::string secret = testing::PgTestServer::kPassword;
  ASSERT_THAT(url, HasSubstr(secret));
  const auto study = write_study(dir_, {url, 6});
  const std::string wrong = "wrong-secret-4711";
  std::string wrong_url = url;
  wrong_url.replace(wrong_url.find(secret), secret.size(), wrong);
  const std::vector<std::vector<std::string>> calls = {
      {"tune", study, "--n-trials", "3"},
      {"tune", study, "--workers", "2", "--allow-shared", "--storage", url},
      {"worker", study, "--allow-shared"},
      {"trials", "--storage", url, "--study-name", "many"},
      {"studies", "--storage", url},
      {"best-trials", "--storage", url, "--study-name", "many"},
      {"trials", "--storage", url, "--study-name", "missing"},
      {"trials", "--storage", wrong_url, "--study-name", "many"},
  };
  for (const auto& call : calls) {
    const auto result = ecopt(call);
    EXPECT_THAT(result.out + result.err, ::testing::Not(HasSubstr(secret))) << call[0];
    EXPECT_THAT(result.out + result.err, ::testing::Not(HasSubstr(wrong))) << call[0];
  }
  auto storage = open_storage(url);
  for (const auto& record : storage->studies()) {
    EXPECT_THAT(record.user_attrs.dump(), ::testing::Not(HasSubstr(secret)));
    const auto trials = storage->trials(record.id);
    EXPECT_EQ(trials.size(), 6u);
    for (const auto& trial : trials) {
      const auto stored = trial.user_attrs.dump() + trial.system_attrs.dump() +
                          trial.fail_reason.value_or("");
      EXPECT_THAT(stored, ::testing::Not(HasSubstr(secret))) << trial.number;
    }
  }
}

// Two workers, one CPU lease: the trials' run intervals never overlap.
TEST_F(Workers, TwoWorkersOnOneLeaseNeverOverlap) {
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {url, 12, 0.1});
  CliChild first({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  CliChild second({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  ASSERT_EQ(first.wait().exit_code, 0);
  ASSERT_EQ(second.wait().exit_code, 0);
  std::ifstream in(dir_ / "intervals");
  std::vector<std::pair<long long, long long>> intervals;
  std::set<std::string> pids;
  std::string kind;
  long long ns = 0;
  std::string pid;
  while (in >> kind >> ns >> pid) {
    pids.insert(pid);
    if (kind == "start") intervals.emplace_back(ns, -1);
    else intervals.back().second = ns;  // the same trial's end follows its start if exclusive
  }
  ASSERT_EQ(intervals.size(), 12u);
  EXPECT_EQ(pids.size(), 2u) << "both workers should have run trials";
  std::sort(intervals.begin(), intervals.end());
  for (std::size_t i = 0; i + 1 < intervals.size(); ++i) {
    EXPECT_GT(intervals[i].second, intervals[i].first);
    EXPECT_LE(intervals[i].second, intervals[i + 1].first) << "trials " << i << " overlap";
  }
  for (const auto& trial : stored_trials(url)) {
    EXPECT_EQ(trial.user_attrs["device_lease"], "cpu");
    EXPECT_EQ(trial.user_attrs["shared_devices"], nlohmann::json::array());
    EXPECT_FALSE(find_energy_record(trial.user_attrs, kTrialRecord)->shared);
  }
}

// Whether process `pid` waits in /proc/locks for an flock of `file`.
bool waits_on_lock(pid_t pid, const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return false;
  std::ifstream locks("/proc/locks");
  const std::string inode = fmt::format(":{} ", info.st_ino);
  const std::string holder = fmt::format(" {} ", pid);
  for (std::string line; std::getline(locks, line);) {
    if (line.find("->") != std::string::npos && line.find(holder) != std::string::npos &&
        line.find(inode) != std::string::npos)
      return true;
  }
  return false;
}

// Issue 23, item 1: a late worker's idle baseline against a running worker,
// on a machine-wide meter. Worker A cycles through short trials, each
// holding the CPU lease and then passing the machine gate; worker C
// (--allow-shared, another study) runs a trial that holds the machine
// without the lease; worker B starts late and measures idle power. Locks
// taken in two orders (B: gate, then every lease; A: lease, then gate)
// deadlock here; one order for all (leases, gate, machine lock) lets B wait
// for C's trial and then measure, and every worker finishes.
TEST_F(Workers, ALateWorkersIdleBaselineNeverDeadlocksWithRunningWorkers) {
  testing::FakePowercapZone package(dir_.path());
  package.start_moving(10.0);
  testing::ScopedEnv powercap("ECOPT_POWERCAP_ROOT", package.root());
  const std::string url = "sqlite:///" + (dir_ / "many.db").string();
  const auto study = write_study(dir_, {.url = url, .n_trials = 30, .sleep_s = 0.05, .energy = "idle_baseline_s = 0.2\nallow_estimate = false"});
  const auto neighbour_script = dir_ / "neighbour.sh";
  std::ofstream(neighbour_script) << fmt::format(
      "#!/bin/sh\ntouch '{0}/neighbour-started'\nwhile [ -f '{0}/neighbour-hold' ]; do sleep 0.02; done\n"
      "echo 'ECOPT {{\"f0\": 1}}'\n",
      dir_.path().string());
  const auto neighbour = testing::command_study(
      dir_.path(), "neighbour", "sqlite:///" + (dir_ / "neighbour.db").string(), 1, neighbour_script,
      "", "[energy]\nallow_estimate = false");

  // A holds the CPU lease (its trial 0 waits); C then runs shared beside it.
  std::ofstream(dir_ / "hold") << "1";
  std::ofstream(dir_ / "neighbour-hold") << "1";
  CliChild a({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  ASSERT_TRUE(trial_started(dir_.path())) << a.out_so_far() << a.err_so_far();
  CliChild c({ECOPT_CLI_PATH, "worker", neighbour, "--allow-shared"}, dir_.path());
  ASSERT_TRUE(trial_started(dir_.path(), "neighbour-started")) << c.out_so_far() << c.err_so_far();
  std::filesystem::remove(dir_ / "hold");

  // B waits for C's trial before measuring idle power, while A goes on.
  CliChild b({ECOPT_CLI_PATH, "worker", study}, dir_.path());
  ASSERT_TRUE(b.wait_for_output("before measuring idle power", std::chrono::seconds(60)))
      << b.out_so_far() << b.err_so_far();
  // A's next trial meets B: it waits at the gate B holds (two lock orders)
  // or for the lease B holds (one order).
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return waits_on_lock(a.pid(), dir_ / "leases" / "machine-gate.lock") ||
               a.err_so_far().find("waiting for a device lease") != std::string::npos;
      },
      std::chrono::seconds(30)));
  std::filesystem::remove(dir_ / "neighbour-hold");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  const auto c_result = c.wait_for(left());
  const auto a_result = a.wait_for(left());
  const auto b_result = b.wait_for(left());
  ASSERT_TRUE(a_result && b_result && c_result)
      << "deadlock: worker A " << (a_result ? "ended" : "still runs") << ", worker B "
      << (b_result ? "ended" : "still runs") << " after 60 s\nA: " << a.err_so_far()
      << "\nB: " << b.out_so_far() << b.err_so_far();
  EXPECT_EQ(a_result->exit_code, 0) << a_result->err;
  EXPECT_EQ(b_result->exit_code, 0) << b_result->err;
  EXPECT_EQ(c_result->exit_code, 0) << c_result->err;
  EXPECT_THAT(b_result->out, HasSubstr("energy: cpu:0 via rapl-powercap"));
  EXPECT_THAT(b_result->out, HasSubstr("energy: measuring idle power for 0.2s"));
  const auto trials = stored_trials(url);
  EXPECT_EQ(trials.size(), 30u);
  for (const auto& trial : trials) EXPECT_EQ(trial.state, TrialState::Complete) << trial.number;
}

}  // namespace
}  // namespace ecopt
