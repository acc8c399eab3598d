#pragma once
// Seams between the energy module and the machine: the clock, sysfs file
// reads and the perf_event_open system call. The real implementations are
// the defaults; tests substitute fakes so that the same code paths run
// without RAPL hardware and with deterministic time.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ecopt {

// A steady clock, in seconds from an arbitrary origin.
class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual double now_s() const = 0;
  // Blocks for `seconds` (a fake clock just advances).
  virtual void sleep_for_s(double seconds) const = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for.
std::shared_ptr<const MonotonicClock> steady_clock();

// The text of a small file, or the errno that stopped us reading it.
struct FileText {
  std::string text;
  int error = 0;  // 0 on success, else an errno value (EACCES, ENOENT, ...)
};

class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual FileText read(const std::string& path) const = 0;
};

// Reads the whole file with open/read; never throws.
std::shared_ptr<const FileReader> real_file_reader();

// perf_event_open for one counting event on one CPU, and reads of it.
class PerfEventApi {
 public:
  virtual ~PerfEventApi() = default;
  // A file descriptor, or -errno.
  virtual int open(std::uint32_t pmu_type, std::uint64_t config, int cpu) = 0;
  virtual std::optional<std::uint64_t> read(int fd) = 0;
  virtual void close(int fd) = 0;
};

std::shared_ptr<PerfEventApi> real_perf_event_api();

}  // namespace ecopt
