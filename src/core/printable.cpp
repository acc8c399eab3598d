#include "ecopt/core/printable.hpp"

#include <fmt/format.h>

#include "ecopt/core/untrusted_input.hpp"

namespace ecopt {
namespace {

// Length of the valid UTF-8 sequence starting at `text[at]`, 0 if none.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2
                             : lead >= 0xE0 && lead <= 0xEF ? 3
                             : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
  if (length == 0 || at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[at + i]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

std::string escaped(unsigned char byte) {
  switch (byte) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return fmt::format("\\x{:02x}", byte);
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const auto byte = static_cast<unsigned char>(text[at]);
    const std::size_t length = utf8_length(text, at);
    // C1 controls (U+0080..U+009F) are two bytes, 0xC2 0x80..0x9F.
    const bool c1 = length == 2 && byte == 0xC2 && static_cast<unsigned char>(text[at + 1]) < 0xA0;
    if (length == 0 || byte < 0x20 || byte == 0x7F) {
      out += escaped(byte);
      ++at;
    } else if (c1) {
      out += escaped(static_cast<unsigned char>(text[at + 1]));
      at += 2;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string cut_note(std::size_t cut_bytes, std::size_t total_bytes) {
  return fmt::format("[… {} of {} bytes cut …]", cut_bytes, total_bytes);
}

std::string cut_text(std::string_view text, std::size_t head, std::size_t tail) {
  if (text.size() <= head + tail) return std::string(text);
  const auto kept_head = utf8_prefix(text, head);
  const auto kept_tail = utf8_suffix(text, tail);
  return std::string(kept_head) +
         cut_note(text.size() - kept_head.size() - kept_tail.size(), text.size()) +
         std::string(kept_tail);
}

std::string first_line(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

}  // namespace ecopt
