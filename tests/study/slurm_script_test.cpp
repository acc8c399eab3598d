// The job script of `ecopt submit slurm --dry-run` and the password split
// behind it, through the real binary and libpq's parser; no cluster needed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "command_study.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/storage/postgres_login.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

TEST(PostgresLogin, ThePasswordLeavesTheUrlForAPgpassLine) {
  const auto login = split_postgres_login("postgresql://ecopt:s3:cr\\et@db.example:5433/studies");
  EXPECT_EQ(login.url_without_password, "postgresql://ecopt@db.example:5433/studies");
  EXPECT_EQ(login.pgpass_line, "db.example:5433:studies:ecopt:s3\\:cr\\\\et");
}

TEST(PostgresLogin, QueryPasswordsAndEncodedOnesGoToo) {
  const auto login =
      split_postgres_login("postgresql://u@h/d?password=p%40ss%3Fword&sslmode=require");
  EXPECT_EQ(login.url_without_password, "postgresql://u@h/d?sslmode=require");
  EXPECT_EQ(login.pgpass_line, "h:*:d:u:p@ss?word");
}

TEST(PostgresLogin, AUrlWithoutPasswordIsKeptAndNeedsNoPgpass) {
  const auto login = split_postgres_login("postgres://u@h:5432/d");
  EXPECT_EQ(login.url_without_password, "postgresql://u@h:5432/d");
  EXPECT_FALSE(login.pgpass_line.has_value());
  EXPECT_THROW(split_postgres_login("sqlite:///x.db"), InputError);
  EXPECT_THROW(split_postgres_login("postgresql://u@h:5432/d?nonsense=1"), InputError);
}

class SubmitScript : public ::testing::Test {
 protected:
  testing::ProcessResult submit(const std::string& url, std::vector<std::string> flags) {
    const auto study = testing::command_study(dir_.path(), "arr", url, 8, "/bin/true");
    std::vector<std::string> argv{ECOPT_CLI_PATH, "submit", "slurm", study};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return testing::run_process(argv, dir_.path(), dir_.path());
  }
  TempDir dir_{"submit"};
};

TEST_F(SubmitScript, DryRunPrintsTheScriptWithoutThePasswordAndWritesNothing) {
  const auto result = submit("postgresql://ecopt:hunter2@db:5432/ecopt",
                             {"--workers", "6", "--gpus-per-worker", "2", "--partition", "gpu",
                              "--time", "02:30:00", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* line : {"#SBATCH --array=0-5\n", "#SBATCH --partition=gpu\n",
                           "#SBATCH --time=02:30:00\n", "#SBATCH --gres=gpu:2\n",
                           "export ECOPT_WORKER_STORAGE='postgresql://ecopt@db:5432/ecopt'\n",
                           "export PGPASSFILE='", " --devices cuda:0,cuda:1\n"}) {
    EXPECT_THAT(result.out, HasSubstr(line));
  }
  EXPECT_THAT(result.out, HasSubstr("worker '" + (dir_ / "arr.toml").string() + "'"));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("hunter2")));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "ecopt-slurm")) << "a dry run writes nothing";
}

