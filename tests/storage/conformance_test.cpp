// One suite, every backend: memory, SQLite and a real PostgreSQL server
// must behave identically.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>

#include "ecopt/core/error.hpp"
#include "pg_test_server.hpp"
#include "storage_fixture.hpp"

namespace ecopt::testing {
namespace {

using namespace std::chrono_literals;

class StorageConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    options_.clock = [this] { return TimePoint(now_ms_.load() * 1ms); };
    const std::string& backend = GetParam();
    if (backend == "memory") {
      url_ = "memory";
    } else if (backend == "sqlite") {
      url_ = sqlite_url(folder_);
    } else {
      ECOPT_REQUIRE_PG_SERVER(server);
      url_ = server->create_database();
    }
    storage_ = open_storage(url_, options_);
  }

  // Another handle on the same data: a new connection for SQL backends, the
  // same object for memory (which lives in one process).
  std::shared_ptr<Storage> another() {
    if (GetParam() == "memory") return {storage_.get(), [](Storage*) {}};
    return open_storage(url_, options_);
  }

  void advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

  StudyRecord make_study(const std::string& name = "study") {
    return storage_->create_study(two_objective_spec(name), {{"owner", "tests"}});
  }

  static TrialResult complete(std::vector<double> values) {
    return {TrialState::Complete, std::move(values)};
  }

  TempFolder folder_;
  std::string url_;
  StorageOptions options_;
  std::atomic<std::int64_t> now_ms_{1'780'000'000'000};
  std::unique_ptr<Storage> storage_;
};

TEST_P(StorageConformance, CreatedStudyReadsBackWithItsSpecAndAttributes) {
  const StudyRecord created = make_study("energy");
  const auto found = storage_->find_study("energy");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created.id);
  EXPECT_EQ(found->spec.name, "energy");
  EXPECT_EQ(found->spec.directions(),
            (std::vector<Direction>{Direction::Maximize, Direction::Minimize}));
  EXPECT_EQ(found->user_attrs, nlohmann::json({{"owner", "tests"}}));
  EXPECT_FALSE(storage_->find_study("absent"));
}

TEST_P(StorageConformance, StudiesAreListedInCreationOrder) {
  make_study("b");
  make_study("a");
  const auto all = storage_->studies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].spec.name, "b");
  EXPECT_EQ(all[1].spec.name, "a");
}

TEST_P(StorageConformance, DuplicateStudyNameIsRefusedAndChangesNothing) {
  make_study("x");
  try {
    storage_->create_study(two_objective_spec("x"), {{"owner", "intruder"}});
    FAIL() << "a duplicate study was accepted";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "study 'x' already exists; use --skip-if-exists or another name");
  }
  ASSERT_EQ(storage_->studies().size(), 1u);
  EXPECT_EQ(storage_->find_study("x")->user_attrs["owner"], "tests");
}

TEST_P(StorageConformance, InvalidStudyIsRefused) {
  StudySpec no_objectives;
  no_objectives.name = "empty";
  EXPECT_THROW(storage_->create_study(no_objectives, nlohmann::json::object()), InputError);
  EXPECT_THROW(storage_->create_study(two_objective_spec("s"), nlohmann::json::array()),
               InputError);
  EXPECT_TRUE(storage_->studies().empty());
}

TEST_P(StorageConformance, StudyUserAttributesMerge) {
  const auto study = make_study();
  storage_->set_study_user_attrs(study.id, {{"space", {{"x", 1}}}});
  EXPECT_EQ(storage_->find_study("study")->user_attrs,
            nlohmann::json({{"owner", "tests"}, {"space", {{"x", 1}}}}));
  EXPECT_THROW(storage_->set_study_user_attrs(study.id, 3), InputError);
  EXPECT_THROW(storage_->set_study_user_attrs(study.id + 100, {{"a", 1}}), NotFoundError);
}

