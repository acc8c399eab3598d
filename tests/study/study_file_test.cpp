// Study files: every table read, defaults, and typos refused by name.
#include "ecopt/study/study_file.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const char* kFullFile = R"(
[study]
name = "demo"
storage = "sqlite:///demo.db"
sampler = "sobol"
seed = 7
n_trials = 12
initial_trials = 4
sampler_options = { reference_rule = "front_nadir" }

[[objectives]]
name = "accuracy"
direction = "maximize"
threshold = 0.5
best_plausible = 1.0

[[objectives]]
name = "inference_samples_per_j"
direction = "maximize"

[[constraints]]
metric = "inference_j_per_sample"
op = "<="
bound = 0.01

[energy]
idle_baseline_s = 2
devices = ["cpu"]
cpu_watts_per_core = 5.0
carbon_region = "FR"
pue = 1.2
min_window_s = 0.5
repeats = 3

[budget]
energy_kwh = 0.5
carbon_kg = 0.2
wall_time = "1h30m"
min_hypervolume_per_kwh = 0.01
hypervolume_window = 8

[task]
kind = "test-problem"
problem = "zdt1"

[space.zeta]
type = "int"
low = 1
high = 8

[space.alpha]
type = "float"
low = 0.1
high = 1.0
log = true

[space.batch]
value = 64
)";

std::string error_of(const std::string& text, const std::string& origin = "bad.toml") {
  try {
    parse_study_file(text, origin);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(StudyFile, ReadsEveryTable) {
  const StudyFile file = parse_study_file(kFullFile, "full.toml");
  EXPECT_EQ(file.spec.name, "demo");
  EXPECT_EQ(file.storage_url, "sqlite:///demo.db");
  EXPECT_EQ(file.sampler, "sobol");
  EXPECT_EQ(file.seed, 7u);
  EXPECT_EQ(file.n_trials, 12);
  EXPECT_EQ(file.initial_trials, 4);
  EXPECT_EQ(file.sampler_options, (nlohmann::json{{"reference_rule", "front_nadir"}}));
  ASSERT_EQ(file.spec.objectives.size(), 2u);
  EXPECT_EQ(file.spec.objectives[0].direction, Direction::Maximize);
  EXPECT_EQ(file.spec.objectives[0].threshold, 0.5);
  EXPECT_EQ(file.pruning.best_plausible, (std::vector<std::optional<double>>{1.0, std::nullopt}));
  ASSERT_EQ(file.spec.constraints.size(), 1u);
  EXPECT_EQ(file.spec.constraints[0].comparison, Comparison::LessEqual);
  EXPECT_DOUBLE_EQ(file.spec.constraints[0].bound, 0.01);
  EXPECT_DOUBLE_EQ(file.energy.idle_baseline_s, 2.0);
  EXPECT_EQ(file.energy.devices, (std::vector<std::string>{"cpu"}));
  EXPECT_EQ(file.energy.carbon.region, "FR");
  EXPECT_DOUBLE_EQ(file.energy.carbon.pue, 1.2);
  EXPECT_EQ(file.spec.budget.energy_kwh, 0.5);
  EXPECT_EQ(file.spec.budget.carbon_kg, 0.2);
  EXPECT_EQ(file.spec.budget.wall_time_s, 5400);
  EXPECT_EQ(file.spec.budget.min_hypervolume_per_kwh, 0.01);
  EXPECT_EQ(file.spec.budget.hypervolume_window, 8);
  EXPECT_EQ(file.task["kind"], "test-problem");
  // The measurement policy reaches the task.
  EXPECT_EQ(file.task["energy"]["min_window_s"], 0.5);
  EXPECT_EQ(file.task["energy"]["repeats"], 3);
  // [space] keeps the file's order, not TOML's sorted one.
  std::vector<std::string> names;
  for (const auto& [name, entry] : file.space.items()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"zeta", "alpha", "batch"}));
  EXPECT_EQ(file.space["batch"]["type"], "fixed");
}

