// The core without libtorch: the CLI starts without it, and a study that
// needs it is answered with one line naming what is missing and the fix.
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

TEST(TorchSplit, CliStartsWithoutLibtorch) {
  TempDir dir("torch-split");
  const auto linked = testing::run_process({"/usr/bin/ldd", ECOPT_CLI_PATH}, dir.path());
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_THAT(linked.out, HasSubstr("libecopt_tasks.so"));  // ldd lists what the CLI loads
  EXPECT_THAT(linked.out, Not(HasSubstr("libtorch")));
  EXPECT_THAT(linked.out, Not(HasSubstr("libc10")));
}

TEST(TorchSplit, TorchStudyWithoutTheModuleFailsWithOneLine) {
  TempDir dir("torch-split");
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
  std::vector<std::string> argv = {ECOPT_CLI_PATH, "tune", (dir / "cnn.toml").string()};
#ifdef ECOPT_WITH_TORCH
  // This build has the module: hide it the way a missing file would.
  argv.insert(argv.begin(), {"/usr/bin/env", "ECOPT_TORCH_MODULE=/nonexistent/libecopt_torch_tasks.so"});
  const std::string fix = "build it (scripts/build.sh builds the target ecopt_torch_tasks)";
#else
  const std::string fix = "this ECOpt was built with ECOPT_WITH_TORCH=OFF: install libtorch-dev "
                          "and rebuild with -DECOPT_WITH_TORCH=ON";
#endif
  const auto tuned = testing::run_process(argv, dir.path());
  EXPECT_NE(tuned.exit_code, 0);
  EXPECT_THAT(tuned.err, StartsWith("ecopt: error: task kind image-classification needs ECOpt's "
                                    "libtorch module, but "));
  EXPECT_THAT(tuned.err, HasSubstr(fix));
  EXPECT_EQ(std::count(tuned.err.begin(), tuned.err.end(), '\n'), 1) << tuned.err;
}

}  // namespace
}  // namespace ecopt