TEST_P(StorageConformance, TheDefinitionIsUpdatedInPlaceAndKeepsItsQuestion) {
  const StudyRecord created = make_study("defined");
  const auto space = nlohmann::ordered_json::parse(R"({"zeta": {"type": "float", "low": 0, "high": 1},
                                                       "alpha": {"type": "int", "low": 1, "high": 3}})");
  const StudySpec updated = storage_->update_study_spec(created.id, [&](StudySpec spec) {
    spec.search_space = space;
    spec.objectives[0].role = ObjectiveRole::Quality;
    spec.objectives[1].unit = "J/sample";
    return spec;
  });
  const StudyRecord found = *another()->find_study("defined");
  EXPECT_EQ(found.spec, updated);
  EXPECT_EQ(found.spec.search_space.begin().key(), "zeta");  // the declared order survives storage
  EXPECT_EQ(found.spec.objectives[0].role, ObjectiveRole::Quality);
  EXPECT_EQ(found.user_attrs, created.user_attrs);
  // What the stored trials answer cannot change: refused, nothing written.
  EXPECT_THROW(storage_->update_study_spec(created.id,
                                           [](StudySpec spec) {
                                             spec.constraints.push_back({"latency_s", Comparison::LessEqual, 1.0});
                                             return spec;
                                           }),
               InputError);
  EXPECT_THROW(storage_->update_study_spec(created.id,
                                           [](StudySpec spec) {
                                             spec.objectives.pop_back();
                                             return spec;
                                           }),
               InputError);
  EXPECT_EQ(storage_->find_study("defined")->spec, updated);
  EXPECT_THROW(storage_->update_study_spec(999, [](StudySpec spec) { return spec; }), NotFoundError);
}

TEST_P(StorageConformance, TrialNumbersCountFromZeroWithinEachStudy) {
  const auto first = make_study("first");
  const auto second = make_study("second");
  EXPECT_EQ(storage_->create_trial(first.id, {}).number, 0);
  EXPECT_EQ(storage_->create_trial(second.id, {}).number, 0);
  EXPECT_EQ(storage_->create_trial(first.id, {}).number, 1);
  EXPECT_EQ(storage_->create_trial(first.id, {}).number, 2);
  EXPECT_THROW(storage_->create_trial(second.id + 100, {}), NotFoundError);
}

TEST_P(StorageConformance, ATrialIsCreatedWithItsParamsInOneStep) {
  const auto study = make_study();
  const ParamMap params{{"lr", 0.003}, {"opt", std::string("adam")}};
  const Trial created = storage_->create_trial(study.id, {}, params);
  EXPECT_EQ(created.params, params);
  EXPECT_EQ(storage_->find_trial(study.id, created.number)->params, params);
  const auto within = storage_->create_trial_within(study.id, {}, 2, params);
  ASSERT_TRUE(within);
  EXPECT_EQ(storage_->find_trial(study.id, within->number)->params, params);
  EXPECT_FALSE(storage_->create_trial_within(study.id, {}, 2, params)) << "the study is full";
  EXPECT_EQ(storage_->trials(study.id).size(), 2u);
}

TEST_P(StorageConformance, TrialRoundTripsEveryField) {
  const auto study = make_study();
  const Trial created = storage_->create_trial(study.id, {{"sampler", "sobol"}});
  EXPECT_EQ(created.state, TrialState::Running);
  EXPECT_EQ(created.started_at, TimePoint(now_ms_.load() * 1ms));
  const ParamMap params{{"lr", 0.003}, {"layers", std::int64_t{3}}, {"bn", true},
                        {"opt", std::string("adam")}};
  storage_->set_trial_params(created.id, params);
  storage_->set_trial_user_attrs(created.id, {{"energy_j", 12.5}});
  storage_->set_trial_system_attrs(created.id, {{"worker", "w1"}});
  advance(1500ms);
  storage_->finish_trial(created.id, {TrialState::Complete, {0.91, 0.012},
                                      {{"accuracy", 0.91}}, std::nullopt});

  const auto trial = storage_->find_trial(study.id, created.number);
  ASSERT_TRUE(trial);
  EXPECT_EQ(trial->id, created.id);
  EXPECT_EQ(trial->state, TrialState::Complete);
  EXPECT_EQ(trial->params, params);
  EXPECT_EQ(trial->values, (std::vector<double>{0.91, 0.012}));
  EXPECT_EQ(trial->user_attrs, nlohmann::json({{"energy_j", 12.5}, {"accuracy", 0.91}}));
  EXPECT_EQ(trial->system_attrs, nlohmann::json({{"sampler", "sobol"}, {"worker", "w1"}}));
  EXPECT_EQ(trial->started_at, created.started_at);
  EXPECT_EQ(trial->finished_at, created.started_at + 1500ms);
  EXPECT_FALSE(trial->fail_reason);
}

