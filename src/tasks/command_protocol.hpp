#pragma once
// The "ECOPT {...}" lines a command trial prints on stdout
// (docs/command-protocol.md), parsed apart from measuring them: the parser
// sees untrusted text and is fuzzed on its own (fuzz/).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "ecopt/core/trial.hpp"

namespace ecopt::detail {

inline constexpr std::string_view kProtocolPrefix = "ECOPT ";

// {"event": "begin"|"end", "phase": NAME, "samples": N}
struct PhaseEvent {
  bool begin = true;
  std::string phase;
  std::int64_t samples = 0;  // counted by "end" only
};

// Metrics to record, a phase begun or ended, or a point of the learning
// curve ({"step": 3, "last_step": 10, "val_accuracy": 0.8}: the numbers
// besides step and last_step, checked by checked_intermediate_values when
// any are given).
using ProtocolMessage = std::variant<nlohmann::json, PhaseEvent, IntermediateReport>;

// nullopt for ordinary output (no "ECOPT " prefix). Throws InputError for
// a malformed line, naming it as ECOPT line `number` and quoting at most a
// few hundred characters of it.
std::optional<ProtocolMessage> parse_protocol_line(std::string_view line, std::int64_t number);

// A metric's name and a string metric's text may be this long at most.
inline constexpr std::size_t kMaxMetricNameBytes = 256;
inline constexpr std::size_t kMaxMetricTextBytes = std::size_t{64} << 10;  // 64 KiB

// `metrics` as they are stored, a longer string cut to kMaxMetricTextBytes
// with a note of the cut. Throws InputError unless `metrics` is an object of
// numbers, strings and booleans with names of at most kMaxMetricNameBytes.
nlohmann::json bounded_metrics(nlohmann::json metrics);

}  // namespace ecopt::detail
