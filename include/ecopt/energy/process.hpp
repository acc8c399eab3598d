#pragma once
// Runs a command (an argv, never through a shell) in its own process group,
// streams its output line by line, waits with a timeout, terminates the
// whole tree, and reports exit status and the tree's CPU time. Every child
// ECOpt starts goes through it: `ecopt measure -- cmd`, command trials and
// the workers of `tune --workers`.
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecopt {

// CPU time (user + system) and resident memory of a process tree.
struct ProcessTreeUsage {
  double cpu_s = 0.0;
  double rss_bytes = 0.0;
};

// This process (all threads), its live descendants, and the children it
// has reaped.
ProcessTreeUsage own_process_usage();
// Live members of process group `pgid`, read from /proc/<pid>/stat: their
// own CPU time plus that of the children they reaped.
ProcessTreeUsage process_group_usage(pid_t pgid);

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it has a '/'
  std::string working_directory;  // empty: inherit
  std::vector<std::pair<std::string, std::string>> extra_env;  // added or replaced
  // Called from a reader thread, one call per line without its end. Lines
  // end at '\n', "\r\n" or a lone '\r' (a progress bar redrawing its line,
  // whose next state then replaces it in the stderr tail). Empty callbacks:
  // the stream is still read (and stderr kept for the tail).
  std::function<void(std::string_view)> on_stdout_line;
  std::function<void(std::string_view)> on_stderr_line;
  std::size_t stderr_tail_lines = 20;
  // When true the child shares our stdin/stdout/stderr (nothing is captured).
  bool inherit_stdio = false;
  // What is kept of a line, as a program may print gigabytes without a
  // newline: a longer stdout line keeps its first and last halves, a longer
  // stderr line its end, around a cut_note (core/printable.hpp).
  std::size_t max_stdout_line_bytes = std::size_t{1} << 20;
  std::size_t max_stderr_line_bytes = 2000;
  std::vector<std::string> removed_env;  // inherited variables the child must not see
};

struct ExitStatus {
  std::optional<int> exit_code;    // set when the program exited
  std::optional<int> term_signal;  // set when a signal ended it
  bool timed_out = false;          // we ended it because of the timeout
  double cpu_s = 0.0;              // user + system of the tree (wait4 rusage)

  bool success() const { return exit_code == 0; }
  // The status a shell would report: the code, or 128 + signal.
  int shell_status() const;
  std::string describe() const;  // "exit code 3", "killed by signal 9 (timed out)"
};

// Async-signal-safe: SIGKILL to the process group of every Process still
// alive in this process. For a second Ctrl-C that must exit at once without
// leaving trial programs behind.
void kill_every_process_group() noexcept;

class Process {
 public:
  // Throws ecopt::Error naming the program when it cannot be started
  // (not found, not executable, bad working directory).
  explicit Process(const ProcessOptions& options);
  ~Process();  // terminates a tree that is still running and reaps it
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const;  // also the process group id

  // Waits for the program to end; nullopt if it is still running after
  // timeout_s. Once it has ended, output already written has been delivered
  // (up to a second's wait for descendants that still hold the pipes).
  std::optional<ExitStatus> wait_for(double timeout_s);
  ExitStatus wait();
  // Waits up to timeout_s, then terminates the tree; timed_out tells.
  ExitStatus wait_or_terminate(double timeout_s, double grace_s = 5.0);

  // SIGTERM to the process group, SIGKILL after grace_s to whatever of it
  // is left; reaps the program. No-op once it has ended.
  void terminate(double grace_s = 5.0);
  // `signal` to the process group while any of it lives (a Ctrl-C passed
  // on to workers); no-op once it has ended.
  void send_signal(int signal);

  // While running: the live group from /proc (for meters during the run);
  // after the end: wait4's rusage of the program and its reaped descendants.
  ProcessTreeUsage usage() const;

  std::vector<std::string> stderr_tail() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecopt
