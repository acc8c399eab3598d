// The Study API on real storages (memory and SQLite): ask, tell, best
// trials, and every bad input of tell refused with nothing stored changed.
#include "ecopt/study/study.hpp"
#include "ecopt/study/noisy_front.hpp"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

StudySpec two_objective_spec(const std::string& name) {
  StudySpec spec;
  spec.name = name;
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"energy_j", Direction::Minimize, std::nullopt}};
  return spec;
}

SearchSpace mixed_space() {
  return search_space_from_json_text(R"({
    "lr": {"name": "FloatDistribution", "attributes": {"low": 0.0001, "high": 0.1, "log": true, "step": null}},
    "width": {"name": "IntDistribution", "attributes": {"low": 1, "high": 128, "log": false, "step": 1}},
    "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh"]}}
  })");
}

class StudyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string url = GetParam() == "memory"
                                ? std::string("memory")
                                : "sqlite:///" + (dir_ / "study.db").string();
    storage_ = open_storage(url);
    sampler_ = make_sampler("random", SamplerOptions{});
  }

  Study create(const std::string& name = "s") {
    return Study::create(*storage_, two_objective_spec(name));
  }

  // The stored study, as JSON, to prove a refused call changed nothing.
  std::string snapshot(const Study& study) {
    std::string text;
    for (const auto& trial : study.trials()) text += to_json(trial).dump() + "\n";
    return text;
  }

  TempDir dir_{"study"};
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Sampler> sampler_;
};

TEST_P(StudyTest, CreateLoadAndLoadOrCreate) {
  create("a");
  EXPECT_THROW(create("a"), InputError);
  EXPECT_EQ(Study::load(*storage_, "a").spec().objectives.size(), 2u);
  try {
    Study::load(*storage_, "missing");
    FAIL() << "an unknown study must be refused";
  } catch (const NotFoundError& error) {
    EXPECT_THAT(error.what(), HasSubstr("study 'missing' not found"));
  }
  EXPECT_EQ(Study::load_or_create(*storage_, two_objective_spec("a")).record().id,
            Study::load(*storage_, "a").record().id);
  auto flipped = two_objective_spec("a");
  flipped.objectives[1].direction = Direction::Maximize;
  EXPECT_THROW(Study::load_or_create(*storage_, flipped), InputError);
}

TEST_P(StudyTest, AskStoresParamsAndSearchSpace) {
  Study study = create();
  const auto space = mixed_space();
  for (int i = 0; i < 3; ++i) {
    const AskResult asked = study.ask(space, *sampler_);
    EXPECT_EQ(asked.number, i);
    EXPECT_NO_THROW(space.check(asked.params));
    EXPECT_TRUE(std::holds_alternative<std::int64_t>(asked.params.at("width")));
    EXPECT_TRUE(std::holds_alternative<std::string>(asked.params.at("act")));
  }
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[1].state, TrialState::Running);
  EXPECT_EQ(search_space_from_json_text(trials[1].system_attrs[kSearchSpaceAttr].get<std::string>()),
            space);
  EXPECT_EQ(trials[1].system_attrs[kSamplerAttr], "random");
  // The first ask declares the study's space in its definition.
  EXPECT_EQ(declared_search_space(storage_->find_study("s")->spec), space);
  EXPECT_EQ(declared_search_space(study.spec()), space);
}

// Issue 16: a trial was created in one transaction and given its params in
// another; when the second failed (a full disk) a RUNNING trial without
// params stayed behind and used up the budget.
TEST_P(StudyTest, AnAskThatCannotSuggestStoresNoTrialWithoutParams) {
  class FailingSampler final : public Sampler {
   public:
    std::string name() const override { return "failing"; }
    HistoryNeed history_need() const override { return HistoryNeed::None; }
    std::vector<double> suggest(const SamplingContext&) override {
      throw StorageError("database or disk is full");
    }
  };
  Study study = create();
  FailingSampler failing;
  EXPECT_THROW(study.ask(mixed_space(), failing), StorageError);
  EXPECT_THAT(study.trials(), ::testing::IsEmpty());
  const auto asked = study.ask(mixed_space(), *sampler_);
  ASSERT_EQ(study.trials().size(), 1u);
  EXPECT_EQ(study.trials()[0].number, asked.number);
  EXPECT_EQ(study.trials()[0].params, asked.params);
}

