// The real `ecopt` binary: Optuna-style verbs, exit codes, one-line errors,
// and every bad input of the ask/tell CLI refused with nothing changed.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

const std::string kSpace = R"({
  "lr": {"name": "FloatDistribution", "attributes": {"low": 0.0001, "high": 0.1, "log": true, "step": null}},
  "width": {"name": "IntDistribution", "attributes": {"low": 1, "high": 128, "log": false, "step": 1}},
  "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh", 3]}}
})";

class Cli : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  ProcessResult on_study(const std::string& verb, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {verb, "--storage", url_, "--study-name", "s"});
    return ecopt(args);
  }
  void create_study() {
    const auto created = ecopt({"create-study", "--storage", url_, "--study-name", "s",
                                "--directions", "maximize,minimize"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }
  nlohmann::json ask(const std::string& space = kSpace) {
    const auto asked = on_study("ask", {"--search-space", space, "--sampler", "random"});
    EXPECT_EQ(asked.exit_code, 0) << asked.err;
    return nlohmann::json::parse(asked.out);
  }
  std::string trials_json() { return on_study("trials").out; }

  // Exit 1, one line on stderr naming the problem, stdout empty.
  static void expect_error(const ProcessResult& result, const std::string& message) {
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_THAT(result.err, HasSubstr("ecopt: error: "));
    EXPECT_THAT(result.err, HasSubstr(message));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
  }

  TempDir dir_{"cli"};
  std::string url_ = "sqlite:///" + (dir_ / "cli.db").string();
};

TEST_F(Cli, UsageErrorsExitWithTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"ask", "--storage", "memory"}, {"tell", "--bogus"}}) {
    const auto result = ecopt(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_THAT(result.err, HasSubstr("ecopt: error: "));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  const auto help = ecopt({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("create-study"));
}

TEST_F(Cli, CreateAskTellAndList) {
  const auto created = ecopt({"create-study", "--storage", url_, "--study-name", "s",
                              "--directions", "maximize", "minimize"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "s\n");
  // Optuna's --skip-if-exists: a second create is fine, without it an error.
  EXPECT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "s", "--directions",
                   "maximize,minimize", "--skip-if-exists"})
                .exit_code,
            0);
  expect_error(ecopt({"create-study", "--storage", url_, "--study-name", "s", "--directions",
                      "maximize,minimize"}),
               "s");

  const auto first = ask();
  EXPECT_EQ(first["number"], 0);
  const auto& params = first["params"];
  EXPECT_TRUE(params["width"].is_number_integer()) << params.dump();
  EXPECT_TRUE(params["lr"].is_number_float());
  EXPECT_TRUE(params["act"] == "relu" || params["act"] == "tanh" || params["act"] == 3);
  EXPECT_EQ(ask()["number"], 1);

  const auto told = on_study("tell", {"--trial-number", "0", "--values", "0.91,0.012"});
  EXPECT_EQ(told.exit_code, 0) << told.err;
  const auto pruned = on_study("tell", {"--trial-number", "1", "--state", "pruned"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;

  const auto trials = nlohmann::json::parse(trials_json());
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0]["state"], "COMPLETE");
  EXPECT_EQ(trials[0]["values"], nlohmann::json({0.91, 0.012}));
  EXPECT_EQ(trials[0]["params"], first["params"]);
  EXPECT_EQ(trials[1]["state"], "PRUNED");

  const auto best = nlohmann::json::parse(on_study("best-trials").out);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0]["number"], 0);
  // Judged by the models' posterior means (noisy objectives): one COMPLETE trial is the whole front.
  const auto noisy_best = on_study("best-trials", {"--noisy"});
  ASSERT_EQ(noisy_best.exit_code, 0) << noisy_best.err;
  EXPECT_EQ(nlohmann::json::parse(noisy_best.out), best);

  const auto csv = on_study("trials", {"--format", "csv"});
  EXPECT_EQ(csv.exit_code, 0);
  // Parameters in the order the study's space declares them (as ask prints them).
  EXPECT_THAT(csv.out,
              HasSubstr("number,state,values_objective_0,values_objective_1,params_lr,params_width,params_act"));
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);

  const auto studies = ecopt({"studies", "--storage", url_});
  ASSERT_EQ(studies.exit_code, 0) << studies.err;
  const auto listed = nlohmann::json::parse(studies.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], "s");
  EXPECT_EQ(listed[0]["n_trials"], 2);
  EXPECT_EQ(listed[0]["directions"], "maximize,minimize");
}

