#include "ecopt/study/machine_activity.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "lease_files.hpp"

namespace ecopt {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMachineLock = "machine.lock";  // trials: shared; idle baseline: exclusive
constexpr const char* kGateLock = "machine-gate.lock";  // held by a baseline so no trial starts
constexpr const char* kLog = "machine-activity.log";
constexpr const char* kMarkerPrefix = "trial-";

void lock_or_throw(int fd, int operation, const fs::path& path) {
  while (::flock(fd, operation) != 0) {
    if (errno == EINTR) continue;
    throw UnavailableError(fmt::format("cannot lock {} ({})", path.string(), std::strerror(errno)));
  }
}

std::string read_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.empty() ? "unknown-boot" : id;
}

constexpr std::string_view kScopeField = "scope=";
constexpr std::string_view kWholeMachine = "*";

// One line: "<boot id> <start_s> <end_s> scope=<devices> <label>"; end is
// "-" in a marker; devices "cpu:0,cpu:1", or "*" for the whole machine.
std::string format_line(const std::string& boot_id, double start_s, std::optional<double> end_s,
                        const std::vector<std::string>& scope, const std::string& label) {
  return fmt::format("{} {:.6f} {} {}{} {}\n", boot_id, start_s,
                     end_s ? fmt::format("{:.6f}", *end_s) : std::string("-"), kScopeField,
                     scope.empty() ? std::string(kWholeMachine) : fmt::format("{}", fmt::join(scope, ",")),
                     label);
}

struct ParsedLine {
  std::string boot_id;
  double start_s = 0.0;
  std::optional<double> end_s;
  std::vector<std::string> scope;  // empty: the whole machine
  std::string label;
};

// "cpu:0,cpu:1" -> {"cpu:0", "cpu:1"}; "*" -> {}.
std::vector<std::string> parse_scope(std::string_view text) {
  std::vector<std::string> scope;
  if (text == kWholeMachine) return scope;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    if (comma > start) scope.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return scope;
}

// Whether two windows read a machine-wide meter in common.
bool scopes_meet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return true;
  return std::any_of(a.begin(), a.end(),
                     [&](const std::string& device) { return std::find(b.begin(), b.end(), device) != b.end(); });
}

std::optional<ParsedLine> parse_line(const std::string& line) {
  std::istringstream in(line);
  ParsedLine parsed;
  std::string end;
  if (!(in >> parsed.boot_id >> parsed.start_s >> end)) return std::nullopt;
  if (end != "-") {
    try {
      parsed.end_s = std::stod(end);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  std::getline(in >> std::ws, parsed.label);
  // A line without a scope (an older ECOpt's) stands for the whole machine.
  if (parsed.label.starts_with(kScopeField)) {
    const auto space = std::min(parsed.label.find(' '), parsed.label.size());
    parsed.scope = parse_scope(std::string_view(parsed.label).substr(kScopeField.size(), space - kScopeField.size()));
    parsed.label.erase(0, std::min(space + 1, parsed.label.size()));
  }
  return parsed;
}

void write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw UnavailableError(fmt::format("cannot write activity record ({})", std::strerror(errno)));
    written += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

double fair_share(double start_s, double end_s, const std::vector<std::pair<double, double>>& others) {
  const double duration = end_s - start_s;
  if (!(duration > 0)) return 1.0;
  std::vector<double> cuts{start_s, end_s};
  for (const auto& [from, to] : others) {
    if (from > start_s && from < end_s) cuts.push_back(from);
    if (to > start_s && to < end_s) cuts.push_back(to);
  }
  std::sort(cuts.begin(), cuts.end());
  double weighted = 0.0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double middle = 0.5 * (cuts[i] + cuts[i + 1]);
    const auto running = std::count_if(others.begin(), others.end(), [&](const auto& other) {
      return other.first <= middle && middle < other.second;
    });
    weighted += (cuts[i + 1] - cuts[i]) / static_cast<double>(1 + running);
  }
  return weighted / duration;
}

double Overlap::share_of(const std::string& device) const {
  const auto found = share_by_device.find(device);
  return found != share_by_device.end() ? found->second : share;
}

MachineActivity::MachineActivity(fs::path dir, std::shared_ptr<const MonotonicClock> clock)
    : dir_(std::move(dir)), clock_(clock ? std::move(clock) : steady_clock()), boot_id_(read_boot_id()) {
  detail::prepare_lease_dir(dir_);
}

MachineActivity::Registration::Registration(Registration&& other) noexcept
    : marker_fd_(std::exchange(other.marker_fd_, -1)),
      machine_fd_(std::exchange(other.machine_fd_, -1)),
      marker(std::move(other.marker)),
      label(std::move(other.label)),
      scope(std::move(other.scope)),
      start_s(other.start_s) {}

MachineActivity::Registration& MachineActivity::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    release();
    marker_fd_ = std::exchange(other.marker_fd_, -1);
    machine_fd_ = std::exchange(other.machine_fd_, -1);
    marker = std::move(other.marker);
    label = std::move(other.label);
    scope = std::move(other.scope);
    start_s = other.start_s;
  }
  return *this;
}

MachineActivity::Registration::~Registration() { release(); }

void MachineActivity::Registration::release() {
  if (marker_fd_ >= 0) {
    std::error_code ignored;
    fs::remove(marker, ignored);
    ::close(marker_fd_);
  }
  if (machine_fd_ >= 0) ::close(machine_fd_);
  marker_fd_ = machine_fd_ = -1;
}

