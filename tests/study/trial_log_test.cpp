// Reading a trial's log as `ecopt logs` and the running-trials section do:
// whole lines only, made printable, and a tail bounded in lines and bytes.
#include "ecopt/study/trial_log.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace ecopt {
namespace {

namespace fs = std::filesystem;

class TrialLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path = fs::temp_directory_path() / fmt::format("ecopt-trial-log-{}-{}.log", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove(path); }
  fs::path path;
};

// 2,000 lines of 20 bytes: 40,000 bytes, more than the tail reads.
void write_lines(const fs::path& path) {
  TrialLog log(path, {});
  for (int i = 0; i < 2000; ++i) log.add(fmt::format("line {:04} of output", i));
}

TEST_F(TrialLogFile, ReadsWholeLinesFromAnOffsetAndLeavesOneBeingWritten) {
  std::ofstream(path) << "first\n\x1b[2Jsecond\nthird, still being writ";
  const TrialLogLines read = read_trial_log(path, 0);
  EXPECT_EQ(read.lines, (std::vector<std::string>{"first", "\\x1b[2Jsecond"}));
  EXPECT_EQ(read.next, 6u + 11u);  // "first\n" and ESC "[2Jsecond\n"
  EXPECT_EQ(read_trial_log(path, read.next).lines, std::vector<std::string>{});
  std::ofstream(path, std::ios::app) << "ten\n";
  EXPECT_EQ(read_trial_log(path, read.next).lines, (std::vector<std::string>{"third, still being written"}));
}

TEST_F(TrialLogFile, TheTailKeepsTheLastLinesWithinItsBytes) {
  write_lines(path);
  EXPECT_EQ(trial_log_tail(path, 2, 16 << 10), (std::vector<std::string>{"line 1998 of output", "line 1999 of output"}));
  // 1,000 bytes from the end hold 50 lines; the one the read starts inside is left out.
  const auto bounded = trial_log_tail(path, 1000, 1000);
  ASSERT_EQ(bounded.size(), 49u);
  EXPECT_EQ(bounded.front(), "line 1951 of output");
  EXPECT_EQ(bounded.back(), "line 1999 of output");
  EXPECT_TRUE(trial_log_tail(path.string() + ".absent", 20, 1000).empty());
}

}  // namespace
}  // namespace ecopt
