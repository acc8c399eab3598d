#pragma once
// Runs the real ecopt binary (or any program) as a child process, without
// a shell, with stdout and stderr captured in files so a long-running
// child never blocks on a full pipe.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "polling.hpp"

extern char** environ;

namespace ecopt::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh folder under /tmp, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("ecopt-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
               const std::filesystem::path& working_dir = {}) {
    static int counter = 0;
    const std::string id = std::to_string(counter++);
    out_path_ = output_dir / ("stdout-" + id + ".txt");
    err_path_ = output_dir / ("stderr-" + id + ".txt");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> args = argv;
    if (!working_dir.empty()) {
      // posix_spawn has no chdir before glibc 2.29's addchdir_np; go via env.
      args.insert(args.begin(), {"/usr/bin/env", "-C", working_dir.string()});
    }
    std::vector<char*> raw;
    for (auto& arg : args) raw.push_back(arg.data());
    raw.push_back(nullptr);
    const int rc = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  // Movable (vectors of children reallocate); a moved-from child owns no
  // process, so its destructor kills nothing.
  ChildProcess(ChildProcess&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)),
        waited_(other.waited_),
        out_path_(std::move(other.out_path_)),
        err_path_(std::move(other.err_path_)) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  pid_t pid() const { return pid_; }
  std::string out_so_far() const { return read_file(out_path_); }
  void signal(int number) const { ::kill(pid_, number); }

  // Polls stdout until it contains `text`; false after `timeout`.
  bool wait_for_output(const std::string& text, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (out_so_far().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string err_so_far() const { return read_file(err_path_); }

  // Waits up to `timeout` for the child to end; nullopt when it still runs
  // (the destructor kills it), so a test of a hang fails instead of hanging.
  std::optional<ProcessResult> wait_for(std::chrono::milliseconds timeout) {
    if (!wait_until([&] { return !process_alive(pid_); }, timeout)) return std::nullopt;
    return wait();
  }

  ProcessResult wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    ProcessResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_file(out_path_);
    result.err = read_file(err_path_);
    return result;
  }

 private:
  pid_t pid_ = -1;
  bool waited_ = false;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 const std::filesystem::path& output_dir,
                                 const std::filesystem::path& working_dir = {}) {
  ChildProcess child(argv, output_dir, working_dir);
  return child.wait();
}

}  // namespace ecopt::testing