TEST_P(StudyTest, TellCompletesAndStoresValuesAndAttrs) {
  Study study = create();
  const auto asked = study.ask(mixed_space(), *sampler_);
  const Trial told = study.tell(asked.number, {TrialState::Complete, {0.91, 12.5},
                                               {{"flops", 1000}}, std::nullopt});
  EXPECT_EQ(told.state, TrialState::Complete);
  EXPECT_EQ(told.values, (std::vector<double>{0.91, 12.5}));
  EXPECT_EQ(told.user_attrs["flops"], 1000);
  EXPECT_EQ(told.params, asked.params);
}

TEST_P(StudyTest, TellAcceptsFailWithNaNAndPrunedWithoutValues) {
  Study study = create();
  const auto space = mixed_space();
  const auto a = study.ask(space, *sampler_);
  const auto b = study.ask(space, *sampler_);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(study.tell(a.number, {TrialState::Failed, {nan, 1.0}, {}, "diverged"}).state,
            TrialState::Failed);
  EXPECT_EQ(study.tell(b.number, {TrialState::Pruned, {}, {}, "too slow"}).state,
            TrialState::Pruned);
}

struct BadTell {
  const char* what;
  TrialResult result;
  const char* message;
};

TEST_P(StudyTest, BadTellIsRefusedAndChangesNothing) {
  Study study = create();
  const auto space = mixed_space();
  const auto running = study.ask(space, *sampler_);
  const auto finished = study.ask(space, *sampler_);
  study.tell(finished.number, {TrialState::Complete, {0.5, 1.0}, {}, std::nullopt});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<BadTell> cases = {
      {"too few values", {TrialState::Complete, {0.9}, {}, std::nullopt}, "needs 2 values"},
      {"too many values", {TrialState::Complete, {0.9, 1, 2}, {}, std::nullopt}, "needs 2 values"},
      {"no values", {TrialState::Complete, {}, {}, std::nullopt}, "needs 2 values"},
      {"NaN", {TrialState::Complete, {nan, 1.0}, {}, std::nullopt}, "non-finite"},
      {"infinity", {TrialState::Complete, {0.9, inf}, {}, std::nullopt}, "non-finite"},
      {"pruned infinity", {TrialState::Pruned, {0.9, -inf}, {}, std::nullopt}, "non-finite"},
      {"fail with one value", {TrialState::Failed, {nan}, {}, std::nullopt}, "needs 2 values"},
      {"running", {TrialState::Running, {0.9, 1.0}, {}, std::nullopt}, "RUNNING"},
      {"stated standard error of no objective",
       {TrialState::Complete, {0.9, 1.0}, {{"ecopt_stderr", {{"loss", 0.1}}}}, std::nullopt},
       "names 'loss', which is not an objective"},
      {"negative stated standard error",
       {TrialState::Complete, {0.9, 1.0}, {{"ecopt_stderr", {{"energy_j", -0.1}}}}, std::nullopt},
       "finite standard error >= 0"},
  };
  for (const auto& bad : cases) {
    const std::string before = snapshot(study);
    try {
      study.tell(running.number, bad.result);
      ADD_FAILURE() << bad.what << " was accepted";
    } catch (const InputError& error) {
      EXPECT_THAT(error.what(), HasSubstr(bad.message)) << bad.what;
      EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << bad.what;
    }
    EXPECT_EQ(snapshot(study), before) << bad.what;
  }
  const std::string before = snapshot(study);
  try {
    study.tell(finished.number, {TrialState::Complete, {0.7, 2.0}, {}, std::nullopt});
    ADD_FAILURE() << "a finished trial was told again";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("already COMPLETE"));
  }
  try {
    study.tell(42, {TrialState::Complete, {0.7, 2.0}, {}, std::nullopt});
    ADD_FAILURE() << "an unknown trial was told";
  } catch (const NotFoundError& error) {
    EXPECT_THAT(error.what(), HasSubstr("trial 42 not found"));
  }
  EXPECT_EQ(snapshot(study), before);
}

