// Real implementations of the clock, file-read and perf_event seams.
#include "ecopt/energy/seams.hpp"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace ecopt {
namespace {

class SteadyClock final : public MonotonicClock {
 public:
  double now_s() const override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void sleep_for_s(double seconds) const override {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
};

class RealFileReader final : public FileReader {
 public:
  FileText read(const std::string& path) const override {
    FileText result;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      result.error = errno;
      return result;
    }
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        result.text.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) result.error = errno;
      break;
    }
    ::close(fd);
    return result;
  }
};

class RealPerfEventApi final : public PerfEventApi {
 public:
  int open(std::uint32_t pmu_type, std::uint64_t config, int cpu) override {
    perf_event_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = pmu_type;
    attr.config = config;
    // System-wide counting on one CPU of the package: pid = -1.
    const long fd = ::syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  std::optional<std::uint64_t> read(int fd) override {
    std::uint64_t count = 0;
    if (::read(fd, &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return std::nullopt;
    return count;
  }
  void close(int fd) override { ::close(fd); }
};

}  // namespace

std::shared_ptr<const MonotonicClock> steady_clock() {
  static const auto clock = std::make_shared<const SteadyClock>();
  return clock;
}

std::shared_ptr<const FileReader> real_file_reader() {
  static const auto reader = std::make_shared<const RealFileReader>();
  return reader;
}

std::shared_ptr<PerfEventApi> real_perf_event_api() { return std::make_shared<RealPerfEventApi>(); }

}  // namespace ecopt
