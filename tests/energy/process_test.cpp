// The process utility on real programs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/process.hpp"
#include "test_support.hpp"

namespace ecopt {
namespace {

using testing::TempDir;

struct Captured {
  std::mutex mutex;
  std::vector<std::string> out;
  std::vector<std::string> err;
};

ProcessOptions capturing(std::vector<std::string> argv, Captured& captured) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.on_stdout_line = [&captured](std::string_view line) {
    std::lock_guard lock(captured.mutex);
    captured.out.emplace_back(line);
  };
  options.on_stderr_line = [&captured](std::string_view line) {
    std::lock_guard lock(captured.mutex);
    captured.err.emplace_back(line);
  };
  return options;
}

// Alive means running: gone from /proc, or a zombie nobody reaped, is dead.
bool is_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  return close != std::string::npos && text.at(close + 2) != 'Z';
}

TEST(Process, ArgumentsReachTheChildUnchanged) {
  const std::vector<std::string> tricky = {"a b", "$HOME", "; rm -rf /", "*", "\"q\"", "`id`", ""};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  argv.insert(argv.end(), tricky.begin(), tricky.end());
  Captured captured;
  Process process(capturing(argv, captured));
  const auto status = process.wait();
  EXPECT_TRUE(status.success());
  ASSERT_EQ(captured.out.size(), tricky.size());
  for (std::size_t i = 0; i < tricky.size(); ++i) EXPECT_EQ(captured.out[i], "[" + tricky[i] + "]");
}

TEST(Process, ExitCodeAndSignalArePassedThrough) {
  Captured captured;
  Process exits(capturing({"/bin/sh", "-c", "exit 3"}, captured));
  const auto code = exits.wait();
  EXPECT_EQ(code.exit_code, 3);
  EXPECT_EQ(code.shell_status(), 3);
  EXPECT_EQ(code.describe(), "exit code 3");

  Process killed(capturing({"/bin/sh", "-c", "kill -9 $$"}, captured));
  const auto signal = killed.wait();
  EXPECT_FALSE(signal.exit_code.has_value());
  EXPECT_EQ(signal.term_signal, 9);
  EXPECT_EQ(signal.shell_status(), 137);
}

