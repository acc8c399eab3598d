// The CPU time and memory of process trees, read from getrusage and
// /proc/<pid>/stat: this process with its children, a process group, and
// whether a group still has live members (process_tree.hpp).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/energy/process.hpp"
#include "process_tree.hpp"

namespace ecopt {
namespace {

double timeval_s(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec * 1e-6; }

// Fields of /proc/<pid>/stat that we need. The command name may contain
// spaces and parentheses, so fields are counted after the last ')'.
struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  double cpu_s = 0.0;  // utime + stime + cutime + cstime
  double rss_bytes = 0.0;
};

// Parsed by hand from one read(): this runs for every process on the
// machine at each estimate reading, so it must stay cheap.
std::optional<ProcStat> read_proc_stat(const char* pid_dir) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid_dir);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char text[1024];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  text[n] = '\0';
  const char* cursor = std::strrchr(text, ')');
  if (!cursor) return std::nullopt;
  // Fields after the command name, from field 3 (state) of proc(5).
  double fields[22] = {};
  char state = '?';
  ++cursor;
  for (int field = 3; field <= 24; ++field) {
    while (*cursor == ' ') ++cursor;
    if (*cursor == '\0') return std::nullopt;
    char* end = nullptr;
    if (field == 3)
      state = *cursor++;
    else
      fields[field - 3] = std::strtod(cursor, &end);
    if (end) cursor = end;
    while (*cursor && *cursor != ' ') ++cursor;
  }
  static const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  ProcStat stat;
  stat.state = state;
  stat.ppid = static_cast<pid_t>(fields[4 - 3]);
  stat.pgrp = static_cast<pid_t>(fields[5 - 3]);
  // utime, stime, cutime, cstime (fields 14-17), in clock ticks.
  stat.cpu_s = (fields[14 - 3] + fields[15 - 3] + fields[16 - 3] + fields[17 - 3]) / ticks_per_s;
  stat.rss_bytes = fields[24 - 3] * page_bytes;
  return stat;
}

// Whether this process has any child at all (running or not yet reaped),
// without scanning /proc.
bool has_children() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

bool is_pid_name(const char* name) {
  if (*name == '\0') return false;
  for (; *name; ++name)
    if (*name < '0' || *name > '9') return false;
  return true;
}

// Visits (pid, stat) of every process in /proc.
template <typename Visit>
void for_each_process(Visit visit) {
  DIR* proc = opendir("/proc");
  if (!proc) return;
  while (const dirent* entry = readdir(proc)) {
    if (!is_pid_name(entry->d_name)) continue;
    // A process may vanish between readdir and the read: skip it.
    try {
      const auto stat = read_proc_stat(entry->d_name);
      if (stat) visit(static_cast<pid_t>(std::stoll(entry->d_name)), *stat);
    } catch (const std::exception&) {
    }
  }
  closedir(proc);
}

template <typename Visit>
void for_each_group_member(pid_t pgid, Visit visit) {
  for_each_process([&](pid_t, const ProcStat& stat) {
    if (stat.pgrp == pgid) visit(stat);
  });
}

// Live (not yet reaped) descendants of `root`, through any process group.
ProcessTreeUsage live_descendants_usage(pid_t root) {
  std::multimap<pid_t, std::pair<pid_t, ProcStat>> children_of;
  for_each_process([&](pid_t pid, const ProcStat& stat) {
    children_of.emplace(stat.ppid, std::make_pair(pid, stat));
  });
  ProcessTreeUsage usage;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    const auto [first, last] = children_of.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      usage.cpu_s += it->second.second.cpu_s;
      usage.rss_bytes += it->second.second.rss_bytes;
      frontier.push_back(it->second.first);
    }
  }
  return usage;
}


}  // namespace

namespace detail {

double rusage_cpu_s(const rusage& usage) {
  return timeval_s(usage.ru_utime) + timeval_s(usage.ru_stime);
}

bool group_has_live_members(pid_t pgid) {
  bool alive = false;
  for_each_group_member(pgid, [&](const ProcStat& stat) { alive = alive || stat.state != 'Z'; });
  return alive;
}

}  // namespace detail

ProcessTreeUsage own_process_usage() {
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  // Live descendants count too: a command trial's program is measured while
  // it runs, not only once it has been reaped. Orphans adopted by init
  // escape (documented in docs/energy.md).
  ProcessTreeUsage usage = has_children() ? live_descendants_usage(::getpid()) : ProcessTreeUsage{};
  usage.cpu_s += detail::rusage_cpu_s(self) + detail::rusage_cpu_s(children);
  std::ifstream statm("/proc/self/statm");
  double size_pages = 0.0;
  double resident_pages = 0.0;
  if (statm >> size_pages >> resident_pages)
    usage.rss_bytes += resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
  return usage;
}

ProcessTreeUsage process_group_usage(pid_t pgid) {
  ProcessTreeUsage usage;
  for_each_group_member(pgid, [&](const ProcStat& stat) {
    usage.cpu_s += stat.cpu_s;
    usage.rss_bytes += stat.rss_bytes;
  });
  return usage;
}

}  // namespace ecopt
