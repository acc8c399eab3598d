#include "ecopt/study/text_table.hpp"

#include <algorithm>
#include <cstdlib>

#include "ecopt/core/printable.hpp"

namespace ecopt {

namespace {

bool looks_numeric(const std::string& cell) {
  if (cell.empty()) return false;
  char* end = nullptr;
  std::strtod(cell.c_str(), &end);
  return end == cell.c_str() + cell.size();
}

std::string pad(const std::string& cell, std::size_t width, bool right) {
  const std::string fill(width - std::min(width, cell.size()), ' ');
  return right ? fill + cell : cell + fill;
}

}  // namespace

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& raw_rows) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : raw_rows) {
    auto& shown = rows.emplace_back();
    for (const auto& cell : row) shown.push_back(printable(cell));
  }
  std::vector<std::string> shown_header;
  for (const auto& cell : header) shown_header.push_back(printable(cell));
  std::vector<std::size_t> widths;
  for (const auto& cell : shown_header) widths.push_back(cell.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < std::min(row.size(), widths.size()); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      text += (i ? "  " : "") + pad(cell, widths[i], looks_numeric(cell));
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "\n";
  };
  std::string table = line(shown_header);
  std::vector<std::string> rule;
  for (auto width : widths) rule.emplace_back(width, '-');
  table += line(rule);
  for (const auto& row : rows) table += line(row);
  return table;
}

}  // namespace ecopt
