#pragma once
// Reading a program's output line by line in tests.
#include <sstream>
#include <string>

namespace ecopt::testing {

// The last line of `text` that starts with `prefix`; empty when none does.
inline std::string last_line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::string found;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(prefix)) found = line;
  return found;
}

}  // namespace ecopt::testing