// ask keeps the search space's order; tell says what it stored; studies
// --format table shows objectives and trials per state.
TEST_F(Cli, PrintsWhatItDidInTheUsersOrder) {
  create_study();
  const auto asked = on_study("ask", {"--search-space", kSpace, "--sampler", "random"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const auto lr = asked.out.find("\"lr\"");
  const auto width = asked.out.find("\"width\"");
  const auto act = asked.out.find("\"act\"");
  EXPECT_TRUE(lr < width && width < act) << asked.out;

  const auto told = on_study("tell", {"--trial-number", "0", "--values", "0.030822639759030483,12345.678"});
  ASSERT_EQ(told.exit_code, 0) << told.err;
  EXPECT_EQ(told.out, "told trial 0: COMPLETE, objective_0 0.03082, objective_1 1.235e+04\n");
  const auto again = on_study("tell", {"--trial-number", "0", "--values", "1,2", "--skip-if-finished"});
  EXPECT_EQ(again.out, "trial 0 was already COMPLETE: left as it is\n");
  ask();

  const auto table = ecopt({"studies", "--storage", url_, "--format", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("objectives"));
  EXPECT_THAT(table.out, HasSubstr("objective_0 (maximize), objective_1 (minimize)"));
  EXPECT_THAT(table.out, HasSubstr("COMPLETE"));
  EXPECT_THAT(table.out, HasSubstr("RUNNING"));
  const auto csv = ecopt({"studies", "--storage", url_, "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("name,directions,n_trials,objectives,complete,running,pruned,fail\r\n"
                                 "s,\"maximize,minimize\",2,\"objective_0 (maximize), objective_1 "
                                 "(minimize)\",1,1,0,0\r\n"));
}

TEST_F(Cli, BadSearchSpacesAreRefusedAndCreateNoTrial) {
  create_study();
  ask();
  const std::string before = trials_json();
  const auto float_space = [](const std::string& attributes) {
    return R"({"x": {"name": "FloatDistribution", "attributes": )" + attributes + "}}";
  };
  struct Case {
    std::string space;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{\"x\": ", "JSON"},
      {float_space(R"({"low": 2.0, "high": 1.0, "log": false, "step": null})"), "x"},
      {float_space(R"({"low": 0.0, "high": 1.0, "log": true, "step": null})"), "log"},
      {R"({"x": {"name": "GaussianDistribution", "attributes": {}}})", "GaussianDistribution"},
  };
  for (const auto& bad : cases) {
    expect_error(on_study("ask", {"--search-space", bad.space, "--sampler", "random"}), bad.message);
    EXPECT_EQ(trials_json(), before) << bad.space;
  }
  expect_error(on_study("ask", {"--search-space", kSpace, "--sampler", "simulated-annealing"}),
               "simulated-annealing");
  EXPECT_EQ(trials_json(), before);
}

TEST_F(Cli, BadTellsAreRefusedAndChangeNothing) {
  create_study();
  ask();
  ask();
  ASSERT_EQ(on_study("tell", {"--trial-number", "1", "--values", "0.5,1"}).exit_code, 0);
  const std::string before = trials_json();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--trial-number", "0", "--values", "0.9"}, "needs 2 values"},
      {{"--trial-number", "0", "--values", "0.9,1,2"}, "needs 2 values"},
      {{"--trial-number", "0", "--values", "nan,1"}, "non-finite"},
      {{"--trial-number", "0", "--values", "0.9,inf"}, "non-finite"},
      {{"--trial-number", "0", "--values", "0.9,abc"}, "'abc' is not a number"},
      {{"--trial-number", "1", "--values", "0.9,1"}, "already COMPLETE"},
      {{"--trial-number", "7", "--values", "0.9,1"}, "trial 7 not found"},
      {{"--trial-number", "0", "--values", "0.9,1", "--state", "done"}, "done"},
  };
  for (const auto& bad : cases) {
    expect_error(on_study("tell", bad.args), bad.message);
    EXPECT_EQ(trials_json(), before) << bad.message;
  }
  // NaN is accepted with --state fail.
  EXPECT_EQ(on_study("tell", {"--trial-number", "0", "--values", "nan,nan", "--state", "fail"}).exit_code, 0);
}

// Issue 23: a front member placed by an energy figure the meter could not
// resolve makes best-trials and the report (the dashboard renders the same
// page) say once, below the front, that the front's order may not hold.
TEST_F(Cli, AFrontPlacedByUnresolvedFiguresSaysSo) {
  create_study();
  ask();
  ask();
  const auto record = [](double duration_s) {
    return fmt::format(R"json({{"energy": {{"inference": {{
        "sources": ["rapl-powercap"], "devices": ["cpu:0"], "idle_subtracted": false, "shared": false,
        "windows": 1, "duration_s": {}, "gross_j": 0.5, "net_j": null, "counter_updates": 100,
        "resolution_s": 0.001, "resolution_j": {}}}}}}})json",
                       duration_s, duration_s < 0.01 ? 0.6 : 0.001);
  };
  // Both on the front (better in one objective each); trial 0's 2 ms window
  // cannot resolve its 0.5 J, trial 1's 2 s window can.
  ASSERT_EQ(on_study("tell", {"--trial-number", "0", "--values", "0.9,0.5", "--user-attrs", record(0.002)}).exit_code, 0);
  ASSERT_EQ(on_study("tell", {"--trial-number", "1", "--values", "0.8,0.4", "--user-attrs", record(2.0)}).exit_code, 0);
  const auto best = on_study("best-trials", {"--format", "table"});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_THAT(best.out, HasSubstr("Front order within the meters' limits: 1 of 2 front trials"));
  EXPECT_THAT(best.out, HasSubstr("trial 0 (inference: within resolution)"));
  EXPECT_THAT(best.out, Not(HasSubstr("trial 1 (")));

  ASSERT_EQ(on_study("report", {"--out", (dir_ / "report").string()}).exit_code, 0);
  std::ifstream html(dir_ / "report" / "report.html");
  const std::string page{std::istreambuf_iterator<char>(html), {}};
  EXPECT_NE(page.find("resolution-note\">Front order within the meters&#39; limits: 1 of 2"), std::string::npos)
      << "the report's Pareto section states no front-level resolution note";
}