TEST_P(StorageConformance, FinishingAFinishedTrialIsRefusedAndChangesNothing) {
  const auto study = make_study();
  const Trial trial = storage_->create_trial(study.id, {});
  storage_->finish_trial(trial.id, complete({1.0, 2.0}));
  const Trial before = *storage_->find_trial(study.id, trial.number);
  advance(10ms);
  EXPECT_THROW(storage_->finish_trial(trial.id, complete({3.0, 4.0})), InputError);
  EXPECT_THROW(storage_->finish_trial(trial.id, {TrialState::Failed, {}, {}, "late"}),
               InputError);
  const Trial after = *storage_->find_trial(study.id, trial.number);
  EXPECT_EQ(after.values, before.values);
  EXPECT_EQ(after.state, TrialState::Complete);
  EXPECT_EQ(after.finished_at, before.finished_at);
  EXPECT_FALSE(after.fail_reason);
}

TEST_P(StorageConformance, CompleteNeedsOneFiniteValuePerObjective) {
  const auto study = make_study();
  const Trial trial = storage_->create_trial(study.id, {});
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& values : std::vector<std::vector<double>>{
           {}, {1.0}, {1.0, 2.0, 3.0}, {nan, 1.0}, {1.0, inf}, {-inf, 0.0}}) {
    EXPECT_THROW(storage_->finish_trial(trial.id, complete(values)), InputError)
        << values.size() << " values";
  }
  EXPECT_THROW(storage_->finish_trial(trial.id, {TrialState::Running, {1.0, 2.0}}), InputError);
  EXPECT_THROW(storage_->finish_trial(trial.id, {TrialState::Pruned, {nan, 1.0}}), InputError);
  const Trial unchanged = *storage_->find_trial(study.id, trial.number);
  EXPECT_EQ(unchanged.state, TrialState::Running);
  EXPECT_TRUE(unchanged.values.empty());
  EXPECT_FALSE(unchanged.finished_at);
}

TEST_P(StorageConformance, FailedTrialMayCarryNoValuesOrNonFiniteOnes) {
  const auto study = make_study();
  const Trial empty = storage_->create_trial(study.id, {});
  const Trial nan = storage_->create_trial(study.id, {});
  storage_->finish_trial(empty.id, {TrialState::Failed, {}, {}, "out of memory"});
  storage_->finish_trial(nan.id, {TrialState::Failed, {std::nan(""), 0.5}, {}, "diverged"});
  const auto trials = storage_->trials(study.id);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason, "out of memory");
  EXPECT_TRUE(trials[0].values.empty());
  ASSERT_EQ(trials[1].values.size(), 2u);
  EXPECT_TRUE(std::isnan(trials[1].values[0]));
  EXPECT_EQ(trials[1].values[1], 0.5);
}

TEST_P(StorageConformance, PrunedTrialNeedsNoValues) {
  const auto study = make_study();
  const Trial trial = storage_->create_trial(study.id, {});
  storage_->finish_trial(trial.id, {TrialState::Pruned, {}});
  EXPECT_EQ(storage_->find_trial(study.id, 0)->state, TrialState::Pruned);
}

TEST_P(StorageConformance, ParamsChangeOnlyWhileRunning) {
  const auto study = make_study();
  const Trial trial = storage_->create_trial(study.id, {});
  storage_->set_trial_params(trial.id, {{"x", 1.0}});
  storage_->finish_trial(trial.id, complete({1.0, 1.0}));
  EXPECT_THROW(storage_->set_trial_params(trial.id, {{"x", 2.0}}), InputError);
  EXPECT_EQ(storage_->find_trial(study.id, 0)->params, (ParamMap{{"x", 1.0}}));
}