TEST_P(StudyTest, BestTrialsAreParetoOptimalAndFeasible) {
  auto spec = two_objective_spec("front");
  spec.constraints = {{"latency_s", Comparison::LessEqual, 1.0}};
  Study study = Study::create(*storage_, spec);
  const auto space = mixed_space();
  struct Told {
    std::vector<double> values;
    double latency_s;
  };
  // (accuracy max, energy min): 0 and 1 are on the front, 2 is dominated
  // by 0, 3 would dominate all but breaks the constraint, 4 lacks the metric.
  const std::vector<Told> told = {{{0.9, 10}, 0.5}, {{0.8, 5}, 0.5}, {{0.85, 11}, 0.5},
                                  {{0.99, 1}, 2.0}, {{0.99, 1}, -1}};
  for (std::size_t i = 0; i < told.size(); ++i) {
    const auto asked = study.ask(space, *sampler_);
    nlohmann::json attrs = nlohmann::json::object();
    if (told[i].latency_s >= 0) attrs["latency_s"] = told[i].latency_s;
    study.tell(asked.number, {TrialState::Complete, told[i].values, attrs, std::nullopt});
  }
  study.ask(space, *sampler_);  // a RUNNING trial is never best
  std::vector<std::int64_t> numbers;
  for (const auto& trial : study.best_trials()) numbers.push_back(trial.number);
  EXPECT_EQ(numbers, (std::vector<std::int64_t>{0, 1}));
}

// A Study read before anyone asked has no search space in its record (as
// Python's Study loaded while workers ask through the CLI): the front by
// posterior means finds the space stored with the asked trials. Before any
// ask there is nothing to model, which is one line.
TEST_P(StudyTest, PosteriorMeanFrontOfAStudyReadBeforeTheFirstAsk) {
  Study reader = create("noisy");
  try {
    reader.best_trials_by_posterior_mean();
    FAIL() << "a front by posterior means without a search space";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("study 'noisy' has no stored search space"));
  }
  Study writer = Study::load(*storage_, "noisy");
  const auto space = mixed_space();
  for (int i = 0; i < 8; ++i) {
    const auto asked = writer.ask(space, *sampler_);
    const double width = static_cast<double>(std::get<std::int64_t>(asked.params.at("width")));
    writer.tell(asked.number, {TrialState::Complete, {width / 128.0, width}, {}, std::nullopt});
  }
  ASSERT_TRUE(reader.record().spec.search_space.is_null());  // read before the writer's first ask
  std::vector<std::int64_t> members;
  for (const auto& trial : reader.best_trials_by_posterior_mean()) members.push_back(trial.number);
  EXPECT_FALSE(members.empty());
  EXPECT_EQ(members, posterior_mean_front_numbers(writer.spec(), space, writer.trials()));
}

INSTANTIATE_TEST_SUITE_P(Storages, StudyTest, ::testing::Values("memory", "sqlite"));

// Keeps what the study handed it; suggests the middle of the space.
class RecordingSampler final : public Sampler {
 public:
  explicit RecordingSampler(HistoryNeed need) : need_(need) {}
  std::string name() const override { return "recording"; }
  HistoryNeed history_need() const override { return need_; }
  std::vector<double> suggest(const SamplingContext& context) override {
    seen.assign(context.history.begin(), context.history.end());
    return std::vector<double>(context.space.dimensions(), 0.5);
  }
  std::vector<Trial> seen;

