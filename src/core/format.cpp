#include "ecopt/core/format.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ecopt {

std::string format_number(double value) {
  if (!std::isfinite(value)) return "-";
  if (value == 0.0) return "0";  // never "-0"
  return fmt::format("{:.4g}", value);
}

std::string format_joules(double joules) {
  if (!std::isfinite(joules)) return "n/a";
  if (joules == 0.0) return "0 J";
  static constexpr const char* kPrefixes[] = {"p", "n", "µ", "m", "", "k", "M", "G", "T"};
  int group = static_cast<int>(std::floor(std::log10(std::abs(joules)) / 3.0));
  group = std::clamp(group, -4, 4);
  double scaled = joules / std::pow(1000.0, group);
  if (std::abs(scaled) >= 999.95 && group < 4) {
    ++group;
    scaled /= 1000.0;
  }
  return fmt::format("{:.4g} {}J", scaled, kPrefixes[group + 4]);
}

std::string format_duration(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m", total / 3600, (total % 3600) / 60);
}

}  // namespace ecopt
