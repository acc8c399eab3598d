#pragma once
// Plain-text tables with aligned columns, for terminals and logs.
#include <string>
#include <vector>

namespace ecopt {

// Columns padded to their widest cell; numbers-looking cells right-aligned.
// Rows shorter than the header are padded with empty cells. Control
// characters in cells are shown escaped (core/printable.hpp).
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace ecopt
