#include "ecopt/core/untrusted_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <optional>
#include <utility>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"

namespace ecopt {

template <class Json>
Json parse_json_input(std::string_view text, std::string_view what, JsonLimits limits,
                      typename Json::parser_callback_t callback) {
  if (text.size() > limits.max_bytes) {
    throw InputError(fmt::format("{} is {} bytes of JSON, over the limit of {} bytes; shorten it",
                                 what, text.size(), limits.max_bytes));
  }
  // nlohmann's parser keeps its nesting on the heap; this callback stops it
  // at the limit, before a deep value exists to copy, dump or destroy.
  const auto bounded = [&](int depth, typename Json::parse_event_t event, Json& parsed) {
    const bool opens = event == Json::parse_event_t::object_start ||
                       event == Json::parse_event_t::array_start;
    if (opens && depth >= limits.max_depth) {
      throw InputError(fmt::format(
          "{} nests arrays and objects more than {} levels deep; flatten it", what,
          limits.max_depth));
    }
    return callback ? callback(depth, event, parsed) : true;
  };
  try {
    return Json::parse(text, bounded);
  } catch (const nlohmann::json::exception& error) {  // syntax, or a number out of range
    throw InputError(fmt::format("{} is not valid JSON ({})", what,
                                 printable(cut_text(error.what(), 160, 60))));
  }
}

template nlohmann::json parse_json_input<nlohmann::json>(std::string_view, std::string_view,
                                                         JsonLimits,
                                                         nlohmann::json::parser_callback_t);
template nlohmann::ordered_json parse_json_input<nlohmann::ordered_json>(
    std::string_view, std::string_view, JsonLimits, nlohmann::ordered_json::parser_callback_t);

namespace {

std::string_view file_type_name(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a plain file";
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::string_view what,
                            std::size_t max_bytes, FileKind kind) {
  // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
  const int flags = O_RDONLY | O_CLOEXEC | (kind == FileKind::Regular ? O_NONBLOCK : 0);
  const FileDescriptor file(::open(path.c_str(), flags));
  if (file.get() < 0) {
    throw InputError(fmt::format("cannot read {}: {}", what, std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    throw InputError(fmt::format("cannot read {}: {}", what, std::strerror(errno)));
  }
  if (kind == FileKind::Regular && !S_ISREG(info.st_mode)) {
    throw InputError(fmt::format("{} is not a regular file ({}); write it as an ordinary file",
                                 what, file_type_name(info.st_mode)));
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(file.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InputError(fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    if (got == 0) return text;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > max_bytes) {
      throw InputError(fmt::format("{} holds more than {} bytes, the limit; shorten it", what,
                                   max_bytes));
    }
  }
}

OptionReader::OptionReader(const nlohmann::json& options, std::string owner)
    : options_(options), owner_(std::move(owner)) {}

bool OptionReader::has(std::string_view key) const {
  return options_.is_object() && options_.contains(key);
}

std::int64_t OptionReader::integer(std::string_view key, std::int64_t fallback, std::int64_t low,
                                   std::int64_t high) const {
  if (!has(key)) return fallback;
  const nlohmann::json& value = options_.at(std::string(key));
  // Compared in the type nlohmann holds, so 2^64 - 1 is not read as -1.
  const bool in_range =
      value.is_number_unsigned()
          ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(high) &&
                (low <= 0 || value.get<std::uint64_t>() >= static_cast<std::uint64_t>(low))
          : value.is_number_integer() && value.get<std::int64_t>() >= low &&
                value.get<std::int64_t>() <= high;
  if (!in_range) {
    throw InputError(fmt::format("{} '{}' must be an integer in [{}, {}], got {}", owner_, key,
                                 low, high, cut_text(value.dump(), 60, 20)));
  }
  return value.get<std::int64_t>();
}

double OptionReader::number(std::string_view key, double fallback, double low,
                            double high) const {
  if (!has(key)) return fallback;
  const nlohmann::json& value = options_.at(std::string(key));
  if (!value.is_number() || !(value.get<double>() >= low && value.get<double>() <= high)) {
    throw InputError(fmt::format("{} '{}' must be a number in [{}, {}], got {}", owner_, key,
                                 low, high, cut_text(value.dump(), 60, 20)));
  }
  return value.get<double>();
}

double finite_number_text(std::string_view text, std::string_view what) {
  const std::string_view digits = text.starts_with('+') ? text.substr(1) : text;
  double value = 0.0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || end != digits.data() + digits.size() || error != std::errc() || !std::isfinite(value)) {
    throw InputError(fmt::format("{}: '{}' is not a finite decimal number; write it like 0.9 or 1e-3",
                                 what, cut_text(std::string(text), 40, 10)));
  }
  return value;
}

namespace {

// "1h30m" -> 5400; nullopt for anything else ("", "5", "1x", "h").
std::optional<double> parse_duration_text(std::string_view text) {
  constexpr std::pair<char, double> kUnits[] = {{'s', 1.0}, {'m', 60.0}, {'h', 3600.0}, {'d', 86400.0}};
  double total_s = 0.0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
      ++digits;
    if (digits == 0 || digits == text.size()) return std::nullopt;
    const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                   [&](const auto& entry) { return entry.first == text[digits]; });
    if (unit == std::end(kUnits)) return std::nullopt;
    double amount = 0.0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + digits, amount);
    if (error != std::errc() || end != text.data() + digits) return std::nullopt;
    total_s += amount * unit->second;
    text.remove_prefix(digits + 1);
  }
  return total_s;
}

}  // namespace

double OptionReader::duration_s(std::string_view key, double fallback, double low_s, double high_s) const {
  if (!has(key)) return fallback;
  const nlohmann::json& value = options_.at(std::string(key));
  std::optional<double> seconds;
  if (value.is_number()) seconds = value.get<double>();
  if (value.is_string()) seconds = parse_duration_text(value.get<std::string>());
  if (!seconds || !(*seconds >= low_s && *seconds <= high_s)) {
    throw InputError(fmt::format("{} '{}' must be a duration from {} s to {} s, in seconds or as text such as "
                                 "\"90m\", \"2h\" or \"1h30m\", got {}",
                                 owner_, key, low_s, high_s, cut_text(value.dump(), 60, 20)));
  }
  return *seconds;
}

namespace {

bool continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 character at `text[at]` (Unicode table
// 3-7: no overlong forms, surrogates or code points past U+10FFFF), 0 if
// there is none. NUL counts as none: PostgreSQL cannot store it.
std::size_t character_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead == 0) return 0;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (at + length > text.size() || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!continuation(byte(i))) return 0;
  }
  return length;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string storable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t replaced = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = character_length(text, at);
    if (length == 0) {
      out += kReplacement;
      ++replaced;
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  if (replaced > 0) {
    out += fmt::format(" [{} {} replaced by U+FFFD: not UTF-8, or NUL]", replaced,
                       replaced == 1 ? "byte" : "bytes");
  }
  return out;
}

nlohmann::json storable_json(const nlohmann::json& value) {
  if (value.is_string()) return storable_text(value.get_ref<const std::string&>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(storable_json(item));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) out[storable_text(key)] = storable_json(item);
    return out;
  }
  return value;
}