TEST_P(StorageConformance, UnknownIdsAreNotFound) {
  const auto study = make_study();
  EXPECT_THROW(storage_->set_trial_params(999, {}), NotFoundError);
  EXPECT_THROW(storage_->finish_trial(999, complete({1.0, 1.0})), NotFoundError);
  EXPECT_THROW(storage_->record_heartbeat(999), NotFoundError);
  EXPECT_THROW(storage_->trials(study.id + 100), NotFoundError);
  EXPECT_THROW(storage_->fail_stale_trials(study.id + 100, 1s), NotFoundError);
  EXPECT_FALSE(storage_->find_trial(study.id, 0));
}

// A learning curve: one object of metrics per step, read back by every
// reader and kept when the trial is PRUNED; a second report of a step
// replaces it; each report is a change a follower sees.
TEST_P(StorageConformance, IntermediateValuesAreStoredPerStepAndKeptWhenPruned) {
  const auto study = make_study();
  const auto trial = storage_->create_trial(study.id, {});
  const auto before = storage_->trials_changed_since(study.id, 0).version;
  storage_->report_intermediate(trial.id, 0, {{"inference_j_per_sample", 0.0021}});
  storage_->report_intermediate(trial.id, 3, {{"accuracy", 0.5}, {"energy_so_far_j", 4.0}});
  storage_->report_intermediate(trial.id, 3, {{"accuracy", 0.81}, {"energy_so_far_j", 12.3}});
  const auto changed = storage_->trials_changed_since(study.id, before);
  ASSERT_EQ(changed.trials.size(), 1u);
  EXPECT_EQ(changed.trials[0].intermediate.size(), 2u);
  storage_->finish_trial(trial.id, {TrialState::Pruned, {0.81, 0.0021}});
  const auto stored = another()->find_trial(study.id, 0);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->state, TrialState::Pruned);
  EXPECT_EQ(stored->intermediate.at(0), nlohmann::json({{"inference_j_per_sample", 0.0021}}));
  EXPECT_EQ(stored->intermediate.at(3),
            nlohmann::json({{"accuracy", 0.81}, {"energy_so_far_j", 12.3}}));
  EXPECT_THROW(storage_->report_intermediate(trial.id, 4, {{"accuracy", 0.9}}), InputError);
  EXPECT_THROW(storage_->report_intermediate(999, 0, {{"accuracy", 0.9}}), NotFoundError);
}

TEST_P(StorageConformance, BadIntermediateValuesAreRefusedAndChangeNothing) {
  const auto study = make_study();
  const auto trial = storage_->create_trial(study.id, {});
  storage_->report_intermediate(trial.id, 1, {{"accuracy", 0.5}});
  for (const auto& values : {nlohmann::json::array({0.5}), nlohmann::json::object(),
                             nlohmann::json({{"accuracy", "high"}}),
                             nlohmann::json({{"accuracy", nullptr}}),
                             nlohmann::json({{std::string("a\0b", 3), 0.5}})}) {
    EXPECT_THROW(storage_->report_intermediate(trial.id, 1, values), InputError) << values.dump();
  }
  EXPECT_THROW(storage_->report_intermediate(trial.id, -1, {{"accuracy", 0.5}}), InputError);
  EXPECT_EQ(storage_->find_trial(study.id, 0)->intermediate,
            (std::map<std::int64_t, nlohmann::json>{{1, {{"accuracy", 0.5}}}}));
}

TEST_P(StorageConformance, TrialsAreOrderedByNumberAndFoundByNumber) {
  const auto study = make_study();
  for (int i = 0; i < 5; ++i) storage_->create_trial(study.id, {{"i", i}});
  const auto trials = storage_->trials(study.id);
  ASSERT_EQ(trials.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(trials[i].number, i);
    EXPECT_EQ(storage_->find_trial(study.id, i)->system_attrs["i"], i);
  }
  EXPECT_FALSE(storage_->find_trial(study.id, 5));
}