MachineActivity::Registration MachineActivity::begin(const std::string& label,
                                                     const std::vector<std::string>& scope) {
  Registration registration;
  registration.label = label;
  registration.scope = scope;
  // Through the gate: a baseline being measured holds it exclusively.
  const int gate = detail::open_lock_file(dir_ / kGateLock, detail::LockFileAccess::ReadOnly);
  lock_or_throw(gate, LOCK_SH, dir_ / kGateLock);
  registration.machine_fd_ = detail::open_lock_file(dir_ / kMachineLock, detail::LockFileAccess::ReadOnly);
  lock_or_throw(registration.machine_fd_, LOCK_SH, dir_ / kMachineLock);
  ::close(gate);
  registration.start_s = clock_->now_s();
  // Written and locked under a temporary name, then renamed: nobody sees
  // an unlocked marker and takes it for a dead one.
  static std::atomic<int> sequence{0};
  const std::string name = fmt::format("{}{}-{}", kMarkerPrefix, ::getpid(), sequence++);
  const fs::path temporary = dir_ / ("." + name);
  registration.marker = dir_ / name;
  registration.marker_fd_ = detail::open_lock_file(temporary, detail::LockFileAccess::ReadWrite);
  lock_or_throw(registration.marker_fd_, LOCK_EX, temporary);
  write_all(registration.marker_fd_, format_line(boot_id_, registration.start_s, std::nullopt, scope, label));
  fs::rename(temporary, registration.marker);
  return registration;
}

void MachineActivity::opened(Registration& registration) const { registration.start_s = clock_->now_s(); }

std::vector<MachineActivity::Interval> MachineActivity::running_others(const fs::path& own_marker) const {
  std::vector<Interval> running;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir_, error)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(kMarkerPrefix) || entry.path() == own_marker) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;  // ended meanwhile
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
      // Nobody holds it: its worker died (and its programs too). Remove it.
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
      ::close(fd);
      continue;
    }
    const auto line = parse_line(read_all(fd));
    ::close(fd);
    if (line && line->boot_id == boot_id_) {
      running.push_back({line->start_s, clock_->now_s(), line->label, line->scope});
    }
  }
  return running;
}

std::vector<MachineActivity::Interval> MachineActivity::logged_and_pruned(double keep_after_s) const {
  // Called with the log locked by the caller.
  std::ifstream in(dir_ / kLog);
  std::vector<Interval> logged;
  std::string line;
  while (std::getline(in, line)) {
    const auto parsed = parse_line(line);
    if (!parsed || !parsed->end_s || parsed->boot_id != boot_id_) continue;
    if (*parsed->end_s < keep_after_s) continue;
    logged.push_back({parsed->start_s, *parsed->end_s, parsed->label, parsed->scope});
  }
  return logged;
}

Overlap MachineActivity::end(Registration& registration) {
  if (registration.marker_fd_ < 0) {
    throw InputError("this machine activity registration has already ended");
  }
  const double end_s = clock_->now_s();
  const fs::path log_path = dir_ / kLog;
  const int log_fd = detail::open_lock_file(log_path, detail::LockFileAccess::ReadWrite);
  lock_or_throw(log_fd, LOCK_EX, log_path);
  const auto running = running_others(registration.marker);
  // Intervals that ended before every running trial began can no longer
  // meet anyone's window: the log keeps only the rest.
  double oldest_running_s = registration.start_s;
  for (const auto& other : running) oldest_running_s = std::min(oldest_running_s, other.start_s);
  auto logged = logged_and_pruned(oldest_running_s);
  std::string kept;
  for (const auto& interval : logged)
    kept += format_line(boot_id_, interval.start_s, interval.end_s, interval.scope, interval.label);
  kept += format_line(boot_id_, registration.start_s, end_s, registration.scope, registration.label);
  ::ftruncate(log_fd, 0);
  ::lseek(log_fd, 0, SEEK_SET);
  write_all(log_fd, kept);
  ::close(log_fd);

  Overlap overlap;
  std::vector<Interval> meeting;
  logged.insert(logged.end(), running.begin(), running.end());
  for (const auto& other : logged) {
    if (other.end_s <= registration.start_s || other.start_s >= end_s) continue;
    if (!scopes_meet(other.scope, registration.scope)) continue;
    meeting.push_back(other);
    overlap.others.push_back(other.label);
  }
  overlap.shared = !meeting.empty();
  const auto share_among = [&](const std::vector<std::string>& scope) {
    std::vector<std::pair<double, double>> others;
    for (const auto& other : meeting)
      if (scopes_meet(other.scope, scope)) others.emplace_back(other.start_s, other.end_s);
    return fair_share(registration.start_s, end_s, others);
  };
  overlap.share = share_among(registration.scope);
  for (const auto& device : registration.scope) overlap.share_by_device[device] = share_among({device});
  registration.release();
  return overlap;
}

void MachineActivity::exclusively(const std::function<void()>& measure,
                                  const std::function<void(std::size_t)>& waiting) {
  const int gate = detail::open_lock_file(dir_ / kGateLock, detail::LockFileAccess::ReadOnly);
  lock_or_throw(gate, LOCK_EX, dir_ / kGateLock);
  const int machine = detail::open_lock_file(dir_ / kMachineLock, detail::LockFileAccess::ReadOnly);
  if (::flock(machine, LOCK_EX | LOCK_NB) != 0) {
    if (waiting) waiting(running_others({}).size());
    lock_or_throw(machine, LOCK_EX, dir_ / kMachineLock);
  }
  try {
    measure();
  } catch (...) {
    ::close(machine);
    ::close(gate);
    throw;
  }
  ::close(machine);
  ::close(gate);
}

}  // namespace ecopt
