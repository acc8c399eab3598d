#pragma once
// The one boundary for input ECOpt did not write itself: trial output
// (ECOPT lines, result files), flags (--search-space, --user-attrs,
// --sampler-kwargs), study-file pieces and what Python hands over. JSON is
// bounded in size and nesting depth (nlohmann::json copies, dumps and
// destroys recursively: 100,000 levels overflow the stack), files in size
// and kind, numbers in type and range, and stored text is valid UTF-8
// without NUL bytes. Past a limit the user gets a one-line InputError that
// names the input, the limit and what to do. docs/command-protocol.md lists
// the limits.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ecopt {

struct JsonLimits {
  std::size_t max_bytes = std::size_t{64} << 20;  // 64 MiB
  int max_depth = 64;                             // arrays and objects inside each other
};

// Parses `text`, named `what` in errors ("--user-attrs", "ECOPT line 3").
// Throws InputError, one line that starts with `what`, for text over the
// limits, invalid JSON or a number out of range. `callback` (optional) sees
// every parse event as with nlohmann::basic_json::parse.
template <class Json = nlohmann::json>
Json parse_json_input(std::string_view text, std::string_view what, JsonLimits limits = {},
                      typename Json::parser_callback_t callback = nullptr);

extern template nlohmann::json parse_json_input<nlohmann::json>(
    std::string_view, std::string_view, JsonLimits, nlohmann::json::parser_callback_t);
extern template nlohmann::ordered_json parse_json_input<nlohmann::ordered_json>(
    std::string_view, std::string_view, JsonLimits, nlohmann::ordered_json::parser_callback_t);

enum class FileKind {
  Regular,  // a program's output file: a FIFO or device there is refused, never waited on
  Any,      // a user's @FILE argument: /dev/stdin works, /dev/zero stops at the limit
};

// The bytes of the file at `path`, named `what` in errors; InputError when
// it cannot be read, is not of `kind` or holds more than `max_bytes`.
std::string read_input_file(const std::filesystem::path& path, std::string_view what,
                            std::size_t max_bytes, FileKind kind);

// Typed, bounded reads of a JSON object of options ({"sobol_candidates":
// 2048}): a value of another type or out of range is an InputError naming
// the option, its range and the value.
class OptionReader {
 public:
  // `owner` prefixes option names in errors: "mobo option", "--sampler-kwargs option".
  OptionReader(const nlohmann::json& options, std::string owner);

  // `fallback` when the option is absent.
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t low,
                       std::int64_t high) const;
  double number(std::string_view key, double fallback, double low, double high) const;
  // Seconds, given as a number or as text with units: "90m", "2h",
  // "1h30m", "45s", "1d".
  double duration_s(std::string_view key, double fallback, double low_s, double high_s) const;

 private:
  bool has(std::string_view key) const;

  const nlohmann::json& options_;
  std::string owner_;
};

// Text as every backend can store it and every reader take back: invalid
// UTF-8 bytes and NUL become U+FFFD, with a note saying how many bytes
// were replaced.
std::string storable_text(std::string_view text);
// `value` with every string in it, object keys included, made storable_text.
nlohmann::json storable_json(const nlohmann::json& value);
// Throws InputError, naming `what` ("study name"), unless `name` is stored
// as given: PostgreSQL would cut it at a NUL byte, so two names could meet.
void require_storable_name(std::string_view name, std::string_view what);

// A finite decimal number written as text ("0.9", "-1e-3", "+2"), as a
// limit or a weight on the command line gives one; InputError naming
// `what` ("limit 'accuracy>=x'") otherwise: hex, NaN and infinity included.
double finite_number_text(std::string_view text, std::string_view what);

// A learning curve's point as a trial reports it (an ECOPT line with a
// "step", trial.report in Python, `ecopt intermediate`, Storage::
// report_intermediate), named `what` in errors. A step is a whole number
// from 0 to 2^53; values are an object of at most kMaxIntermediateMetrics
// finite numbers whose names are storable and at most 256 bytes long.
// InputError, one line starting with `what`, otherwise.
inline constexpr std::size_t kMaxIntermediateMetrics = 256;
std::int64_t checked_step(const nlohmann::json& step, std::string_view what);
nlohmann::json checked_intermediate_values(const nlohmann::json& values, std::string_view what);

// The longest prefix of `text` of at most `max_bytes` that does not end in
// the middle of a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);
// The longest suffix likewise.
std::string_view utf8_suffix(std::string_view text, std::size_t max_bytes);

}  // namespace ecopt