TEST(Process, TimeoutTerminatesTheWholeTreeIncludingGrandchildren) {
  // A shell (the child program) that starts a grandchild and waits on it.
  Captured captured;
  Process process(capturing({"/bin/sh", "-c", "sleep 100 & echo $!; wait"}, captured));
  pid_t grandchild = 0;
  for (int i = 0; i < 200 && grandchild == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(captured.mutex);
    if (!captured.out.empty()) grandchild = std::stoi(captured.out[0]);
  }
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(is_running(grandchild));
  EXPECT_FALSE(process.wait_for(0.2).has_value());
  const auto started = std::chrono::steady_clock::now();
  const auto status = process.wait_or_terminate(0.1, 2.0);
  EXPECT_TRUE(status.timed_out);
  EXPECT_EQ(status.term_signal, SIGTERM);
  EXPECT_NE(status.describe().find("timed out"), std::string::npos);
  EXPECT_FALSE(is_running(grandchild));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(Process, ProgramsIgnoringSigtermAreKilledAfterTheGrace) {
  Captured captured;
  Process process(capturing({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
                            captured));
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(captured.mutex);
    if (!captured.out.empty()) break;
  }
  process.terminate(0.3);
  const auto status = process.wait();
  EXPECT_EQ(status.term_signal, SIGKILL);
}

TEST(Process, WorkingDirectoryAndExtraEnvironment) {
  TempDir dir;
  Captured captured;
  auto options = capturing({"/bin/sh", "-c", "pwd; echo \"$ECOPT_TEST_VALUE\""}, captured);
  options.working_directory = dir.path().string();
  options.extra_env = {{"ECOPT_TEST_VALUE", "x y"}};
  Process process(options);
  EXPECT_TRUE(process.wait().success());
  ASSERT_EQ(captured.out.size(), 2u);
  EXPECT_EQ(std::filesystem::canonical(captured.out[0]), std::filesystem::canonical(dir.path()));
  EXPECT_EQ(captured.out[1], "x y");
}

TEST(Process, StderrTailKeepsTheLastLines) {
  Captured captured;
  auto options = capturing({"/bin/sh", "-c", "for i in 1 2 3 4 5; do echo e$i >&2; done; printf tail >&2"},
                           captured);
  options.stderr_tail_lines = 3;
  Process process(options);
  process.wait();
  EXPECT_EQ(process.stderr_tail(), (std::vector<std::string>{"e4", "e5", "tail"}));
  EXPECT_EQ(captured.err.size(), 6u);
}

// Issue 16: a 50 MB line was kept whole, a progress bar's '\r' redraws
// piled up into one 16 M-character line, and reading a long line took time
// quadratic in its length.
TEST(Process, LongLinesAreCutAndProgressRedrawsReplaceTheirLine) {
  Captured captured;
  Process process(capturing(
      {"/usr/bin/python3", "-c",
       "import sys\n"
       "sys.stderr.write('x' * 50_000_000 + ' END\\n')\n"
       "for i in range(100_000): sys.stderr.write(f'\\r{i} it/s')\n"
       "sys.stderr.write('\\rdone\\r\\n')\n"
       "sys.stdout.write('crlf one\\r\\ncrlf two\\r\\n' + 'y' * 20_000_000 + '\\n')\n"},
      captured));
  EXPECT_TRUE(process.wait().success());
  const auto tail = process.stderr_tail();
  ASSERT_EQ(tail.size(), 2u) << "the long line, then the bar's last state";
  EXPECT_LT(tail[0].size(), 4096u);
  EXPECT_TRUE(tail[0].ends_with("x END")) << tail[0].substr(0, 200);
  EXPECT_NE(tail[0].find("of 50000004 bytes cut"), std::string::npos) << tail[0].substr(0, 200);
  EXPECT_EQ(tail[1], "done");
  std::lock_guard lock(captured.mutex);
  ASSERT_EQ(captured.out.size(), 3u);
  EXPECT_EQ(captured.out[0], "crlf one");
  EXPECT_EQ(captured.out[1], "crlf two");
  EXPECT_LT(captured.out[2].size(), 2'000'000u);
  EXPECT_NE(captured.out[2].find("bytes cut"), std::string::npos);
}

TEST(Process, StartFailuresNameTheProgram) {
  Captured captured;
  try {
    Process process(capturing({"ecopt-no-such-program-xyz"}, captured));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("'ecopt-no-such-program-xyz'"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("not found"), std::string::npos);
  }
  TempDir dir;
  dir.write("script.sh", "#!/bin/sh\necho hi\n");
  const auto script = (dir.path() / "script.sh").string();
  ::chmod(script.c_str(), 0644);
  try {
    Process process(capturing({script}, captured));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("not executable"), std::string::npos);
  }
  EXPECT_THROW(Process(capturing({}, captured)), InputError);
  auto bad_dir = capturing({"/bin/true"}, captured);
  bad_dir.working_directory = "/nonexistent/dir";
  EXPECT_THROW(Process{bad_dir}, InputError);
}

TEST(Process, CpuTimeOfTheTreeWhileRunningAndAtTheEnd) {
  Captured captured;
  // The work runs in a grandchild (a subshell), so only tree accounting sees it.
  Process process(capturing(
      {"/bin/sh", "-c", "(i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done); sleep 0.3"},
      captured));
  double live_cpu_s = 0.0;
  while (!process.wait_for(0.05)) live_cpu_s = std::max(live_cpu_s, process.usage().cpu_s);
  const auto status = process.wait();
  EXPECT_GT(live_cpu_s, 0.05);
  EXPECT_GE(status.cpu_s, live_cpu_s - 0.02);
  EXPECT_DOUBLE_EQ(process.usage().cpu_s, status.cpu_s);
}

}  // namespace
}  // namespace ecopt
