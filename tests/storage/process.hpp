#pragma once
// Starting helper programs from tests without a shell: the PostgreSQL tools
// and the storage worker that proves several processes share one database.
#include <string>
#include <vector>

namespace ecopt::testing {

struct ProcessOutput {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// A child process with its output captured through a pipe.
class CapturedProcess {
 public:
  explicit CapturedProcess(const std::vector<std::string>& argv);
  CapturedProcess(CapturedProcess&& other) noexcept;
  CapturedProcess(const CapturedProcess&) = delete;
  CapturedProcess& operator=(const CapturedProcess&) = delete;
  ~CapturedProcess();
  // Reads everything it prints, then waits for it to exit.
  ProcessOutput wait();

 private:
  int pid_ = -1;
  int output_fd_ = -1;
};

ProcessOutput run_process(const std::vector<std::string>& argv);

}  // namespace ecopt::testing
