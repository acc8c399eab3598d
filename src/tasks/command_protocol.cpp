#include "command_protocol.hpp"

#include <cmath>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"

namespace ecopt::detail {
namespace {

// A line as an error message quotes it: its start and end, not megabytes.
std::string quoted(std::string_view line) { return cut_text(line, 200, 60); }

// `why`: parse_json_input's error, which names the line.
std::string describe_bad_json(std::string_view line, std::int64_t number, std::string_view why) {
  const bool non_finite = line.find("NaN") != std::string_view::npos ||
                          line.find("Infinity") != std::string_view::npos;
  return non_finite ? fmt::format("ECOPT line {} holds a non-finite number (NaN or Infinity): {}",
                                  number, quoted(line))
                    : fmt::format("{}: {}", why, quoted(line));
}

// A phase's sample count: a whole number from 0 to 2^53 (beyond that a
// double no longer counts exactly; 2.5 or -3 samples is a program's bug).
std::int64_t sample_count(const nlohmann::json& message, std::int64_t number) {
  const auto it = message.find("samples");
  if (it == message.end()) return 0;
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  const double value = it->is_number() ? it->get<double>() : -1.0;
  if (!(value >= 0 && value <= kMaxExact && value == std::floor(value))) {
    throw InputError(fmt::format("ECOPT line {}: \"samples\" is {}; give a whole number of "
                                 "samples from 0 to 2^53",
                                 number, cut_text(it->dump(), 60, 20)));
  }
  return static_cast<std::int64_t>(value);
}

IntermediateReport read_step(nlohmann::json message, std::int64_t number) {
  const std::string what = fmt::format("ECOPT line {}", number);
  IntermediateReport report;
  report.step = checked_step(message["step"], what);
  if (message.contains("last_step")) report.last_step = checked_step(message["last_step"], what);
  message.erase("step");
  message.erase("last_step");
  if (!message.empty()) report.values = checked_intermediate_values(message, what);
  return report;
}

ProtocolMessage read_message(const nlohmann::json& message, std::int64_t number) {
  if (!message.is_object()) {
    throw InputError(fmt::format("ECOPT line {} is not a JSON object", number));
  }
  if (message.contains("step")) return read_step(message, number);
  if (!message.contains("event")) return bounded_metrics(message);
  const auto event = message.value("event", "");
  PhaseEvent phase{event == "begin", message.value("phase", ""), sample_count(message, number)};
  if (phase.phase.empty()) throw InputError(fmt::format("ECOPT line {} has no phase name", number));
  if (event != "begin" && event != "end") {
    throw InputError(fmt::format("ECOPT line {}: unknown event \"{}\"; use begin or end", number,
                                 cut_text(event, 100, 0)));
  }
  return phase;
}

}  // namespace

std::optional<ProtocolMessage> parse_protocol_line(std::string_view line, std::int64_t number) {
  if (!line.starts_with(kProtocolPrefix)) return std::nullopt;
  nlohmann::json message;
  try {
    message = parse_json_input(line.substr(kProtocolPrefix.size()),
                               fmt::format("ECOPT line {}", number));
  } catch (const InputError& error) {
    throw InputError(describe_bad_json(line, number, error.what()));
  }
  try {
    return read_message(message, number);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type ("samples": "ten")
    throw InputError(fmt::format("ECOPT line {} has a bad field ({}): {}", number,
                                 quoted(e.what()), quoted(line)));
  }
}

nlohmann::json bounded_metrics(nlohmann::json metrics) {
  for (auto& [key, value] : metrics.items()) {
    if (key.size() > kMaxMetricNameBytes) {
      throw InputError(fmt::format("metric name \"{}\" is {} bytes; use names of at most {}",
                                   cut_text(key, 60, 20), key.size(), kMaxMetricNameBytes));
    }
    if (!value.is_number() && !value.is_string() && !value.is_boolean()) {
      throw InputError(fmt::format("metric \"{}\" is {}; report numbers or strings",
                                   cut_text(key, 100, 0), cut_text(value.dump(), 100, 20)));
    }
    const auto* text = value.get_ptr<const std::string*>();
    if (text && text->size() > kMaxMetricTextBytes) {
      // Room for the note: the stored string stays within the limit.
      const auto kept = utf8_prefix(*text, kMaxMetricTextBytes - 64);
      value = std::string(kept) + cut_note(text->size() - kept.size(), text->size());
    }
  }
  return metrics;
}

}  // namespace ecopt::detail
