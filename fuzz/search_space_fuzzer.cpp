// Any text given as a search space parses or throws ecopt::InputError; a
// space that parses must survive the round trip through its own JSON and
// decode the centre of its unit cube.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ecopt/core/error.hpp"
#include "ecopt/space/search_space.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto space = ecopt::search_space_from_json_text(text);
    const auto again = ecopt::search_space_from_json_text(ecopt::to_ordered_json(space).dump());
    (void)again.decode(std::vector<double>(again.dimensions(), 0.5));
  } catch (const ecopt::InputError&) {
    // the expected outcome for bad input
  }
  return 0;
}