// Issue 30: choosing the model to deploy from the CLI: limits, then one
// named rule, and the picked trial's parameters as JSON for a script.
TEST_F(Cli, BestTrialsPicksOneTrialWithinLimitsByANamedRule) {
  create_study();
  const std::vector<std::string> values = {"0.95,10", "0.90,4", "0.85,2", "0.70,1"};
  std::vector<nlohmann::json> asked;
  for (std::size_t i = 0; i < values.size(); ++i) {
    asked.push_back(ask());
    ASSERT_EQ(on_study("tell", {"--trial-number", std::to_string(i), "--values", values[i]}).exit_code, 0);
  }
  const auto params_file = dir_ / "chosen.json";
  const auto chosen = on_study("best-trials", {"--where", "objective_0>=0.85", "--pick", "min:objective_1",
                                               "--params-out", params_file.string()});
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  const auto listed = nlohmann::json::parse(chosen.out);
  ASSERT_EQ(listed.size(), 1u) << chosen.out;
  EXPECT_EQ(listed[0]["number"], 2);
  std::ifstream written(params_file);
  const auto params = nlohmann::json::parse(written);
  EXPECT_EQ(params["trial"], 2);
  EXPECT_EQ(params["params"], asked[2]["params"]);
  EXPECT_EQ(params["rule"], "least objective_1");

  const auto table = on_study("best-trials", {"--where", "objective_0>=0.85", "--pick", "knee", "--format", "table"});
  EXPECT_THAT(table.out, HasSubstr("trial 1 picked from 3 trials on the front of those with objective_0>=0.85 by "
                                   "the knee: nearest the ideal point"));
  expect_error(on_study("best-trials", {"--pick", "min:objective_9"}), "no objective or trial metric is named 'objective_9'");
  expect_error(on_study("best-trials", {"--params-out", params_file.string()}), "give --pick too");
}

