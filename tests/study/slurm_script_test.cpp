// The job script of `ecopt submit slurm --dry-run` and the password split
// behind it, through the real binary and libpq's parser; no cluster needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "command_study.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/storage/postgres_login.hpp"
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

}  // namespace
}  // namespace ecopt
