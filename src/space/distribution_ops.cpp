#include "distribution_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"

namespace ecopt {
namespace space_detail {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// A grid value within this fraction of a step counts as on the grid:
// (0.3 - 0) / 0.1 is 2.9999999999999996 in binary floating point.
constexpr double kGridTolerance = 1e-9;

std::optional<double> numeric(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

// An int, or a float holding a whole number (JSON may write 3 as 3.0).
std::optional<std::int64_t> integral(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  const auto* d = std::get_if<double>(&value);
  if (d && std::isfinite(*d) && std::floor(*d) == *d && std::fabs(*d) < 9.2e18) {
    return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

// Grid sizes; validate() has aligned high to the grid.
std::size_t grid_count(const FloatDistribution& d) {
  return static_cast<std::size_t>(std::llround((d.high - d.low) / *d.step)) + 1;
}
std::size_t grid_count(const IntDistribution& d) {
  return static_cast<std::size_t>((d.high - d.low) / d.step) + 1;
}

// The shortest 15-digit form of a grid value when that is the same value up
// to rounding, so that low 0 and step 0.1 give 0.3, not 0.30000000000000004.
double tidy(double x, double tolerance) {
  const double short_form = std::strtod(fmt::format("{:.15g}", x).c_str(), nullptr);
  return std::fabs(short_form - x) <= tolerance ? short_form : x;
}

std::size_t cell_index(double u, std::size_t cells) {
  const auto index = static_cast<std::size_t>(std::floor(u * static_cast<double>(cells)));
  return std::min(index, cells - 1);
}

double cell_centre(std::size_t index, std::size_t cells) {
  return (static_cast<double>(index) + 0.5) / static_cast<double>(cells);
}

std::size_t choice_index(const std::vector<ParamValue>& choices, const ParamValue& value) {
  const auto found = std::find_if(choices.begin(), choices.end(),
                                  [&](const ParamValue& choice) { return same_value(choice, value); });
  return static_cast<std::size_t>(found - choices.begin());
}

bool is_choice(const std::vector<ParamValue>& choices, const ParamValue& value) {
  return choice_index(choices, value) < choices.size();
}

std::string join_choices(const std::vector<ParamValue>& choices) {
  std::string text;
  for (const auto& choice : choices) {
    if (!text.empty()) text += ", ";
    text += to_string(choice);
  }
  return text;
}

void validate_float(const std::string& name, FloatDistribution& d,
                    std::vector<std::string>& warnings) {
  if (!std::isfinite(d.low) || !std::isfinite(d.high)) {
    throw InputError(fmt::format(
        "parameter '{}': low and high must be finite numbers (got low={}, high={})", name, d.low,
        d.high));
  }
  if (d.low > d.high) {
    throw InputError(fmt::format("parameter '{}': low ({}) is greater than high ({}); swap them",
                                 name, d.low, d.high));
  }
  if (d.log && d.step) {
    throw InputError(fmt::format(
        "parameter '{}': step cannot be used with a log scale; remove step or set log to false",
        name));
  }
  if (d.log && d.low <= 0.0) {
    throw InputError(fmt::format(
        "parameter '{}': a log scale needs low > 0 (got low={}); raise low or set log to false",
        name, d.low));
  }
  if (!d.step) return;
  const double step = *d.step;
  if (!(step > 0.0) || !std::isfinite(step)) {
    throw InputError(fmt::format(
        "parameter '{}': step must be a positive number (got step={}); fix it or remove step", name,
        step));
  }
  const double whole_steps = std::floor((d.high - d.low) / step + kGridTolerance);
  if (whole_steps > 1e15) {
    throw InputError(fmt::format(
        "parameter '{}': step {} makes more than 1e15 grid values; use a larger step or none",
        name, step));
  }
  const double tolerance = kGridTolerance * step;
  const double last = tidy(d.low + whole_steps * step, tolerance);
  if (std::fabs(last - d.high) > tolerance) {
    warnings.push_back(fmt::format(
        "parameter '{}': high {} is not low {} plus a multiple of step {}; using high {}", name,
        d.high, d.low, step, last));
    d.high = last;
  }
}

void validate_int(const std::string& name, IntDistribution& d,
                  std::vector<std::string>& warnings) {
  if (d.low > d.high) {
    throw InputError(fmt::format("parameter '{}': low ({}) is greater than high ({}); swap them",
                                 name, d.low, d.high));
  }
  if (d.log && d.step != 1) {
    throw InputError(fmt::format(
        "parameter '{}': a log scale needs step 1 (got step={}); remove step or set log to false",
        name, d.step));
  }
  if (d.log && d.low < 1) {
    throw InputError(fmt::format(
        "parameter '{}': a log scale needs low >= 1 (got low={}); raise low or set log to false",
        name, d.low));
  }
  if (d.step <= 0) {
    throw InputError(fmt::format(
        "parameter '{}': step must be positive (got step={}); fix it or remove step", name,
        d.step));
  }
  std::int64_t range = 0;
  if (__builtin_sub_overflow(d.high, d.low, &range) || range == INT64_MAX) {
    throw InputError(fmt::format(
        "parameter '{}': the range [{}, {}] is too wide for 64-bit integers; narrow it", name,
        d.low, d.high));
  }
  if (range % d.step != 0) {
    const std::int64_t last = d.low + range / d.step * d.step;
    warnings.push_back(fmt::format(
        "parameter '{}': high {} is not low {} plus a multiple of step {}; using high {}", name,
        d.high, d.low, d.step, last));
    d.high = last;
  }
}

void validate_choices(const std::string& name, const std::vector<ParamValue>& choices) {
  if (choices.empty()) {
    throw InputError(
        fmt::format("parameter '{}': choices are empty; list at least one choice", name));
  }
  for (const auto& choice : choices) {
    if (const auto* text = std::get_if<std::string>(&choice); text && text->find('\0') != text->npos) {
      throw InputError(fmt::format("parameter '{}': choice '{}' holds a NUL byte; remove it",
                                   printable(name), printable(*text)));
    }
    const auto number = numeric(choice);
    if (number && !std::isfinite(*number)) {
      throw InputError(fmt::format(
          "parameter '{}': choice {} is not a finite number; remove it", name, *number));
    }
  }
}

void validate_fixed(const std::string& name, const ParamValue& value) {
  const auto number = numeric(value);
  if (number && !std::isfinite(*number)) {
    throw InputError(fmt::format(
        "parameter '{}': the fixed value {} is not a finite number; use a finite one", name,
        *number));
  }
}

double decode_float(const FloatDistribution& d, double u) {
  if (d.step) {
    const std::size_t cells = grid_count(d);
    const std::size_t index = cell_index(u, cells);
    if (index == 0) return d.low;
    if (index == cells - 1) return d.high;
    return tidy(d.low + static_cast<double>(index) * *d.step, kGridTolerance * *d.step);
  }
  if (u <= 0.0) return d.low;
  if (u >= 1.0) return d.high;
  // high - low overflows for ranges wider than the largest double: then
  // the ends are weighted instead, which cannot overflow.
  const double width = d.high - d.low;
  const double value = d.log                  ? std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low)))
                       : std::isfinite(width) ? d.low + u * width
                                              : d.low * (1.0 - u) + d.high * u;
  return std::clamp(value, d.low, d.high);
}

double encode_float(const FloatDistribution& d, double value) {
  if (d.step) {
    const auto index = static_cast<std::size_t>(std::llround((value - d.low) / *d.step));
    return cell_centre(index, grid_count(d));
  }
  if (d.low == d.high) return 0.5;
  const bool halve = !std::isfinite(d.high - d.low);  // as in decode_float
  const double u = d.log   ? (std::log(value) - std::log(d.low)) / (std::log(d.high) - std::log(d.low))
                   : halve ? (value / 2 - d.low / 2) / (d.high / 2 - d.low / 2)
                           : (value - d.low) / (d.high - d.low);
  return std::clamp(u, 0.0, 1.0);
}

// Log-scaled ints: integer k owns [k - 0.5, k + 0.5] of a log axis running
// from low - 0.5 to high + 0.5.
struct LogIntAxis {
  double start;
  double width;
  explicit LogIntAxis(const IntDistribution& d)
      : start(std::log(static_cast<double>(d.low) - 0.5)),
        width(std::log(static_cast<double>(d.high) + 0.5) - start) {}
  double at(double x) const { return (std::log(x) - start) / width; }
  double value(double u) const { return std::exp(start + u * width); }
};

std::int64_t decode_int(const IntDistribution& d, double u) {
  if (!d.log) return d.low + static_cast<std::int64_t>(cell_index(u, grid_count(d))) * d.step;
  const auto rounded = static_cast<std::int64_t>(std::floor(LogIntAxis(d).value(u) + 0.5));
  return std::clamp(rounded, d.low, d.high);
}

double encode_int(const IntDistribution& d, std::int64_t value) {
  if (!d.log) {
    return cell_centre(static_cast<std::size_t>((value - d.low) / d.step), grid_count(d));
  }
  const LogIntAxis axis(d);
  const double x = static_cast<double>(value);
  return 0.5 * (axis.at(x - 0.5) + axis.at(x + 0.5));
}

}  // namespace

void validate(const std::string& name, Distribution& distribution,
              std::vector<std::string>& warnings) {
  std::visit(Overloaded{
                 [&](FloatDistribution& d) { validate_float(name, d, warnings); },
                 [&](IntDistribution& d) { validate_int(name, d, warnings); },
                 [&](CategoricalDistribution& d) { validate_choices(name, d.choices); },
                 [&](OrdinalDistribution& d) { validate_choices(name, d.choices); },
                 [&](FixedDistribution& d) { validate_fixed(name, d.value); },
             },
             distribution);
}

bool same_value(const ParamValue& a, const ParamValue& b) {
  const auto x = numeric(a);
  const auto y = numeric(b);
  if (!x || !y) return a == b;
  if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
    return std::get<std::int64_t>(a) == std::get<std::int64_t>(b);
  }
  return *x == *y;
}

