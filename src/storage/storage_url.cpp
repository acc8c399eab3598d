// Storage URLs shown without passwords. Reading a PostgreSQL URL needs
// libpq, which lives in the PostgreSQL plugin (postgres_plugin.hpp).
#include "storage_url.hpp"

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/storage/postgres_login.hpp"
#include "postgres_plugin.hpp"

namespace ecopt {

// For a URL that cannot be parsed: everything up to the last '@' but the
// user name is hidden, and so is any query, as either may hold a password;
// when a '?' comes before that '@', which is which cannot be told, and all
// but the scheme is hidden (found by fuzz/storage_url_fuzzer.cpp).
std::string redact_unparsed(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return url.find('@') == url.npos ? std::string(url) : "***";
  const std::size_t begin = scheme_end + 3;
  std::string shown(url.substr(0, begin));
  std::string_view rest = url.substr(begin);
  const auto last_at = rest.rfind('@');
  if (last_at != std::string_view::npos && rest.find('?') < last_at) return shown + "***";
  if (const auto at = last_at; at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    shown += std::string(userinfo.substr(0, colon)) + (colon == userinfo.npos ? "" : ":***") + "@";
    rest = rest.substr(at + 1);
  }
  const auto query = rest.find('?');
  shown += std::string(rest.substr(0, query));
  if (query != std::string_view::npos) shown += "?***";
  return shown;
}

PostgresTarget parse_postgres_url(std::string_view url) {
  return postgres_plugin().read_url(url);
}

std::string redact_url(std::string_view url) {
  if (url == "memory" || url == "memory://" || url.starts_with(kSqliteUrlPrefix)) {
    return std::string(url);
  }
  if (is_postgres_url(url)) {
    try {
      return parse_postgres_url(url).shown;
    } catch (const StorageError&) {
    } catch (const UnavailableError&) {  // no plugin: shown the cautious way; opening will say why
    }
  }
  return redact_unparsed(url);
}

}  // namespace ecopt