// Issue 23: a record told from outside is stored as the one writer writes
// it, so its estimate, resolved and flags are what C++ derives from its
// figures, and the report's details panel (which reads the stored record)
// cannot show a CPU-time estimate unmarked or a 1 ms window as resolved.
TEST_F(Cli, ToldEnergyRecordsAreStoredAsTheWriterWritesThem) {
  create_study();
  ask();
  ask();
  const std::string told_record = R"json({"energy": {"inference": {
      "sources": ["estimate-cpu-time"], "devices": ["cpu (estimate)"], "estimate": false,
      "idle_subtracted": false, "shared": false, "windows": 1, "duration_s": 0.001,
      "gross_j": 0.5, "net_j": null, "counter_updates": 0, "resolution_s": 0.01,
      "resolution_j": 5.0, "resolved": true, "flags": [], "colour": "green"}}})json";
  const auto told = on_study("tell", {"--trial-number", "0", "--values", "0.9,0.5", "--user-attrs", told_record});
  ASSERT_EQ(told.exit_code, 0) << told.err;
  const auto stored = nlohmann::json::parse(trials_json())[0]["user_attrs"]["energy"]["inference"];
  EXPECT_EQ(stored["estimate"], true) << stored.dump();
  EXPECT_EQ(stored["resolved"], false) << stored.dump();
  EXPECT_EQ(stored["flags"], nlohmann::json::array({"within_resolution"})) << stored.dump();
  EXPECT_FALSE(stored.contains("colour")) << stored.dump();

  // The report embeds the stored record for the details panel.
  const auto reported = on_study("report", {"--out", (dir_ / "report").string()});
  ASSERT_EQ(reported.exit_code, 0) << reported.err;
  std::ifstream html(dir_ / "report" / "report.html");
  const std::string page{std::istreambuf_iterator<char>(html), {}};
  const std::string open = "<script type=\"application/json\" id=\"ecopt-data\">";
  const auto start = page.find(open) + open.size();
  const auto data = nlohmann::json::parse(page.substr(start, page.find("</script>", start) - start));
  EXPECT_EQ(data["details"]["0"]["energy"]["inference"], stored);

  // A malformed record is one line and stores nothing.
  const std::string before = trials_json();
  expect_error(on_study("tell", {"--trial-number", "1", "--values", "0.9,0.5", "--user-attrs",
                                 R"({"energy": {"inference": {"sources": "rapl"}}})"}),
               "energy record 'inference': field 'sources' must be a list of strings");
  EXPECT_EQ(trials_json(), before);
}

TEST_F(Cli, UnknownStudiesAndUnopenableStoragesAreOneLineErrors) {
  create_study();
  expect_error(ecopt({"ask", "--storage", url_, "--study-name", "nope", "--search-space", kSpace}),
               "study 'nope' not found");
  expect_error(ecopt({"trials", "--storage", url_, "--study-name", "nope"}), "nope");
  // Nothing asked yet: no search space for the models of --noisy.
  expect_error(on_study("best-trials", {"--noisy"}), "no stored search space");
  expect_error(ecopt({"studies", "--storage", "sqlite:////nonexistent-folder/x.db"}),
               "nonexistent-folder");
  expect_error(ecopt({"studies", "--storage", "mysql://db"}), "mysql");
  testing::ScopedEnv quick_pg_retries("ECOPT_PG_RETRY_BACKOFF_MS", "1");  // 127 ms, not 11 s
  const auto secret = ecopt({"studies", "--storage", "postgresql://user:hunter2@127.0.0.1:1/db"});
  EXPECT_EQ(secret.exit_code, 1);
  EXPECT_THAT(secret.err, HasSubstr("127.0.0.1"));
  EXPECT_THAT(secret.err, Not(HasSubstr("hunter2")));
}