std::string describe(const Distribution& distribution) {
  return std::visit(
      Overloaded{
          [](const FloatDistribution& d) {
            const std::string scale = d.log    ? " on a log scale"
                                      : d.step ? fmt::format(" on a grid of step {}", *d.step)
                                               : "";
            return fmt::format("a float in [{}, {}]{}", d.low, d.high, scale);
          },
          [](const IntDistribution& d) {
            const std::string scale = d.log         ? " on a log scale"
                                      : d.step != 1 ? fmt::format(" with step {}", d.step)
                                                    : "";
            return fmt::format("an integer in [{}, {}]{}", d.low, d.high, scale);
          },
          [](const CategoricalDistribution& d) { return "one of " + join_choices(d.choices); },
          [](const OrdinalDistribution& d) { return "one of " + join_choices(d.choices); },
          [](const FixedDistribution& d) { return "the fixed value " + to_string(d.value); },
      },
      distribution);
}

ParamValue decode_coordinate(const Distribution& distribution, double u) {
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) -> ParamValue { return decode_float(d, u); },
          [&](const IntDistribution& d) -> ParamValue { return decode_int(d, u); },
          [&](const CategoricalDistribution& d) -> ParamValue {
            return d.choices[cell_index(u, d.choices.size())];
          },
          [&](const OrdinalDistribution& d) -> ParamValue {
            return d.choices[cell_index(u, d.choices.size())];
          },
          [&](const FixedDistribution& d) -> ParamValue { return d.value; },
      },
      distribution);
}

