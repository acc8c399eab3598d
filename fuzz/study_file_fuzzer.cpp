// Any text given as a study file parses or throws ecopt::InputError (the
// CLI's one-line error); any other exception, crash or sanitizer report is
// a bug. A file that parses must also resolve its search space cleanly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ecopt/core/error.hpp"
#include "ecopt/study/study_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto file = ecopt::parse_study_file(text, "fuzz.toml");
    (void)ecopt::resolve_search_space(file, ecopt::SearchSpace());
  } catch (const ecopt::InputError&) {
    // the expected outcome for bad input
  }
  return 0;
}