TEST(StudyFile, DefaultsAreDocumented) {
  const StudyFile file = parse_study_file(R"(
[study]
name = "d"
[[objectives]]
name = "f0"
direction = "minimize"
[task]
kind = "test-problem"
)",
                                          "d.toml");
  EXPECT_EQ(file.storage_url, "sqlite:///ecopt.db");
  EXPECT_EQ(file.sampler, "mobo");
  EXPECT_EQ(file.n_trials, 20);
  EXPECT_EQ(file.initial_trials, -1);
  EXPECT_TRUE(file.pruning.energy_first);
  EXPECT_EQ(file.pruning.rule, PruningRule::FrontReach);
  EXPECT_DOUBLE_EQ(file.energy.idle_baseline_s, 0.0);
  EXPECT_FALSE(file.task.contains("energy"));
  EXPECT_EQ(file.space_mode, SpaceMode::Override);
  EXPECT_FALSE(file.spec.budget.any());
  EXPECT_FALSE(file.max_failed_trials) << "n_trials, said in docs/study-file.md";
  EXPECT_EQ(file.stop_after_same_failures, 3);
}

TEST(StudyFile, UnknownKeysNameTheKeyAndTheFile) {
  const std::string base = "[study]\nname = \"x\"\n[[objectives]]\nname = \"f0\"\n[task]\nkind = \"test-problem\"\n";
  EXPECT_THAT(error_of(base + "[study2]\n"), AllOf(HasSubstr("bad.toml"), HasSubstr("'study2'")));
  EXPECT_THAT(error_of("[study]\nname = \"x\"\nn_trails = 3\n[[objectives]]\nname = \"f0\"\n"
                       "[task]\nkind = \"test-problem\"\n"),
              AllOf(HasSubstr("bad.toml"), HasSubstr("'n_trails'"), HasSubstr("n_trials")));
  EXPECT_THAT(error_of(base + "[energy]\nidle_baseline = 3\n"), HasSubstr("'idle_baseline'"));
  EXPECT_THAT(error_of("[study]\nname = \"x\"\n[[objectives]]\nname = \"f0\"\ndirecton = \"max\"\n"
                       "[task]\nkind = \"test-problem\"\n"),
              AllOf(HasSubstr("'directon'"), HasSubstr("direction")));
}

TEST(StudyFile, BadValuesAreRefusedWithTheFix) {
  const std::string head = "[study]\nname = \"x\"\n";
  const std::string objective = "[[objectives]]\nname = \"f0\"\n";
  const std::string task = "[task]\nkind = \"test-problem\"\n";
  EXPECT_THAT(error_of(head + task), HasSubstr("no [[objectives]]"));
  EXPECT_THAT(error_of(head + objective), HasSubstr("[task] needs a kind"));
  EXPECT_THAT(error_of("[study]\n" + objective + task), HasSubstr("needs a name"));
  EXPECT_THAT(error_of(head + "n_trials = \"ten\"\n" + objective + task),
              HasSubstr("study.n_trials must be an integer"));
  EXPECT_THAT(error_of(head + "[[objectives]]\nname = \"f0\"\ndirection = \"up\"\n" + task),
              HasSubstr("unknown direction 'up'"));
  EXPECT_THAT(error_of(head + objective + objective + task), HasSubstr("listed twice"));
  EXPECT_THAT(error_of(head + objective + "[[constraints]]\nmetric = \"m\"\nop = \"<\"\nbound = 1\n" + task),
              HasSubstr("use \"<=\" or \">=\""));
  EXPECT_THAT(error_of(head + objective + "[energy]\ncarbon_region = \"Atlantis\"\n" + task),
              HasSubstr("Atlantis"));
  EXPECT_THAT(error_of(head + objective + task + "[space]\nx0 = 3\n"), HasSubstr("space.x0 must be a table"));
  EXPECT_THAT(error_of("[study\nname = 1"), HasSubstr("bad.toml:1:"));
}

TEST(StudyFile, ObjectivesDeclareRoleUnitAndNoiseAndTheStudyItsBaseline) {
  const StudyFile file = parse_study_file(R"(
[study]
name = "declared"
sampler_options = { noisy = true }
baseline = { width = 8, optimizer = "adam" }
[[objectives]]
name = "energy_mj"
direction = "minimize"
role = "energy"
unit = "mJ/sample"
[[objectives]]
name = "accuracy"
noisy = false
[task]
kind = "test-problem"
problem = "zdt1"
)",
                                          "declared.toml");
  EXPECT_EQ(file.spec.objectives[0].role, ObjectiveRole::Energy);
  EXPECT_EQ(file.spec.objectives[0].unit, "mJ/sample");
  EXPECT_EQ(file.spec.objectives[0].noisy, true);   // from sampler_options
  EXPECT_EQ(file.spec.objectives[1].noisy, false);  // its own
  EXPECT_FALSE(file.spec.objectives[1].role);
  ASSERT_TRUE(file.spec.baseline);
  EXPECT_EQ(file.spec.baseline->kind, StatedBaseline::Kind::Params);
  EXPECT_EQ(file.spec.baseline->params.at("optimizer"), ParamValue(std::string("adam")));
  const auto first = parse_study_file(R"(
[study]
name = "b"
baseline = "first"
[[objectives]]
name = "f0"
[task]
kind = "test-problem"
)",
                                      "first.toml");
  EXPECT_EQ(first.spec.baseline->kind, StatedBaseline::Kind::FirstTrial);
  try {
    parse_study_file("[study]\nname = \"b\"\nbaseline = \"best\"\n[[objectives]]\nname = \"f0\"\n[task]\nkind = \"test-problem\"\n",
                     "bad.toml");
    FAIL() << "baseline = \"best\" must be refused";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("bad.toml: [study] baseline must be \"first\", a trial number"));
  }
}

