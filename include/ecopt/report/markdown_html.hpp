#pragma once
// The model card's Markdown shown inside the report page.
#include <string>
#include <string_view>

namespace ecopt::report {

// The Markdown subset the report writes (the model card) as HTML: "#"
// headings (shifted down by `heading_offset` levels), paragraphs, "- "
// lists, "> " quotes, pipe tables, **bold**, `code`, backslash escapes and
// markdown_escape's entities (ecopt/core/escape.hpp). Every character of
// text is escaped on the way out: the result holds no markup but these
// elements.
std::string markdown_to_html(std::string_view markdown, int heading_offset = 0);

}  // namespace ecopt::report
