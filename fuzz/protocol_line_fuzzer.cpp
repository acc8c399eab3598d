// Any stdout line of a command trial is ordinary output, a protocol message
// (metrics of numbers, strings and booleans within their size limits, or a
// named phase event) or an ecopt::InputError whose message stays short, as
// it becomes the trial's fail_reason. Any other exception, crash or
// sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "../src/tasks/command_protocol.hpp"
#include "ecopt/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  try {
    const auto message = ecopt::detail::parse_protocol_line(line, 1);
    if (!message) {
      if (line.starts_with(ecopt::detail::kProtocolPrefix)) __builtin_trap();
      return 0;
    }
    if (const auto* phase = std::get_if<ecopt::detail::PhaseEvent>(&*message)) {
      if (phase->phase.empty()) __builtin_trap();
    } else if (const auto* report = std::get_if<ecopt::IntermediateReport>(&*message)) {
      if (report->step < 0) __builtin_trap();
      for (const auto& [key, value] : report->values.items()) {
        if (!value.is_number()) __builtin_trap();
      }
    } else {
      for (const auto& [key, value] : std::get<nlohmann::json>(*message).items()) {
        if (!value.is_number() && !value.is_string() && !value.is_boolean()) __builtin_trap();
        if (key.size() > ecopt::detail::kMaxMetricNameBytes) __builtin_trap();
        if (value.is_string() && value.get_ref<const std::string&>().size() >
                                     ecopt::detail::kMaxMetricTextBytes) {
          __builtin_trap();
        }
      }
    }
  } catch (const ecopt::InputError& error) {
    if (std::string_view(error.what()).size() > 2000) __builtin_trap();  // a readable fail_reason
  }
  return 0;
}
