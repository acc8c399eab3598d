#pragma once
// Making user-provided text safe for the report's HTML and Markdown.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ecopt::report {

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

}  // namespace ecopt::report
