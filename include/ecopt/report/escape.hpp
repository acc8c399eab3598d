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

// The Markdown subset the report writes (the model card) as HTML: "#"
// headings (shifted down by `heading_offset` levels), paragraphs, "- "
// lists, "> " quotes, pipe tables, **bold**, `code`, backslash escapes and
// markdown_escape's entities. Every character of text is escaped on the
// way out: the result holds no markup but these elements.
std::string markdown_to_html(std::string_view markdown, int heading_offset = 0);

}  // namespace ecopt::report
