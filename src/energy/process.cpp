// Spawning a command tree, streaming its output, waiting, terminating.
// What its tree uses is read in process_usage.cpp.
#include "ecopt/energy/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "process_tree.hpp"

extern char** environ;

namespace ecopt {
namespace {

// Process groups alive now, readable from a signal handler: a fixed table
// of lock-free slots (0: free).
constexpr std::size_t kGroupSlots = 256;
std::array<std::atomic<pid_t>, kGroupSlots> g_live_groups{};

void register_group(pid_t group) {
  for (auto& slot : g_live_groups) {
    pid_t free = 0;
    if (slot.compare_exchange_strong(free, group)) return;
  }
}

void unregister_group(pid_t group) {
  for (auto& slot : g_live_groups) {
    pid_t expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace

void kill_every_process_group() noexcept {
  for (auto& slot : g_live_groups) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
}

namespace {

bool is_executable_file(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::string env_value(const std::vector<std::pair<std::string, std::string>>& extra,
                      const char* name) {
  for (const auto& [key, value] : extra)
    if (key == name) return value;
  const char* inherited = std::getenv(name);
  return inherited ? inherited : "";
}

// The program's absolute path, or an Error that names it and says why not.
std::string resolve_program(const ProcessOptions& options) {
  const std::string& program = options.argv.front();
  namespace fs = std::filesystem;
  const fs::path base = options.working_directory.empty() ? fs::current_path()
                                                          : fs::absolute(options.working_directory);
  if (program.find('/') != std::string::npos) {
    const fs::path path = fs::path(program).is_absolute() ? fs::path(program) : base / program;
    std::error_code ec;
    if (!fs::exists(path, ec))
      throw Error(fmt::format("cannot run '{}': no such file", program));
    if (fs::is_directory(path, ec))
      throw Error(fmt::format("cannot run '{}': it is a directory, not a program", program));
    if (!is_executable_file(path))
      throw Error(fmt::format("cannot run '{}': not executable (chmod +x it)", program));
    return path.string();
  }
  bool found_unexecutable = false;
  std::istringstream dirs(env_value(options.extra_env, "PATH"));
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = (dir.empty() ? base : fs::path(dir)) / program;
    if (is_executable_file(candidate)) return fs::absolute(candidate).string();
    std::error_code ec;
    found_unexecutable = found_unexecutable || fs::is_regular_file(candidate, ec);
  }
  if (found_unexecutable)
    throw Error(fmt::format("cannot run '{}': found on PATH but not executable", program));
  throw Error(fmt::format("cannot run '{}': command not found on PATH", program));
}

std::vector<std::string> build_environment(const ProcessOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view text(*entry);
    const auto key = text.substr(0, text.find('='));
    bool replaced = std::find(options.removed_env.begin(), options.removed_env.end(), key) !=
                    options.removed_env.end();
    for (const auto& extra : options.extra_env) replaced = replaced || extra.first == key;
    if (!replaced) env.emplace_back(text);
  }
  for (const auto& [key, value] : options.extra_env) env.push_back(key + "=" + value);
  return env;
}

// Splits a stream into lines in time linear in what is read (each byte is
// looked at once). A line longer than head + tail bytes keeps its first
// `head` and last `tail` bytes around a cut_note, cut between UTF-8
// characters; memory stays bounded.
class LineSplitter {
 public:
  using Deliver = std::function<void(std::string_view line, bool redrawn)>;

  LineSplitter(std::size_t head, std::size_t tail, Deliver deliver)
      : head_(head), tail_(tail), deliver_(std::move(deliver)) {}

  void feed(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
      if (after_cr_) {  // "\r\n" ends a line; a lone '\r' redraws it
        after_cr_ = false;
        const bool crlf = bytes[i] == '\n';
        emit(!crlf);
        if (crlf) ++i;
        continue;
      }
      const auto end = bytes.find_first_of("\r\n", i);
      append(bytes.substr(i, end == std::string_view::npos ? end : end - i));
      if (end == std::string_view::npos) return;
      if (bytes[end] == '\n') {
        emit(false);
      } else {
        after_cr_ = true;
      }
      i = end + 1;
    }
  }

  // End of stream: a last line without an end is delivered too.
  void finish() {
    if (after_cr_ || total_ > 0) emit(false);
    after_cr_ = false;
  }

 private:
  void append(std::string_view part) {
    total_ += part.size();
    if (!head_full_) {  // cut before a character that does not fit whole
      const auto kept = utf8_prefix(part, head_ - head_text_.size());
      head_text_.append(kept);
      head_full_ = kept.size() < part.size();
      part.remove_prefix(kept.size());
    }
    tail_text_.append(part);
    // Trimmed in bulk once twice too long: amortised linear.
    if (tail_text_.size() > 2 * tail_ + 4096) tail_text_.erase(0, tail_text_.size() - tail_);
  }

  void emit(bool redrawn) {
    if (total_ <= head_ + tail_) {
      deliver_(head_text_ + tail_text_, redrawn);
    } else {
      const std::string_view kept_tail = utf8_suffix(tail_text_, tail_);
      deliver_(head_text_ + cut_note(total_ - head_text_.size() - kept_tail.size(), total_) +
                   std::string(kept_tail),
               redrawn);
    }
    head_text_.clear();
    tail_text_.clear();
    head_full_ = false;
    total_ = 0;
  }

  std::size_t head_;
  std::size_t tail_;
  Deliver deliver_;
  std::string head_text_;
  std::string tail_text_;
  std::size_t total_ = 0;
  bool head_full_ = false;
  bool after_cr_ = false;
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

int ExitStatus::shell_status() const {
  if (exit_code) return *exit_code;
  if (term_signal) return 128 + *term_signal;
  return 1;
}

std::string ExitStatus::describe() const {
  std::string text = exit_code ? fmt::format("exit code {}", *exit_code)
                     : term_signal
                         ? fmt::format("killed by signal {} ({})", *term_signal, strsignal(*term_signal))
                         : std::string("unknown status");
  if (timed_out) text += " (timed out)";
  return text;
}

struct Process::Impl {
  pid_t pid = -1;
  int pidfd = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  std::size_t tail_limit = 20;
  std::size_t max_stdout_line_bytes = 0;
  std::size_t max_stderr_line_bytes = 0;

  mutable std::mutex mutex;
  std::condition_variable output_closed;
  bool output_done = false;
  bool stop_reading = false;
  std::deque<std::string> tail;
  bool tail_redrawn = false;  // the last tail line is a progress bar's, to be replaced
  std::optional<ExitStatus> status;
  std::thread reader;

  void keep_in_tail(std::string_view line, bool redrawn) {
    {
      std::lock_guard lock(mutex);
      if (tail_redrawn && !tail.empty()) {
        tail.back() = line;
      } else {
        tail.emplace_back(line);
        while (tail.size() > tail_limit) tail.pop_front();
      }
      tail_redrawn = redrawn;
    }
    if (on_stderr) on_stderr(line);
  }

  void read_output() {
    LineSplitter out(max_stdout_line_bytes / 2, max_stdout_line_bytes / 2,
                     [this](std::string_view line, bool) {
                       if (on_stdout) on_stdout(line);
                     });
    LineSplitter err(0, max_stderr_line_bytes,
                     [this](std::string_view line, bool redrawn) { keep_in_tail(line, redrawn); });
    LineSplitter* splitters[2] = {&out, &err};
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_streams = (out_fd >= 0) + (err_fd >= 0);
    while (open_streams > 0) {
      {
        std::lock_guard lock(mutex);
        if (stop_reading) break;
      }
      // A timeout so that the destructor can stop a reader whose pipes are
      // held open by a process that escaped the group.
      if (::poll(fds, 2, 100) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char buffer[8192];
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          splitters[i]->finish();
          fds[i].fd = -1;
          --open_streams;
          continue;
        }
        splitters[i]->feed(std::string_view(buffer, static_cast<std::size_t>(n)));
      }
    }
    std::lock_guard lock(mutex);
    output_done = true;
    output_closed.notify_all();
  }

  // Reaps the program if it has ended; true once it has.
  bool try_reap(bool block) {
    if (status) return true;
    int raw = 0;
    rusage usage{};
    pid_t done;
    do {
      done = ::wait4(pid, &raw, block ? 0 : WNOHANG, &usage);
    } while (done < 0 && errno == EINTR);
    if (done != pid) return false;
    ExitStatus result;
    if (WIFEXITED(raw)) result.exit_code = WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) result.term_signal = WTERMSIG(raw);
    result.cpu_s = detail::rusage_cpu_s(usage);
    std::lock_guard lock(mutex);
    status = result;
    return true;
  }

  // Waits up to timeout_s for the program to end.
  bool wait_exit(double timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (!try_reap(false)) {
      const double left =
          std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      const int slice_ms = static_cast<int>(std::min(left, 0.1) * 1000) + 1;
      if (pidfd >= 0) {
        pollfd fd{pidfd, POLLIN, 0};
        ::poll(&fd, 1, slice_ms);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(slice_ms, 10)));
      }
    }
    return true;
  }