 private:
  HistoryNeed need_;
};

std::vector<std::int64_t> numbers_of(const std::vector<Trial>& trials) {
  std::vector<std::int64_t> numbers;
  for (const auto& trial : trials) numbers.push_back(trial.number);
  return numbers;
}

std::vector<std::int64_t> numbers_of(const std::vector<const Trial*>& trials) {
  std::vector<std::int64_t> numbers;
  for (const Trial* trial : trials) numbers.push_back(trial->number);
  return numbers;
}

TEST(StudyReads, ASamplerGetsTheHistoryItDeclaresItNeeds) {
  auto storage = open_storage("memory");
  Study study = Study::create(*storage, two_objective_spec("s"));
  const auto space = mixed_space();
  auto random = make_sampler("random", SamplerOptions{});
  for (int i = 0; i < 3; ++i) study.ask(space, *random);
  study.tell(0, {TrialState::Complete, {0.9, 3.0}, {}, std::nullopt});

  RecordingSampler needs_none(HistoryNeed::None);
  study.ask(space, needs_none);
  EXPECT_TRUE(needs_none.seen.empty());

  RecordingSampler needs_trials(HistoryNeed::Trials);
  const auto asked = study.ask(space, needs_trials);
  // Every stored trial; the one being filled is stored only once it has
  // its params (issue 16), so it is not among them.
  ASSERT_EQ(numbers_of(needs_trials.seen), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(needs_trials.seen[0].values, (std::vector<double>{0.9, 3.0}));
  EXPECT_EQ(needs_trials.seen[3].params, study.trials()[3].params);
  EXPECT_EQ(study.trials()[4].params, asked.params);
}

// The study keeps what it read and then reads only what changed: a trial
// finished and a trial created by other processes (the real CLI) are seen
// on its next read, and only they are reported as changed.
TEST(StudyReads, ChangesByAnotherProcessAreSeenOnTheNextRead) {
  TempDir dir("reads");
  const std::string url = "sqlite:///" + (dir / "study.db").string();
  auto storage = open_storage(url);
  Study study = Study::create(*storage, two_objective_spec("s"));
  const auto space = mixed_space();
  auto random = make_sampler("random", SamplerOptions{});
  for (int i = 0; i < 3; ++i) study.ask(space, *random);
  std::size_t position = 0;
  EXPECT_EQ(numbers_of(study.changed_trials(position)), (std::vector<std::int64_t>{0, 1, 2}));
  const std::string trial_0 = to_json(study.trials()[0]).dump();

  const auto told = testing::run_process({ECOPT_CLI_PATH, "tell", "--storage", url,
                                          "--study-name", "s", "--trial-number", "1",
                                          "--values", "0.8,2.5"},
                                         dir.path());
  ASSERT_EQ(told.exit_code, 0) << told.err;
  const auto asked = testing::run_process({ECOPT_CLI_PATH, "ask", "--storage", url,
                                           "--study-name", "s", "--sampler", "random",
                                           "--search-space", to_ordered_json(space).dump()},
                                          dir.path());
  ASSERT_EQ(asked.exit_code, 0) << asked.err;

  const auto& trials = study.trials();
  ASSERT_EQ(numbers_of(trials), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  EXPECT_EQ(trials[1].values, (std::vector<double>{0.8, 2.5}));
  EXPECT_EQ(to_json(trials[3].params), nlohmann::json::parse(asked.out)["params"]);
  EXPECT_EQ(to_json(trials[0]).dump(), trial_0);
  EXPECT_EQ(numbers_of(study.changed_trials(position)), (std::vector<std::int64_t>{1, 3}));
  EXPECT_TRUE(study.changed_trials(position).empty());
  // What it holds is what a full read returns.
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(to_json(trials[i]), to_json(storage->trials(study.record().id)[i]));
  }
}

}  // namespace
}  // namespace ecopt
