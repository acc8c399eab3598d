#include "process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

namespace ecopt::testing {

CapturedProcess::CapturedProcess(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  output_fd_ = pipe_fds[0];
}

CapturedProcess::CapturedProcess(CapturedProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), output_fd_(std::exchange(other.output_fd_, -1)) {}

CapturedProcess::~CapturedProcess() {
  if (pid_ > 0) wait();
}

ProcessOutput CapturedProcess::wait() {
  ProcessOutput result;
  char buffer[4096];
  for (ssize_t n; (n = read(output_fd_, buffer, sizeof buffer)) > 0;) result.output.append(buffer, n);
  close(output_fd_);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ProcessOutput run_process(const std::vector<std::string>& argv) {
  return CapturedProcess(argv).wait();
}

}  // namespace ecopt::testing
