// Plugins (ecopt/core/plugin.hpp): the CLI starts without libtorch, libpq
// or cpp-httplib, and a command that needs a missing plugin is answered
// with one line naming what is missing and the fix.
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::TempDir;

TEST(Plugins, CliStartsWithoutLibtorchLibpqOrHttplib) {
  TempDir dir("plugins");
  const auto linked = testing::run_process({"/usr/bin/ldd", ECOPT_CLI_PATH}, dir.path());
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_THAT(linked.out, HasSubstr("libecopt_storage.so"));  // ldd lists what the CLI loads
  for (const char* heavy : {"libtorch", "libc10", "libpq", "libcpp-httplib", "libssl", "libcrypto",
                            "libecopt_dashboard", "libecopt_postgres"}) {
    EXPECT_THAT(linked.out, Not(HasSubstr(heavy)));
  }
}

// Runs `ecopt` with `variable` naming a plugin file that is not there.
testing::ProcessResult run_without_plugin(const TempDir& dir, const std::string& variable,
                                          std::vector<std::string> arguments) {
  std::vector<std::string> argv = {"/usr/bin/env", variable + "=/nonexistent/plugin.so", ECOPT_CLI_PATH};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return testing::run_process(argv, dir.path());
}

void expect_one_line(const testing::ProcessResult& result, const std::string& start,
                     const std::string& fix) {
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, StartsWith(start));
  EXPECT_THAT(result.err, HasSubstr(fix));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(Plugins, PostgresUrlWithoutTheModuleFailsWithOneLine) {
  TempDir dir("plugins");
  const auto listed = run_without_plugin(dir, "ECOPT_POSTGRES_MODULE",
                                         {"studies", "--storage", "postgresql://u:secret@localhost:1/db"});
  expect_one_line(listed,
                  "ecopt: error: a postgresql:// storage URL needs ECOpt's PostgreSQL module, but "
                  "/nonexistent/plugin.so does not exist",
                  "build it (scripts/build.sh builds the target ecopt_postgres)");
  EXPECT_THAT(listed.err, Not(HasSubstr("secret")));
}

TEST(Plugins, DashboardWithoutTheModuleFailsWithOneLine) {
  TempDir dir("plugins");
  const auto served = run_without_plugin(
      dir, "ECOPT_DASHBOARD_MODULE",
      {"dashboard", "--storage", "sqlite:///" + (dir / "s.db").string(), "--port", "0"});
  expect_one_line(served,
                  "ecopt: error: ecopt dashboard needs ECOpt's dashboard module, but "
                  "/nonexistent/plugin.so does not exist",
                  "build it (scripts/build.sh builds the target ecopt_dashboard)");
}

TEST(Plugins, TorchStudyWithoutTheModuleFailsWithOneLine) {
  TempDir dir("plugins");
  std::ofstream(dir / "cnn.toml") << fmt::format(R"(
[study]
name = "cnn"
storage = "sqlite:///{}"
n_trials = 1
[[objectives]]
name = "accuracy"
direction = "maximize"
[task]
kind = "image-classification"
)",
                                                 (dir / "cnn.db").string());
#ifdef ECOPT_WITH_TORCH
  // This build has the module: hide it the way a missing file would.
  const auto tuned = run_without_plugin(dir, "ECOPT_TORCH_MODULE", {"tune", (dir / "cnn.toml").string()});
  const std::string fix = "build it (scripts/build.sh builds the target ecopt_torch_tasks)";
#else
  const auto tuned = testing::run_process({ECOPT_CLI_PATH, "tune", (dir / "cnn.toml").string()}, dir.path());
  const std::string fix = "this ECOpt was built with ECOPT_WITH_TORCH=OFF: install libtorch-dev "
                          "and rebuild with -DECOPT_WITH_TORCH=ON";
#endif
  expect_one_line(tuned, "ecopt: error: task kind image-classification needs ECOpt's libtorch module, but ",
                  fix);
}

}  // namespace
}  // namespace ecopt