TEST(StudyFile, SpaceOverridesOrReplacesTheTaskDefault) {
  const SearchSpace task_default(std::vector<Parameter>{
      {"x0", FloatDistribution{0.0, 1.0, false, {}}, {}},
      {"x1", FloatDistribution{0.0, 1.0, false, {}}, {}}});
  const std::string head =
      "[study]\nname = \"x\"\n[[objectives]]\nname = \"f0\"\n[task]\nkind = \"test-problem\"\n";
  const auto overridden = resolve_search_space(
      parse_study_file(head + "[space.x1]\nvalue = 0.0\n[space.x2]\ntype = \"ordinal\"\nchoices = [1, 3, 5]\n",
                       "o.toml"),
      task_default);
  ASSERT_EQ(overridden.parameters().size(), 3u);
  EXPECT_EQ(overridden.parameters()[0].name, "x0");
  EXPECT_TRUE(std::holds_alternative<FixedDistribution>(overridden.parameters()[1].distribution));
  EXPECT_TRUE(std::holds_alternative<OrdinalDistribution>(overridden.parameters()[2].distribution));
  EXPECT_EQ(overridden.dimensions(), 2u);

  const auto replaced = resolve_search_space(
      parse_study_file("[study]\nname = \"x\"\nspace_mode = \"replace\"\n[[objectives]]\nname = \"f0\"\n"
                       "[task]\nkind = \"test-problem\"\n[space.x0]\ntype = \"float\"\nlow = 0.0\nhigh = 0.5\n",
                       "r.toml"),
      task_default);
  ASSERT_EQ(replaced.parameters().size(), 1u);
  EXPECT_EQ(std::get<FloatDistribution>(replaced.parameters()[0].distribution).high, 0.5);

  try {
    resolve_search_space(parse_study_file(head + "[space.x0]\ntype = \"float\"\nlow = 2.0\nhigh = 1.0\n", "lh.toml"),
                         task_default);
    FAIL() << "low > high must be refused";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), AllOf(HasSubstr("lh.toml"), HasSubstr("x0")));
  }
}

TEST(StudyFile, ShippedStudyFilesParse) {
  for (const char* name : {"zdt1-quick.toml", "demo-fashion-mnist.toml", "cifar10-paper.toml"}) {
    const std::string path = std::string(ECOPT_SOURCE_DIR) + "/studies/" + name;
    EXPECT_NO_THROW(load_study_file(path)) << path;
  }
  EXPECT_THROW(load_study_file("/nonexistent/study.toml"), InputError);
}

}  // namespace
}  // namespace ecopt

namespace ecopt {
namespace {

// Issue 30: the report's selection panel exports the chosen trial as an
// [[enqueue]] table; appended to a study file it reads back as exactly those
// parameters (every digit of a float, an int left an int, a string with
// quotes, a newline and a control character, a name that needs quoting).
TEST(EnqueueToml, ReadsBackAsTheSameParameters) {
  const ParamMap params{{"lr", 0.1 + 0.2},
                        {"width", std::int64_t{64}},
                        {"scale", 64.0},
                        {"tiny", 1e-300},
                        {"optimizer", std::string("a\"dam\n\x01 é")},
                        {"two words", true}};
  const std::string snippet = enqueue_toml(params);
  EXPECT_EQ(snippet.rfind("[[enqueue]]\n", 0), 0u) << snippet;
  const StudyFile file = parse_study_file(std::string(kFullFile) + "\n" + snippet, "study.toml");
  ASSERT_EQ(file.enqueue.size(), 1u);
  EXPECT_EQ(file.enqueue[0], params);
}

}  // namespace
}  // namespace ecopt