  void wait_output(double timeout_s) {
    std::unique_lock lock(mutex);
    output_closed.wait_for(lock, std::chrono::duration<double>(timeout_s),
                           [this] { return output_done; });
  }

  bool tree_alive() {
    return !try_reap(false) || detail::group_has_live_members(pid);
  }

  void terminate(double grace_s) {
    if (!tree_alive()) return;
    ::kill(-pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
    while (tree_alive() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (tree_alive()) ::kill(-pid, SIGKILL);
    try_reap(true);
  }
};

Process::Process(const ProcessOptions& options) : impl_(std::make_unique<Impl>()) {
  if (options.argv.empty()) throw InputError("cannot run an empty command: give a program to run");
  if (!options.working_directory.empty() &&
      !std::filesystem::is_directory(options.working_directory))
    throw InputError(fmt::format("cannot run '{}': working directory '{}' does not exist",
                                 options.argv.front(), options.working_directory));
  const std::string program = resolve_program(options);
  auto argv_strings = options.argv;
  auto env_strings = build_environment(options);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);

  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.inherit_stdio) {
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
      throw Error(fmt::format("cannot run '{}': pipe: {}", options.argv.front(), strerror(errno)));
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  }
  if (!options.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that the whole tree can be signalled at once;
  // default signal handling, whatever this process ignores or blocks.
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM})
    sigaddset(&defaults, sig);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  const int rc =
      posix_spawn(&impl_->pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  if (err_pipe[1] >= 0) ::close(err_pipe[1]);
  if (rc != 0) {
    if (out_pipe[0] >= 0) ::close(out_pipe[0]);
    if (err_pipe[0] >= 0) ::close(err_pipe[0]);
    throw Error(fmt::format("cannot run '{}': {}", options.argv.front(), strerror(rc)));
  }
  impl_->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, impl_->pid, 0));
  register_group(impl_->pid);
  impl_->out_fd = out_pipe[0];
  impl_->err_fd = err_pipe[0];
  impl_->on_stdout = options.on_stdout_line;
  impl_->on_stderr = options.on_stderr_line;
  impl_->tail_limit = options.stderr_tail_lines;
  impl_->max_stdout_line_bytes = options.max_stdout_line_bytes;
  impl_->max_stderr_line_bytes = options.max_stderr_line_bytes;
  if (options.inherit_stdio)
    impl_->output_done = true;
  else
    impl_->reader = std::thread([impl = impl_.get()] { impl->read_output(); });
}

