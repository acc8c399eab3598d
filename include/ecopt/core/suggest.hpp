#pragma once
// "did you mean ...?" for a misspelt name: one rule for CLI subcommands,
// study-file and task keys, space keys and objective names.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecopt {

// The known name closest to `given` by edit distance (insertions,
// deletions, substitutions, swaps of neighbours), if it is close enough to
// be a typo: at most a third of the longer name's characters apart
// (at least 1), case ignored.
std::optional<std::string> closest_name(std::string_view given, const std::vector<std::string>& known);

// " (did you mean 'accuracy'?)" or "" when no known name is close.
std::string did_you_mean(std::string_view given, const std::vector<std::string>& known);

}  // namespace ecopt
