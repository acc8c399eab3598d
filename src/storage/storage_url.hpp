#pragma once
// Pieces of a storage URL that the backends need besides open_storage.
#include <optional>
#include <string>
#include <string_view>

namespace ecopt {

// The password in "scheme://user:password@host/...", or in "?password=...".
std::optional<std::string> url_password(std::string_view url);

// `text` with every occurrence of `secret` replaced by "***".
std::string scrub_secret(std::string text, const std::optional<std::string>& secret);

}  // namespace ecopt
