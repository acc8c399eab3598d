#pragma once
// Text from trial programs and users, made safe to print on a terminal
// and short enough to read.
#include <cstddef>
#include <string>
#include <string_view>

namespace ecopt {

// `text` with control characters shown escaped ("\x1b", "\n", "\x9b" for a
// C1 control) and bytes that are not UTF-8 as "\xff", so that a trial's
// stderr cannot move the cursor, clear the screen or retitle the window.
std::string printable(std::string_view text);

// "[… 1200 of 5000 bytes cut …]": put where a text was shortened.
std::string cut_note(std::size_t cut_bytes, std::size_t total_bytes);

// `text` itself, or its first `head` and last `tail` bytes around a
// cut_note: what a message quotes of input that may be megabytes long.
std::string cut_text(std::string_view text, std::size_t head, std::size_t tail);

// What precedes the first '\n' (all of `text` when it has none): what a
// one-line place (a table cell, an error) shows of a text that keeps its
// lines, such as a failure reason quoting a program's stderr.
std::string first_line(std::string_view text);

}  // namespace ecopt
