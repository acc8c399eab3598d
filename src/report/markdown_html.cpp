// The Markdown the report writes (the model card) as HTML: headings,
// paragraphs, "- " lists, "> " quotes and pipe tables, with **bold**,
// `code` and backslash escapes inline. Nothing else is recognised, and
// every character of text is escaped on the way out, so no input can
// produce markup of its own.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/report/markdown_html.hpp"

namespace ecopt::report {
namespace {

// The entities markdown_escape writes, back to their characters.
std::size_t decode_entity(std::string_view text, std::size_t at, std::string& out) {
  for (const auto& [entity, character] : {std::pair<std::string_view, char>{"&lt;", '<'},
                                          {"&gt;", '>'},
                                          {"&amp;", '&'},
                                          {"&quot;", '"'},
                                          {"&#39;", '\''}}) {
    if (text.substr(at, entity.size()) == entity) {
      out += character;
      return entity.size();
    }
  }
  out += '&';
  return 1;
}

std::string decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      i += decode_entity(text, i, out);
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string inline_html(std::string_view text) {
  std::string out;
  std::string plain;  // text not yet escaped
  bool bold = false;
  const auto flush = [&] {
    out += html_escape(plain);
    plain.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      plain += text[i + 1];
      i += 2;
    } else if (c == '&') {
      i += decode_entity(text, i, plain);
    } else if (c == '`' && text.find('`', i + 1) != std::string_view::npos) {
      const std::size_t end = text.find('`', i + 1);
      flush();
      out += "<code>" + html_escape(decoded(text.substr(i + 1, end - i - 1))) + "</code>";
      i = end + 1;
    } else if (text.substr(i, 2) == "**") {
      flush();
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
    } else {
      plain += c;
      ++i;
    }
  }
  flush();
  if (bold) out += "</strong>";
  return out;
}

// The cells of "| a | b \| c |": split at pipes that are not escaped.
std::vector<std::string_view> table_cells(std::string_view row) {
  if (row.starts_with('|')) row.remove_prefix(1);
  if (row.ends_with('|') && !row.ends_with("\\|")) row.remove_suffix(1);
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || (row[i] == '|' && (i == 0 || row[i - 1] != '\\'))) {
      std::string_view cell = row.substr(start, i - start);
      while (cell.starts_with(' ')) cell.remove_prefix(1);
      while (cell.ends_with(' ')) cell.remove_suffix(1);
      cells.push_back(cell);
      start = i + 1;
    }
  }
  return cells;
}

bool is_separator_row(std::string_view line) {
  return line.starts_with('|') && line.find_first_not_of("|-: ") == std::string_view::npos;
}

std::string table_html(const std::vector<std::string_view>& rows) {
  std::string out = "<table class=\"facts\">";
  std::size_t first_body_row = 0;
  if (rows.size() >= 2 && is_separator_row(rows[1])) {
    out += "<thead><tr>";
    for (const auto cell : table_cells(rows[0])) out += "<th>" + inline_html(cell) + "</th>";
    out += "</tr></thead>";
    first_body_row = 2;
  }
  out += "<tbody>";
  for (std::size_t r = first_body_row; r < rows.size(); ++r) {
    out += "<tr>";
    for (const auto cell : table_cells(rows[r])) out += "<td>" + inline_html(cell) + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

enum class Block { None, Paragraph, List, Quote, Table };

}  // namespace

std::string markdown_to_html(std::string_view markdown, int heading_offset) {
  std::string out;
  Block open = Block::None;
  std::string text;                     // of the open paragraph or quote
  std::vector<std::string_view> rows;  // of the open table
  const auto close = [&] {
    if (open == Block::Paragraph) out += "<p>" + inline_html(text) + "</p>";
    if (open == Block::Quote) out += "<blockquote><p>" + inline_html(text) + "</p></blockquote>";
    if (open == Block::List) out += "</ul>";
    if (open == Block::Table) out += table_html(rows);
    open = Block::None;
    text.clear();
    rows.clear();
  };
  const auto continue_text = [&](Block block, std::string_view line) {
    if (open != block) close();
    open = block;
    if (!text.empty()) text += ' ';
    text += line;
  };
  for (std::size_t start = 0; start < markdown.size();) {
    std::size_t end = markdown.find('\n', start);
    if (end == std::string_view::npos) end = markdown.size();
    std::string_view line = markdown.substr(start, end - start);
    start = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::size_t hashes = line.find_first_not_of('#');
    if (line.empty()) {
      close();
    } else if (hashes > 0 && hashes != std::string_view::npos && hashes <= 6 && line[hashes] == ' ') {
      close();
      const int level = std::min(6, static_cast<int>(hashes) + heading_offset);
      out += fmt::format("<h{0}>{1}</h{0}>", level, inline_html(line.substr(hashes + 1)));
    } else if (line.starts_with("- ")) {
      if (open != Block::List) {
        close();
        out += "<ul>";
        open = Block::List;
      }
      out += "<li>" + inline_html(line.substr(2)) + "</li>";
    } else if (line.starts_with("> ") || line == ">") {
      continue_text(Block::Quote, line.substr(std::min<std::size_t>(2, line.size())));
    } else if (line.starts_with('|')) {
      if (open != Block::Table) close();
      open = Block::Table;
      rows.push_back(line);
    } else {
      continue_text(Block::Paragraph, line);
    }
  }
  close();
  return out;
}

}  // namespace ecopt::report