// Issue 16: `ecopt studies --storage sqlite:///typo.db` created typo.db,
// and a truncated database was called "not an SQLite database".
TEST_F(Cli, ReadingCommandsCreateNoDatabaseAndATruncatedOneIsCalledSo) {
  for (const char* verb : {"studies", "trials", "best-trials"}) {
    std::vector<std::string> args{verb, "--storage", "sqlite:///typo.db"};
    if (std::string(verb) != "studies") args.insert(args.end(), {"--study-name", "s"});
    expect_error(ecopt(args), "no database at 'typo.db'");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "typo.db")) << verb;
  }
  create_study();
  ask();
  const auto size = std::filesystem::file_size(dir_ / "cli.db");
  std::filesystem::resize_file(dir_ / "cli.db", size / 2);
  expect_error(on_study("trials"), "is truncated");
}

// The SQLite header's file format bytes (offsets 18, 19): 1 for a rollback
// journal, 2 for WAL.
std::string journal_format(const std::filesystem::path& db) {
  const std::string header = testing::read_file(db).substr(18, 2);
  return std::to_string(int(header[0])) + std::to_string(int(header[1]));
}

// Issue 24 (13): the dashboard created a database at a mistyped path;
// reading commands wrote the schema into an empty file and switched a
// rollback-journal database to WAL.
TEST_F(Cli, ReadingCommandsWriteNothing) {
  // Bounded: a dashboard that opened the database would serve until stopped.
  const auto bounded = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/timeout", "20", ECOPT_CLI_PATH});
    return testing::run_process(args, dir_.path(), dir_.path());
  };
  const auto typo = dir_ / "typo.db";
  expect_error(bounded({"dashboard", "--storage", "sqlite:///" + typo.string(), "--port", "0"}),
               "no database at '" + typo.string() + "'");
  EXPECT_FALSE(std::filesystem::exists(typo));

  std::ofstream(dir_ / "empty.db").close();
  for (const std::vector<std::string>& reading :
       {std::vector<std::string>{"studies"}, {"trials", "--study-name", "s"},
        {"best-trials", "--study-name", "s"}, {"report", "--study-name", "s"},
        {"dashboard", "--port", "0"}}) {
    auto args = reading;
    args.insert(args.begin() + 1, {"--storage", "sqlite:///" + (dir_ / "empty.db").string()});
    expect_error(bounded(args), "holds no ECOpt database");
    EXPECT_EQ(std::filesystem::file_size(dir_ / "empty.db"), 0u) << reading[0];
  }

  create_study();
  ask();
  ASSERT_EQ(testing::run_process({"/usr/bin/sqlite3", (dir_ / "cli.db").string(),
                                  "PRAGMA journal_mode = DELETE"}, dir_.path()).exit_code, 0);
  ASSERT_EQ(journal_format(dir_ / "cli.db"), "11");
  for (const std::vector<std::string>& reading :
       {std::vector<std::string>{"studies"}, {"trials", "--study-name", "s"},
        {"best-trials", "--study-name", "s"},
        {"report", "--study-name", "s", "--out", (dir_ / "r").string()}}) {
    auto args = reading;
    args.insert(args.begin() + 1, {"--storage", url_});
    const auto read = ecopt(args);
    EXPECT_EQ(read.exit_code, 0) << read.err;
    EXPECT_EQ(journal_format(dir_ / "cli.db"), "11") << reading[0] << " switched the journal";
  }
}

// Issue 24 (17): a report that failed half-way left a 0-byte report.html
// where the last good one was.
TEST_F(Cli, AFailedReportLeavesThePreviousFilesWhole) {
  create_study();
  ask();
  ASSERT_EQ(on_study("tell", {"--trial-number", "0", "--values", "0.5,2"}).exit_code, 0);
  const std::string out = (dir_ / "r").string();
  ASSERT_EQ(on_study("report", {"--out", out}).exit_code, 0);
  const std::string before = testing::read_file(dir_ / "r" / "report.html");
  ASSERT_GT(before.size(), 45000u);
  // A file size limit of 40 KiB (ulimit -f counts 512-byte blocks), above
  // the database's but below the page's size: the page's write fails
  // part-way, as on a full disk.
  const auto failed = testing::run_process(
      {"/bin/sh", "-c",
       "trap '' XFSZ; ulimit -f 80; exec \"$0\" report --storage \"$1\" --study-name s --out \"$2\"",
       ECOPT_CLI_PATH, url_, out},
      dir_.path(), dir_.path());
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_THAT(failed.err, HasSubstr("cannot write"));
  const std::string after = testing::read_file(dir_ / "r" / "report.html");
  EXPECT_TRUE(after == before) << "report.html holds " << after.size() << " bytes, was "
                               << before.size();
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "r")) {
    EXPECT_GT(std::filesystem::file_size(entry.path()), 0u) << entry.path();
  }
}