// Only a trial whose runner sends heartbeats can go stale: one asked for
// with `ecopt ask` (no heartbeat ever) waits for its tell however long it
// takes (docs/scaling.md).
// A timeout under a second is kept to the millisecond, not rounded.
TEST_P(StorageConformance, AStaleTimeoutUnderASecondIsKeptToTheMillisecond) {
  const auto study = make_study();
  const Trial beating = storage_->create_trial(study.id, {});
  storage_->record_heartbeat(beating.id);
  advance(400ms);
  EXPECT_TRUE(storage_->fail_stale_trials(study.id, 500ms).empty());
  advance(200ms);
  const auto failed = storage_->fail_stale_trials(study.id, 500ms);
  ASSERT_EQ(failed.size(), 1u);
  const auto reason = failed[0].fail_reason.value_or("");
  EXPECT_TRUE(reason.ends_with("no heartbeat for more than 0.5 s")) << reason;
}

TEST_P(StorageConformance, StaleTrialsAreThoseWhoseHeartbeatIsTooOld) {
  const auto study = make_study();
  const Trial asked = storage_->create_trial(study.id, {});
  const Trial silent = storage_->create_trial(study.id, {});
  const Trial beating = storage_->create_trial(study.id, {});
  const Trial done = storage_->create_trial(study.id, {});
  storage_->finish_trial(done.id, complete({1.0, 1.0}));
  storage_->record_heartbeat(silent.id);
  advance(50s);
  storage_->record_heartbeat(beating.id);
  EXPECT_EQ(storage_->find_trial(study.id, beating.number)->heartbeat_at,
            TimePoint(now_ms_.load() * 1ms));
  advance(20s);

  const auto failed = storage_->fail_stale_trials(study.id, 60s);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].number, silent.number);
  const Trial stored = *storage_->find_trial(study.id, silent.number);
  EXPECT_EQ(stored.state, TrialState::Failed);
  ASSERT_TRUE(stored.fail_reason);
  EXPECT_TRUE(stored.fail_reason->starts_with("heartbeat lost")) << *stored.fail_reason;
  EXPECT_EQ(stored.finished_at, TimePoint(now_ms_.load() * 1ms));
  EXPECT_EQ(storage_->find_trial(study.id, beating.number)->state, TrialState::Running);
  EXPECT_EQ(storage_->find_trial(study.id, done.number)->state, TrialState::Complete);
  EXPECT_EQ(storage_->find_trial(study.id, asked.number)->state, TrialState::Running);
  advance(24h);
  storage_->record_heartbeat(beating.id);
  EXPECT_TRUE(storage_->fail_stale_trials(study.id, 60s).empty());
  EXPECT_EQ(storage_->find_trial(study.id, asked.number)->state, TrialState::Running);
  // The worker that lost its trial learns it at its next heartbeat.
  EXPECT_THROW(storage_->record_heartbeat(silent.id), InputError);
}

TEST_P(StorageConformance, ThreadsWithTheirOwnConnectionsGetUniqueNumbers) {
  const auto study = make_study();
  constexpr int kThreads = 4;
  constexpr int kTrialsEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, handle = another()] {
      try {
        for (int i = 0; i < kTrialsEach; ++i) {
          const Trial trial = handle->create_trial(study.id, {});
          handle->finish_trial(trial.id, complete({1.0, static_cast<double>(trial.number)}));
        }
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++errors;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(errors, 0);
  const auto trials = storage_->trials(study.id);
  ASSERT_EQ(trials.size(), kThreads * kTrialsEach);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<std::int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::Complete);
    EXPECT_EQ(trials[i].values[1], static_cast<double>(i));
  }
}