// Workers of one node run trials at once, each on its own CPUs: Slurm
// gives each array task that many CPUs, and the worker pins its trials to them.
TEST_F(SubmitScript, CpusPerTrialAsksSlurmForThemAndPassesThemToTheWorker) {
  const auto result = submit("postgresql://ecopt@db:5432/ecopt",
                             {"--workers", "4", "--cpus-per-trial", "2", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("#SBATCH --cpus-per-task=2\n"));
  EXPECT_THAT(result.out, HasSubstr("worker '" + (dir_ / "arr.toml").string() + "' --cpus-per-trial 2\n"));
}

TEST_F(SubmitScript, SqliteIsRefusedWithTheWayOut) {
  const auto result = submit("sqlite:///local.db", {"--workers", "2", "--dry-run"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("storage sqlite:///local.db cannot be shared by workers on "
                                    "several nodes"));
  EXPECT_THAT(result.err, HasSubstr("postgresql://"));
  EXPECT_EQ(result.out, "");
}

TEST_F(SubmitScript, ABadTimeLimitIsRefused) {
  const auto result = submit("postgresql://u@h/d", {"--workers", "2", "--time", "90 minutes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--time '90 minutes' is not a time limit; use HH:MM:SS"));
}

TEST(PostgresLogin, ALineBreakInThePasswordIsRefusedNotWrittenAsTwoPgpassLines) {
  EXPECT_THAT([] { split_postgres_login("postgresql://u:pw%0Ah:*:*:*:x@h/d"); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("line break")));
}

// What a careless or hostile user can put in the study name and the folder
// the job is submitted from: the script sbatch gets parses, and running it
// (as a stub sbatch does here) runs nothing but the worker.
TEST_F(SubmitScript, HostileNamesAndFoldersStayInertInTheScriptThatRuns) {
  // Its workers meet no server; they give up after 127 ms of retries, not 11 s.
  testing::ScopedEnv quick_pg_retries("ECOPT_PG_RETRY_BACKOFF_MS", "1");
  const auto folder = dir_ / "jobs with space %x";
  std::filesystem::create_directories(folder / "bin");
  const std::string injected = (dir_ / "INJECTED").string();
  // TOML escapes: the name holds line breaks, quotes, $(...) and backticks.
  const std::string name = fmt::format(
      R"(x\n#SBATCH --wrap=touch {0}\ntouch {0}1 $(touch {0}2) `touch {0}3` \"'q)", injected);
  const auto study = testing::command_study(folder, "hostile", "postgresql://u@127.0.0.1:1/d", 2,
                                            "/bin/true");
  std::string text = testing::read_file(study);
  text.replace(text.find(R"(name = "hostile")"), 16, fmt::format(R"(name = "{}")", name));
  std::ofstream(study) << text;
  // sbatch as the cluster would run the job: bash -n, then bash itself.
  std::ofstream(folder / "bin" / "sbatch")
      << "#!/bin/sh\nbash -n \"$2\" || exit 3\ncp \"$2\" \"$2.ran\"\n"
         "SLURM_ARRAY_TASK_ID=0 bash \"$2\" >/dev/null 2>&1\necho 4242\n";
  std::filesystem::permissions(folder / "bin" / "sbatch", std::filesystem::perms::owner_all);
  const std::string path = (folder / "bin").string() + ":" + std::getenv("PATH");
  const auto result = testing::run_process(
      {"/usr/bin/env", "PATH=" + path, ECOPT_CLI_PATH, "submit", "slurm", study,
       "--workers", "2"},
      dir_.path(), folder);
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_THAT(result.out, HasSubstr("submitted Slurm job 4242"));
  for (const char* suffix : {"", "1", "2", "3"}) {
    EXPECT_FALSE(std::filesystem::exists(injected + suffix)) << "injected " << suffix;
  }
  std::string script;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "ecopt-slurm")) {
    if (entry.path().extension() == ".ran") script = testing::read_file(entry.path());
  }
  ASSERT_FALSE(script.empty()) << "sbatch got no script";
  std::istringstream lines(script);
  std::vector<std::string> directives;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#SBATCH")) directives.push_back(line);
  }
  ASSERT_EQ(directives.size(), 4u) << script;
  // sbatch reads a quoted directive value whole; %% is a literal %.
  EXPECT_THAT(directives[3], HasSubstr(fmt::format("#SBATCH --output=\"{}/ecopt-slurm/",
                                                   (dir_ / "jobs with space %%x").string())));
  EXPECT_THAT(directives[3], HasSubstr("-%A_%a.log\""));
}

TEST_F(SubmitScript, AScriptPlantedAsASymbolicLinkIsReplacedNotFollowed) {
  const auto study = testing::command_study(dir_.path(), "arr", "postgresql://u@h/d", 8, "/bin/true");
  std::filesystem::create_directories(dir_ / "ecopt-slurm");
  std::ofstream(dir_ / "victim") << "keep me\n";
  std::filesystem::create_symlink(dir_ / "victim", dir_ / "ecopt-slurm" / "arr.sbatch");
  std::filesystem::create_directories(dir_ / "bin");
  std::ofstream(dir_ / "bin" / "sbatch") << "#!/bin/sh\necho 7\n";
  std::filesystem::permissions(dir_ / "bin" / "sbatch", std::filesystem::perms::owner_all);
  const std::string path = (dir_ / "bin").string() + ":" + std::getenv("PATH");
  const auto result = testing::run_process(
      {"/usr/bin/env", "PATH=" + path, ECOPT_CLI_PATH, "submit", "slurm", study, "--workers", "2"},
      dir_.path(), dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(testing::read_file(dir_ / "victim"), "keep me\n");
  EXPECT_FALSE(std::filesystem::is_symlink(dir_ / "ecopt-slurm" / "arr.sbatch"));
  EXPECT_THAT(testing::read_file(dir_ / "ecopt-slurm" / "arr.sbatch"), HasSubstr("#SBATCH"));
}

}  // namespace
}  // namespace ecopt