double encode_coordinate(const Distribution& distribution, const ParamValue& value) {
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) { return encode_float(d, *numeric(value)); },
          [&](const IntDistribution& d) { return encode_int(d, *integral(value)); },
          [&](const CategoricalDistribution& d) {
            return cell_centre(choice_index(d.choices, value), d.choices.size());
          },
          [&](const OrdinalDistribution& d) {
            return cell_centre(choice_index(d.choices, value), d.choices.size());
          },
          [&](const FixedDistribution&) { return 0.5; },
      },
      distribution);
}

}  // namespace space_detail

bool contains(const Distribution& distribution, const ParamValue& value) {
  using namespace space_detail;
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) {
            const auto x = numeric(value);
            if (!x || !std::isfinite(*x)) return false;
            if (!d.step) return d.low <= *x && *x <= d.high;
            const double tolerance = kGridTolerance * *d.step;
            if (*x < d.low - tolerance || *x > d.high + tolerance) return false;
            const double index = std::round((*x - d.low) / *d.step);
            return std::fabs(*x - (d.low + index * *d.step)) <= tolerance;
          },
          [&](const IntDistribution& d) {
            const auto n = integral(value);
            return n && d.low <= *n && *n <= d.high && (*n - d.low) % d.step == 0;
          },
          [&](const CategoricalDistribution& d) { return is_choice(d.choices, value); },
          [&](const OrdinalDistribution& d) { return is_choice(d.choices, value); },
          [&](const FixedDistribution& d) { return same_value(d.value, value); },
      },
      distribution);
}

std::size_t cardinality(const Distribution& distribution) {
  using namespace space_detail;
  return std::visit(
      Overloaded{
          [](const FloatDistribution& d) -> std::size_t { return d.step ? grid_count(d) : 0; },
          [](const IntDistribution& d) { return grid_count(d); },
          [](const CategoricalDistribution& d) { return d.choices.size(); },
          [](const OrdinalDistribution& d) { return d.choices.size(); },
          [](const FixedDistribution&) -> std::size_t { return 1; },
      },
      distribution);
}

}  // namespace ecopt