// Issue 24 (17): an export that failed part-way left an empty or partial
// database at --out.
TEST_F(Cli, AFailedExportLeavesNoFile) {
  create_study();
  ask();
  ASSERT_EQ(on_study("tell", {"--trial-number", "0", "--values", "0.5,2"}).exit_code, 0);
  const auto out = dir_ / "optuna.db";
  // 40 KiB: more than the study's database, less than Optuna's empty schema.
  const auto failed = testing::run_process(
      {"/bin/sh", "-c",
       "trap '' XFSZ; ulimit -f 80; exec \"$0\" export --storage \"$1\" --study-name s --to "
       "optuna --out \"sqlite:///$2\"",
       ECOPT_CLI_PATH, url_, out.string()},
      dir_.path(), dir_.path());
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_FALSE(std::filesystem::exists(out))
      << "left " << std::filesystem::file_size(out) << " bytes at " << out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

// Issue 16: a fail reason (or a parameter value) holding terminal escapes was
// printed raw by `trials --format table`.
TEST_F(Cli, TablesShowControlCharactersEscaped) {
  create_study();
  const auto number = ask()["number"].get<int>();
  const auto told = on_study("tell", {"--trial-number", std::to_string(number), "--state", "fail",
                                      "--fail-reason", "\x1b]0;TITLE\x07\x1b[2J"});
  ASSERT_EQ(told.exit_code, 0) << told.err;
  const auto table = on_study("trials", {"--format", "table"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("\\x1b]0;TITLE"));
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find('\x07'), std::string::npos) << table.out;
}

// Issue 24 (10): names holding terminal escapes were printed raw by
// create-study, tell, export and the dashboard's banner.
TEST_F(Cli, NamesAreShownWithControlCharactersEscaped) {
  const std::string name = "s\x1b]0;STUDY\x07";
  const std::string storage = "sqlite:///" + (dir_ / "rude\x1b[2J.db").string();
  const auto created = ecopt({"create-study", "--storage", storage, "--study-name", name,
                              "--directions", "maximize", "--objective-names", "f\x1b[2J0"});
  const auto asked = ecopt({"ask", "--storage", storage, "--study-name", name, "--search-space",
                            kSpace, "--sampler", "random"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const auto told = ecopt({"tell", "--storage", storage, "--study-name", name, "--trial-number",
                           "0", "--values", "0.5"});
  const auto exported = ecopt({"export", "--storage", storage, "--study-name", name, "--to",
                               "optuna", "--out", "sqlite:///" + (dir_ / "optuna.db").string()});
  testing::ChildProcess dashboard({ECOPT_CLI_PATH, "dashboard", "--storage", storage, "--port", "0"},
                                  dir_.path());
  ASSERT_TRUE(dashboard.wait_for_output("Ctrl-C stops", std::chrono::seconds(20)));
  dashboard.signal(SIGINT);
  const auto served = dashboard.wait();
  for (const auto* run : {&created, &told, &exported, &served}) {
    for (const auto& printed : {run->out, run->err}) {
      EXPECT_EQ(printed.find('\x1b'), std::string::npos) << printed;
      EXPECT_EQ(printed.find('\x07'), std::string::npos) << printed;
    }
  }
  EXPECT_THAT(created.out, HasSubstr("s\\x1b]0;STUDY\\x07"));
  EXPECT_THAT(told.out, HasSubstr("f\\x1b[2J0 0.5"));
  EXPECT_THAT(exported.out, HasSubstr("of s\\x1b]0;STUDY\\x07 written"));
  EXPECT_THAT(served.out, HasSubstr("rude\\x1b[2J.db"));
}

// Issue 24 (11): `studies --format csv` wrote a name as a bare formula,
// and a quote in it split the row.
TEST_F(Cli, StudiesCsvQuotesNamesAndNeutralisesFormulas) {
  for (const std::string name : {"=HYPERLINK(\"http://x\",\"y\")", "a,\"b\"\nc"}) {
    const auto created = ecopt({"create-study", "--storage", url_, "--study-name", name,
                                "--directions", "maximize", "--objective-names", "+f"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }
  const auto listed = ecopt({"studies", "--storage", url_, "--format", "csv"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out,
            "name,directions,n_trials,objectives,complete,running,pruned,fail\r\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",maximize,0,\"'+f (maximize)\",0,0,0,0\r\n"
            "\"a,\"\"b\"\"\nc\",maximize,0,\"'+f (maximize)\",0,0,0,0\r\n");
}

// Issue 16: a 10,000-parameter space is too long for one argument.
// An ask/tell study whose asks say {"noisy": true} gets the front by
// posterior means in its report, as a study file saying so does; the same
// study asked without it does not.
TEST_F(Cli, AsksThatSayNoisyMakeTheReportShowTheFrontByPosteriorMeans) {
  const std::string space =
      R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": false, "step": null}}})";
  for (const bool noisy : {true, false}) {
    const std::string name = noisy ? "said" : "unsaid";
    ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", name, "--directions",
                     "minimize,minimize"}).exit_code, 0);
    for (int i = 0; i < 8; ++i) {
      std::vector<std::string> args = {"ask", "--storage", url_, "--study-name", name, "--search-space",
                                       space};
      if (noisy) args.insert(args.end(), {"--sampler-kwargs", R"({"noisy": true})"});
      const auto asked = ecopt(args);
      ASSERT_EQ(asked.exit_code, 0) << asked.err;
      const auto trial = nlohmann::json::parse(asked.out);
      const double x = trial["params"]["x"];
      const std::string values = std::to_string(x + 0.01 * (i % 3)) + "," + std::to_string(1.0 - x);
      ASSERT_EQ(ecopt({"tell", "--storage", url_, "--study-name", name, "--trial-number",
                       trial["number"].dump(), "--values", values}).exit_code, 0);
    }
    const auto reported = ecopt({"report", "--storage", url_, "--study-name", name, "--out",
                                 (dir_ / name).string()});
    ASSERT_EQ(reported.exit_code, 0) << reported.err;
    std::ifstream page(dir_ / name / "report.html");
    const std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    EXPECT_EQ(html.find("data-posterior-front") != std::string::npos, noisy) << name;
  }
}

TEST_F(Cli, ASearchSpaceCanComeFromAFile) {
  create_study();
  nlohmann::json space = nlohmann::json::object();
  for (int i = 0; i < 10'000; ++i)
    space["p" + std::to_string(i)] = {{"type", "float"}, {"low", 0.0}, {"high", 1.0}};
  std::ofstream(dir_ / "space.json") << space.dump();
  const auto asked = ask("@" + (dir_ / "space.json").string());
  EXPECT_EQ(asked["params"].size(), 10'000u);
}

TEST_F(Cli, OptunaSearchSpacesAreReusedAsTheyAre) {
  create_study();
  // As optuna.distributions.distribution_to_json writes them, legacy names included.
  const std::string optuna = R"({
    "x": {"name": "FloatDistribution", "attributes": {"step": 0.25, "low": 0.0, "high": 1.0, "log": false}},
    "n": {"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 1, "high": 64}},
    "u": {"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}},
    "b": {"name": "CategoricalDistribution", "attributes": {"choices": [true, false]}}
  })";
  const auto asked = on_study("ask", {"--search-space", optuna, "--sampler", "sobol"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const auto params = nlohmann::json::parse(asked.out)["params"];
  EXPECT_TRUE(params["n"].is_number_integer());
  EXPECT_TRUE(params["b"].is_boolean());
  const double x = params["x"].get<double>();
  EXPECT_DOUBLE_EQ(x * 4, std::round(x * 4)) << "x must be on its 0.25 grid";
  EXPECT_GE(params["u"].get<double>(), -1.0);
}

}  // namespace
}  // namespace ecopt
