#pragma once
// The escapers: every user-provided name or text that ECOpt shows or writes
// passes through the one that matches where it goes. Pages get html_escape
// (markup) and json_for_script (embedded data), and declare the hashes of
// their own scripts so that nothing else runs; Markdown gets
// markdown_escape; CSV csv_row; a shell script shell_quote; the terminal
// printable() (printable.hpp).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

// Escapes & < > " ' so that the text is inert in element content and in
// quoted attribute values.
std::string html_escape(std::string_view text);

// JSON that can sit inside <script type="application/json">: "<", ">" and
// "&" as \u003c \u003e \u0026 (so no "</script>" or "<!--" can appear), and
// U+2028/U+2029 as \u2028/\u2029. Invalid UTF-8 is replaced with U+FFFD.
std::string json_for_script(const nlohmann::json& value);

// Text for one Markdown table cell or line: | \ ` * _ backslash-escaped,
// newlines as spaces, and < > & as entities so no HTML is injected.
std::string markdown_escape(std::string_view text);

// One CSV field (RFC 4180): quoted when it holds a comma, a double quote,
// CR or LF, or starts or ends with a space. A field a spreadsheet would run
// as a formula (=1+2, +1, @SUM(1), -x; not a negative number) is quoted
// with a leading apostrophe.
std::string csv_field(std::string_view text);

// The fields through csv_field, comma-separated, ended by CRLF.
std::string csv_row(const std::vector<std::string>& fields);

// 'text' for a POSIX shell, whatever it holds: inside single quotes, each
// ' written as '\''.
std::string shell_quote(std::string_view text);

// "'sha256-…'": the Content-Security-Policy source that lets exactly this
// inline script (the text between <script> and </script>) run.
std::string csp_script_hash(std::string_view script);

}  // namespace ecopt
