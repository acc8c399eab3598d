// Two processes asking and telling one SQLite study at once, through the
// real `ecopt` binary: every trial gets a unique number and none is lost.
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt {
namespace {

using testing::ChildProcess;
using testing::TempDir;

constexpr int kTrialsPerProcess = 12;

// A worker loop in sh: ask, pull the number out of the JSON, tell.
std::string worker_script(const std::string& url, int worker) {
  const std::string ecopt = ECOPT_CLI_PATH;
  const std::string space =
      R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": false, "step": null}}})";
  return "set -e\n"
         "i=0\n"
         "while [ $i -lt " + std::to_string(kTrialsPerProcess) + " ]; do\n"
         "  out=$('" + ecopt + "' ask --storage '" + url + "' --study-name shared --sampler random "
         "--seed " + std::to_string(worker) + " --search-space '" + space + "')\n"
         "  n=$(echo \"$out\" | sed 's/.*\"number\": *\\([0-9]*\\).*/\\1/')\n"
         "  '" + ecopt + "' tell --storage '" + url + "' --study-name shared --trial-number $n "
         "--values 0.5 --user-attrs \"{\\\"worker\\\": " + std::to_string(worker) +
         ", \\\"asked\\\": $n}\"\n"
         "  i=$((i+1))\n"
         "done\n";
}

TEST(ConcurrentCli, TwoProcessesGetUniqueNumbersAndLoseNothing) {
  TempDir dir("concurrent");
  const std::string url = "sqlite:///" + (dir / "shared.db").string();
  const auto created = testing::run_process(
      {ECOPT_CLI_PATH, "create-study", "--storage", url, "--study-name", "shared", "--direction",
       "minimize"},
      dir.path());
  ASSERT_EQ(created.exit_code, 0) << created.err;

  ChildProcess first({"/bin/sh", "-c", worker_script(url, 1)}, dir.path());
  ChildProcess second({"/bin/sh", "-c", worker_script(url, 2)}, dir.path());
  const auto first_result = first.wait();
  const auto second_result = second.wait();
  ASSERT_EQ(first_result.exit_code, 0) << first_result.err;
  ASSERT_EQ(second_result.exit_code, 0) << second_result.err;

  const auto listed = testing::run_process(
      {ECOPT_CLI_PATH, "trials", "--storage", url, "--study-name", "shared"}, dir.path());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto trials = nlohmann::json::parse(listed.out);
  ASSERT_EQ(trials.size(), 2u * kTrialsPerProcess);
  std::set<std::int64_t> numbers;
  int told_by[3] = {0, 0, 0};
  for (const auto& trial : trials) {
    numbers.insert(trial["number"].get<std::int64_t>());
    EXPECT_EQ(trial["state"], "COMPLETE") << trial.dump();
    // Each tell records who asked which number, so a tell that reached
    // the wrong trial shows.
    EXPECT_EQ(trial["user_attrs"]["asked"], trial["number"]) << trial.dump();
    const int worker = trial["user_attrs"]["worker"].get<int>();
    ASSERT_TRUE(worker == 1 || worker == 2) << trial.dump();
    ++told_by[worker];
  }
  EXPECT_EQ(numbers.size(), trials.size()) << "trial numbers must be unique";
  EXPECT_EQ(*numbers.rbegin(), static_cast<std::int64_t>(trials.size()) - 1) << "no gaps";
  EXPECT_EQ(told_by[1], kTrialsPerProcess);
  EXPECT_EQ(told_by[2], kTrialsPerProcess);
}

}  // namespace
}  // namespace ecopt
