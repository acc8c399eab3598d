// Finding and opening ECOpt's libtorch module: every way it can be missing
// gets its one-line reason, and the real module (in builds with libtorch)
// loads from beside the library without any setting.
#include "torch_module.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "ecopt/core/error.hpp"
#include "subprocess.hpp"

namespace ecopt::detail {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;
using testing::TempDir;

auto one_line_with(const std::string& text) {
  return ThrowsMessage<UnavailableError>(AllOf(HasSubstr(text), Not(HasSubstr("\n"))));
}

// Sets (or, given nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(TorchModule, MissingFileSaysHowToBuildIt) {
  EXPECT_THAT([] { load_torch_module("/nonexistent/libecopt_torch_tasks.so", "task kind x"); },
              one_line_with("task kind x needs ECOpt's libtorch module, but "
                            "/nonexistent/libecopt_torch_tasks.so does not exist"));
#ifdef ECOPT_WITH_TORCH
  EXPECT_THAT([] { load_torch_module("/nonexistent/m.so", "x"); },
              one_line_with("build it (scripts/build.sh builds the target ecopt_torch_tasks)"));
#else
  EXPECT_THAT([] { load_torch_module("/nonexistent/m.so", "x"); },
              one_line_with("built with ECOPT_WITH_TORCH=OFF: install libtorch-dev and rebuild "
                            "with -DECOPT_WITH_TORCH=ON"));
#endif
}

TEST(TorchModule, FileThatDoesNotLoadSaysWhy) {
  TempDir dir("torch-module");
  const auto path = (dir / "libecopt_torch_tasks.so").string();
  std::ofstream(path) << "not a shared object\n";
  EXPECT_THAT([&] { load_torch_module(path, "task kind image-classification"); },
              one_line_with("task kind image-classification needs libtorch, but ECOpt's libtorch "
                            "module does not load (" + path));
}

TEST(TorchModule, OtherLibraryIsRejected) {
  EXPECT_THAT([] { load_torch_module(ECOPT_CORE_LIBRARY, "x"); },
              one_line_with(std::string(ECOPT_CORE_LIBRARY) +
                            " is not ECOpt's libtorch module (it has no ecopt_torch_tasks symbol)"));
}

TEST(TorchModule, EnvironmentChoosesTheModule) {
  const ScopedEnv env("ECOPT_TORCH_MODULE", "relative/module.so");
  EXPECT_EQ(torch_module_path(), (std::filesystem::current_path() / "relative/module.so").string());
}

TEST(TorchModule, DefaultIsBesideTheLibrary) {
  const ScopedEnv env("ECOPT_TORCH_MODULE", std::nullopt);
  const auto core_dir = std::filesystem::path(ECOPT_CORE_LIBRARY).parent_path();
  EXPECT_EQ(torch_module_path(), (core_dir / "libecopt_torch_tasks.so").string());
}

#ifdef ECOPT_WITH_TORCH
TEST(TorchModule, BuiltModuleLoadsWithEveryEntry) {
  const ScopedEnv env("ECOPT_TORCH_MODULE", std::nullopt);
  EXPECT_EQ(torch_module_path(), ECOPT_TORCH_MODULE_PATH);
  const auto& tasks = load_torch_module(ECOPT_TORCH_MODULE_PATH, "x");
  EXPECT_STREQ(tasks.ecopt_version, ECOPT_VERSION);
  EXPECT_NE(tasks.image_classification, nullptr);
  EXPECT_NE(tasks.text_generation, nullptr);
  EXPECT_NE(tasks.generation_benchmark, nullptr);
}
#else
TEST(TorchModule, TorchKindsFailWithTheReasonWithoutTorch) {
  EXPECT_THAT([] { make_task({{"kind", "image-classification"}}); },
              one_line_with("task kind image-classification needs ECOpt's libtorch module"));
  EXPECT_THAT([] { run_generation_benchmark({}); },
              one_line_with("generation-bench needs ECOpt's libtorch module"));
}
#endif

}  // namespace
}  // namespace ecopt::detail