Process::~Process() {
  // Whatever of the tree is still running (the program, or descendants
  // left behind in its group) goes with it.
  impl_->terminate(1.0);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_reading = true;
  }
  if (impl_->reader.joinable()) impl_->reader.join();
  for (int fd : {impl_->out_fd, impl_->err_fd, impl_->pidfd})
    if (fd >= 0) ::close(fd);
  unregister_group(impl_->pid);
}

pid_t Process::pid() const { return impl_->pid; }

std::optional<ExitStatus> Process::wait_for(double timeout_s) {
  if (!impl_->wait_exit(timeout_s)) return std::nullopt;
  impl_->wait_output(1.0);
  std::lock_guard lock(impl_->mutex);
  return impl_->status;
}

ExitStatus Process::wait() {
  impl_->try_reap(true);
  impl_->wait_output(1.0);
  std::lock_guard lock(impl_->mutex);
  return *impl_->status;
}

ExitStatus Process::wait_or_terminate(double timeout_s, double grace_s) {
  if (auto status = wait_for(timeout_s)) return *status;
  terminate(grace_s);
  impl_->wait_output(1.0);
  std::lock_guard lock(impl_->mutex);
  impl_->status->timed_out = true;
  return *impl_->status;
}

void Process::terminate(double grace_s) { impl_->terminate(grace_s); }

void Process::send_signal(int signal) {
  if (impl_->tree_alive()) ::kill(-impl_->pid, signal);
}

ProcessTreeUsage Process::usage() const {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->status) return {impl_->status->cpu_s, 0.0};
  }
  return process_group_usage(impl_->pid);
}

std::vector<std::string> Process::stderr_tail() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->tail.begin(), impl_->tail.end()};
}

}  // namespace ecopt

