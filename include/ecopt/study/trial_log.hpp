#pragma once
// A trial's output (its program's stdout and stderr, in the order read)
// kept in a file where the study finds it again, bounded: the first
// kTrialLogHeadBytes and the last kTrialLogTailBytes, around a cut note.
// The head is written as the lines come (so `ecopt logs --follow` shows
// them live); the tail when the trial ends.
//
// Where: beside an SQLite database, in "<file>-logs/<study>/" (as SQLite
// keeps "<file>-wal" there), so the logs travel and are removed with the
// file; for any other storage under $XDG_STATE_HOME/ecopt/logs (or
// ~/.local/state/ecopt/logs), in a folder named after the redacted URL.
// The memory storage keeps none (its study ends with the process).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecopt {

inline constexpr std::size_t kTrialLogHeadBytes = std::size_t{512} << 10;
inline constexpr std::size_t kTrialLogTailBytes = std::size_t{512} << 10;

// The folder holding the logs of `study_name`'s trials; nullopt for the
// memory storage.
std::optional<std::filesystem::path> trial_log_dir(std::string_view storage_url,
                                                   std::string_view study_name);
std::filesystem::path trial_log_path(const std::filesystem::path& dir, std::int64_t trial_number);

// The whole lines of a log from byte `offset` on, each made printable (a
// trial's output must drive neither a terminal nor a page); a line still
// being written is left for the next read. What `ecopt logs` prints.
struct TrialLogLines {
  std::vector<std::string> lines;
  std::uintmax_t next = 0;  // the offset after them
};
TrialLogLines read_trial_log(const std::filesystem::path& path, std::uintmax_t offset);

// Its last `max_lines` whole lines, read from its last `max_bytes` only, so
// that showing a running trial's log costs the same at any length; empty
// when there is no log.
std::vector<std::string> trial_log_tail(const std::filesystem::path& path, std::size_t max_lines,
                                        std::size_t max_bytes);

class TrialLog {
 public:
  // `path` null: nothing is written; `echo` (may be empty) gets every line
  // too, for `tune --stream-output`.
  TrialLog(std::optional<std::filesystem::path> path, std::function<void(std::string_view)> echo);
  ~TrialLog();  // writes the tail
  TrialLog(const TrialLog&) = delete;
  TrialLog& operator=(const TrialLog&) = delete;

  // One line of output, without its end; from any thread.
  void add(std::string_view line);

 private:
  std::mutex mutex_;
  std::ofstream file_;
  std::function<void(std::string_view)> echo_;
  std::size_t total_bytes_ = 0;
  std::size_t head_bytes_ = 0;
  std::deque<std::string> tail_;  // lines past the head, at most kTrialLogTailBytes
  std::size_t tail_bytes_ = 0;
};

}  // namespace ecopt
