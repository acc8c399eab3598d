#include "ecopt/core/suggest.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "ecopt/core/printable.hpp"

namespace ecopt {

namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: Levenshtein plus swaps of neighbours
// ("acuracy", "tnue").
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

constexpr std::size_t kLongestCompared = 200;  // a pasted paragraph is no typo

}  // namespace

std::optional<std::string> closest_name(std::string_view given, const std::vector<std::string>& known) {
  if (given.empty() || given.size() > kLongestCompared) return std::nullopt;
  const std::string typed = lowered(given);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& name : known) {
    if (name.size() > kLongestCompared) continue;
    const std::size_t distance = edit_distance(typed, lowered(name));
    const std::size_t allowed = std::max<std::size_t>(1, std::max(typed.size(), name.size()) / 3);
    if (distance > allowed || (best && distance >= best_distance)) continue;
    best = name;
    best_distance = distance;
  }
  return best;
}

std::string did_you_mean(std::string_view given, const std::vector<std::string>& known) {
  const auto name = closest_name(given, known);
  return name ? fmt::format(" (did you mean '{}'?)", printable(*name)) : "";
}

}  // namespace ecopt