void require_storable_name(std::string_view name, std::string_view what) {
  if (storable_text(name) != name) {
    throw InputError(fmt::format("the {} '{}' holds a NUL byte or bytes that are not UTF-8; "
                                 "rename it",
                                 what, printable(cut_text(name, 100, 20))));
  }
}

std::int64_t checked_step(const nlohmann::json& step, std::string_view what) {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53: counted exactly by a double
  const double value = step.is_number() ? step.get<double>() : -1.0;
  if (!(value >= 0 && value <= kMaxExact && value == std::floor(value))) {
    throw InputError(fmt::format("{}: step {} is not a whole number from 0 to 2^53; count steps "
                                 "(epochs or batches) from 0",
                                 what, cut_text(step.dump(), 60, 20)));
  }
  return static_cast<std::int64_t>(value);
}

nlohmann::json checked_intermediate_values(const nlohmann::json& values, std::string_view what) {
  constexpr std::size_t kMaxNameBytes = 256;
  if (!values.is_object() || values.empty()) {
    throw InputError(fmt::format("{}: intermediate values must be a non-empty JSON object of "
                                 "metric -> number, e.g. {{\"accuracy\": 0.81}}",
                                 what));
  }
  if (values.size() > kMaxIntermediateMetrics) {
    throw InputError(fmt::format("{}: {} intermediate metrics at one step; report at most {}",
                                 what, values.size(), kMaxIntermediateMetrics));
  }
  for (const auto& [name, value] : values.items()) {
    if (name.empty() || name.size() > kMaxNameBytes || storable_text(name) != name) {
      throw InputError(fmt::format("{}: intermediate metric name \"{}\" must be 1 to {} bytes "
                                   "of UTF-8 without NUL",
                                   what, printable(cut_text(name, 60, 20)), kMaxNameBytes));
    }
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      throw InputError(fmt::format("{}: intermediate metric \"{}\" is {}; report a finite "
                                   "number",
                                   what, name, cut_text(value.dump(), 60, 20)));
    }
  }
  return values;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // A character is at most 4 bytes: past 3 continuation bytes it is not UTF-8.
  for (int step = 0; step < 3 && end > 0 && continuation(static_cast<unsigned char>(text[end]));
       ++step) {
    --end;
  }
  return text.substr(0, end);
}

std::string_view utf8_suffix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t start = text.size() - max_bytes;
  for (int step = 0; step < 3 && start < text.size() &&
                     continuation(static_cast<unsigned char>(text[start]));
       ++step) {
    ++start;
  }
  return text.substr(start);
}

}  // namespace ecopt