TEST_P(StorageConformance, ConcurrentReapersAndFinishersTouchEachTrialOnce) {
  const auto study = make_study();
  constexpr int kTrials = 40;
  for (int i = 0; i < kTrials; ++i) {
    storage_->record_heartbeat(storage_->create_trial(study.id, {}).id);
  }
  advance(10s);
  std::atomic<int> reaped{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t, handle = another()] {
      try {
        if (t % 2 == 0) {
          reaped += static_cast<int>(handle->fail_stale_trials(study.id, 5s).size());
          return;
        }
        for (const Trial& trial : handle->trials(study.id)) {
          try {
            handle->finish_trial(trial.id, complete({1.0, 1.0}));
            ++finished;
          } catch (const InputError&) {
            // Failed by a reaper, or finished by the other finisher first.
          }
        }
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(reaped + finished, kTrials);
  int complete_count = 0;
  for (const Trial& trial : storage_->trials(study.id)) {
    EXPECT_TRUE(is_finished(trial.state));
    complete_count += trial.state == TrialState::Complete;
  }
  EXPECT_EQ(complete_count, finished.load());
}

std::vector<std::int64_t> numbers_of(const std::vector<Trial>& trials) {
  std::vector<std::int64_t> numbers;
  for (const auto& trial : trials) numbers.push_back(trial.number);
  return numbers;
}

TEST_P(StorageConformance, ChangesSinceAVersionAreOnlyTheTrialsWrittenAfterIt) {
  const auto study = make_study();
  const auto other_study = make_study("other");
  std::vector<Trial> created;
  for (int i = 0; i < 4; ++i) created.push_back(storage_->create_trial(study.id, {}));
  const TrialChanges all = storage_->trials_changed_since(study.id, 0);
  EXPECT_EQ(numbers_of(all.trials), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(storage_->trials_changed_since(study.id, all.version).trials.empty());

  // Writes through another connection, of every kind, each bring their trial back once.
  auto writer = another();
  writer->create_trial(other_study.id, {});  // another study's trials are not this one's changes
  writer->finish_trial(created[2].id, complete({0.5, 1.5}));
  writer->set_trial_params(created[0].id, {{"x", 0.25}});
  writer->set_trial_user_attrs(created[2].id, {{"note", "checked"}});
  const TrialChanges changed = storage_->trials_changed_since(study.id, all.version);
  EXPECT_GT(changed.version, all.version);
  ASSERT_EQ(numbers_of(changed.trials), (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(changed.trials[0].params, (ParamMap{{"x", 0.25}}));
  EXPECT_EQ(changed.trials[1].state, TrialState::Complete);
  EXPECT_EQ(changed.trials[1].user_attrs["note"], "checked");

  advance(10s);
  writer->record_heartbeat(created[1].id);
  const Trial fourth = writer->create_trial(study.id, {});
  EXPECT_EQ(numbers_of(storage_->trials_changed_since(study.id, changed.version).trials),
            (std::vector<std::int64_t>{1, 4}));
  for (const Trial& trial : {created[0], created[3], fourth}) writer->record_heartbeat(trial.id);
  const auto before_reap = storage_->trials_changed_since(study.id, 0).version;
  advance(1h);
  EXPECT_EQ(writer->fail_stale_trials(study.id, 60s).size(), 4u);  // all but the COMPLETE one
  EXPECT_EQ(numbers_of(storage_->trials_changed_since(study.id, before_reap).trials),
            (std::vector<std::int64_t>{0, 1, 3, 4}));
  EXPECT_THROW(storage_->trials_changed_since(study.id + 100, 0), NotFoundError);
}

TEST_P(StorageConformance, DescribeNeverShowsThePassword) {
  const std::string description = storage_->describe();
  EXPECT_EQ(description.find(PgTestServer::kPassword), std::string::npos) << description;
  EXPECT_EQ(description, redact_url(url_));
}

// PostgreSQL refuses invalid UTF-8 and cuts text at NUL; SQLite stores both,
// and then every JSON reader of the study fails. Every backend stores text
// made valid, with a note of what was replaced.
TEST_P(StorageConformance, StoredTextIsValidUtf8WithoutNulAndSaysWhatWasReplaced) {
  const auto study = make_study();
  const Trial trial = storage_->create_trial(study.id, {{"from", std::string("w\xff", 2)}});
  std::string euros;
  for (int i = 0; i < 1000; ++i) euros += "€";
  constexpr char kBad[] = "\nbad \xff\xfe and \0 nul";
  const std::string reason = euros + std::string(kBad, sizeof kBad - 1);
  storage_->set_trial_user_attrs(trial.id, {{std::string("k\0ey", 4), std::string("v\0", 2)}});
  storage_->finish_trial(trial.id, {TrialState::Failed, {}, {{"note", "x\xc3"}}, reason});
  const Trial stored = *another()->find_trial(study.id, trial.number);
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(*stored.fail_reason, euros + "\nbad " + replacement + replacement + " and " +
                                     replacement + " nul [3 bytes replaced by U+FFFD: not "
                                                   "UTF-8, or NUL]");
  EXPECT_EQ(stored.system_attrs["from"], "w" + replacement + " [1 byte replaced by U+FFFD: not UTF-8, or NUL]");
  EXPECT_EQ(stored.user_attrs["note"], "x" + replacement + " [1 byte replaced by U+FFFD: not UTF-8, or NUL]");
  EXPECT_TRUE(stored.user_attrs.contains("k" + replacement + "ey [1 byte replaced by U+FFFD: not UTF-8, or NUL]"))
      << stored.user_attrs.dump();
  EXPECT_NO_THROW((void)to_json(stored).dump());
}

TEST_P(StorageConformance, NamesWithANulByteAreRefusedNotCut) {
  make_study("a");
  EXPECT_THROW(storage_->create_study(two_objective_spec(std::string("a\0b", 3)), {}), InputError);
  EXPECT_THROW(storage_->find_study(std::string("a\0b", 3)), InputError);
  EXPECT_EQ(storage_->studies().size(), 1u);
}

// Issue 29: studies could not be deleted, renamed or copied.
TEST_P(StorageConformance, ADeletedStudyAndItsTrialsAreGoneAndOthersStay) {
  const auto gone = make_study("gone");
  const auto kept = make_study("kept");
  const Trial doomed = storage_->create_trial(gone.id, {});
  const Trial other = storage_->create_trial(kept.id, {});
  storage_->delete_study(gone.id);
  EXPECT_FALSE(storage_->find_study("gone"));
  ASSERT_EQ(storage_->studies().size(), 1u);
  EXPECT_THROW(storage_->trials(gone.id), NotFoundError);
  EXPECT_THROW(storage_->record_heartbeat(doomed.id), NotFoundError);
  EXPECT_THROW(storage_->delete_study(gone.id), NotFoundError);
  storage_->record_heartbeat(other.id);
  EXPECT_EQ(storage_->trials(kept.id).size(), 1u);
  EXPECT_EQ(make_study("gone").spec.name, "gone");  // the name is free again
}

TEST_P(StorageConformance, ARenamedStudyKeepsItsTrialsAndATakenNameIsRefused) {
  const auto study = make_study("old");
  make_study("taken");
  storage_->create_trial(study.id, {});
  storage_->rename_study(study.id, "new");
  EXPECT_FALSE(storage_->find_study("old"));
  const auto renamed = storage_->find_study("new");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->id, study.id);
  EXPECT_EQ(renamed->spec.objectives, study.spec.objectives);
  EXPECT_EQ(storage_->trials(study.id).size(), 1u);
  EXPECT_THROW(storage_->rename_study(study.id, "taken"), InputError);
  EXPECT_THROW(storage_->rename_study(study.id, ""), InputError);
  EXPECT_TRUE(storage_->find_study("new"));
}

TEST_P(StorageConformance, AnImportedTrialKeepsEveryFieldAndTakesTheNextNumber) {
  const auto from = make_study("from");
  const auto to = make_study("to");
  const Trial created = storage_->create_trial(from.id, {{"sampler", "sobol"}}, {{"lr", 0.003}});
  storage_->record_heartbeat(created.id);
  advance(1500ms);
  storage_->finish_trial(created.id, {TrialState::Failed, {}, {{"note", "x"}}, "line one\nline two"});
  const Trial original = *storage_->find_trial(from.id, created.number);
  advance(60s);
  storage_->create_trial(to.id, {});
  const Trial imported = storage_->import_trial(to.id, original);
  EXPECT_EQ(imported.number, 1);
  const auto stored = storage_->find_trial(to.id, 1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, imported.id);
  EXPECT_NE(stored->id, original.id);
  EXPECT_EQ(stored->state, TrialState::Failed);
  EXPECT_EQ(stored->params, original.params);
  EXPECT_EQ(stored->user_attrs, original.user_attrs);
  EXPECT_EQ(stored->system_attrs, original.system_attrs);
  EXPECT_EQ(stored->fail_reason, "line one\nline two");
  EXPECT_EQ(stored->started_at, original.started_at);
  EXPECT_EQ(stored->finished_at, original.finished_at);
  EXPECT_EQ(stored->heartbeat_at, original.heartbeat_at);
  EXPECT_EQ(storage_->trials(from.id).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance,
                         ::testing::Values("memory", "sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ecopt::testing
