#include "ecopt/study/trial_log.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSqliteUrlPrefix = "sqlite:///";
constexpr std::size_t kMaxFileNameBytes = 150;

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// A folder name for any study name or URL: letters, digits, '.', '_' and
// '-' kept, other bytes as %XX (no '/', no "..", no control characters);
// a long one cut and told apart by a hash of the whole.
std::string file_name_for(std::string_view text) {
  std::string name;
  for (const unsigned char c : text) {
    const bool plain = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && !name.empty());
    name += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  if (name.empty()) return "%";
  if (name.size() <= kMaxFileNameBytes) return name;
  return fmt::format("{}-{:016x}", name.substr(0, kMaxFileNameBytes - 17), fnv1a(text));
}

fs::path state_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) return fs::path(state) / "ecopt";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".local/state/ecopt";
}

}  // namespace

std::optional<fs::path> trial_log_dir(std::string_view storage_url, std::string_view study_name) {
  if (storage_url.starts_with("memory")) return std::nullopt;
  if (storage_url.starts_with(kSqliteUrlPrefix)) {
    const fs::path database(std::string(storage_url.substr(kSqliteUrlPrefix.size())));
    return fs::path(database.string() + "-logs") / file_name_for(study_name);
  }
  return state_dir() / "logs" / file_name_for(redact_url(storage_url)) / file_name_for(study_name);
}

fs::path trial_log_path(const fs::path& dir, std::int64_t trial_number) {
  return dir / fmt::format("trial-{}.log", trial_number);
}

TrialLogLines read_trial_log(const fs::path& path, std::uintmax_t offset) {
  TrialLogLines read{{}, offset};
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written: read once it ends
    read.lines.push_back(printable(line));
    read.next = static_cast<std::uintmax_t>(in.tellg());
  }
  return read;
}

std::vector<std::string> trial_log_tail(const fs::path& path, std::size_t max_lines, std::size_t max_bytes) {
  std::error_code missing;
  const std::uintmax_t size = fs::file_size(path, missing);
  if (missing) return {};
  const std::uintmax_t start = size > max_bytes ? size - max_bytes : 0;
  auto lines = read_trial_log(path, start).lines;
  // Started inside a line: its end alone would read as a whole line.
  if (start > 0 && !lines.empty()) lines.erase(lines.begin());
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max_lines));
  return lines;
}

TrialLog::TrialLog(std::optional<fs::path> path, std::function<void(std::string_view)> echo)
    : echo_(std::move(echo)) {
  if (!path) return;
  std::error_code ignored;  // an unwritable folder shows as a failed open below
  fs::create_directories(path->parent_path(), ignored);
  file_.open(*path, std::ios::trunc);
  if (!file_) {
    throw Error(fmt::format("cannot write the trial log {}: {}; make its folder writable",
                            path->string(), std::strerror(errno)));
  }
}

TrialLog::~TrialLog() {
  if (!file_.is_open() || tail_.empty()) return;
  const std::size_t cut_bytes = total_bytes_ - head_bytes_ - tail_bytes_;
  if (cut_bytes > 0) file_ << cut_note(cut_bytes, total_bytes_) << '\n';
  for (const auto& line : tail_) file_ << line << '\n';
}

void TrialLog::add(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (echo_) echo_(line);
  if (!file_.is_open()) return;
  const std::size_t bytes = line.size() + 1;
  total_bytes_ += bytes;
  if (tail_.empty() && head_bytes_ + bytes <= kTrialLogHeadBytes) {
    head_bytes_ += bytes;
    file_ << line << '\n' << std::flush;
    return;
  }
  if (tail_.empty()) {
    file_ << fmt::format("[ecopt: the log keeps the first {} KiB and the last {} KiB of the output; "
                         "the last part is written when the trial ends]",
                         kTrialLogHeadBytes >> 10, kTrialLogTailBytes >> 10)
          << '\n'
          << std::flush;
  }
  tail_.emplace_back(line);
  tail_bytes_ += bytes;
  while (tail_bytes_ > kTrialLogTailBytes && tail_.size() > 1) {
    tail_bytes_ -= tail_.front().size() + 1;
    tail_.pop_front();
  }
}

}  // namespace ecopt
