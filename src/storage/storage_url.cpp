// open_storage: the storage URL decides the backend.
#include "storage_url.hpp"

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

constexpr std::string_view kAcceptedForms =
    "memory, sqlite:///relative/path.db, sqlite:////absolute/path.db or "
    "postgresql://user:password@host:port/database";
constexpr std::string_view kSqlitePrefix = "sqlite:///";

struct Span {
  std::size_t begin;
  std::size_t end;
};

// Where the password sits in "scheme://user:password@host...". The last '@'
// before the query ends the user info, so passwords with '/' or '@' in them
// are still found.
std::optional<Span> userinfo_password(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::size_t begin = scheme_end + 3;
  const std::string_view rest = url.substr(begin, url.find('?', begin) - begin);
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto colon = rest.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return Span{begin + colon + 1, begin + at};
}

// Where the value of "password=..." sits in the query string.
std::optional<Span> query_password(std::string_view url) {
  const auto query = url.find('?');
  if (query == std::string_view::npos) return std::nullopt;
  for (std::size_t key = query + 1; key < url.size();) {
    const auto next = std::min(url.find('&', key), url.size());
    if (url.substr(key, next - key).starts_with("password=")) {
      return Span{key + 9, next};
    }
    key = next + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> url_password(std::string_view url) {
  for (const auto& span : {userinfo_password(url), query_password(url)}) {
    if (span && span->end > span->begin) {
      return std::string(url.substr(span->begin, span->end - span->begin));
    }
  }
  return std::nullopt;
}

std::string scrub_secret(std::string text, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return text;
  for (auto at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at + 3)) {
    text.replace(at, secret->size(), "***");
  }
  return text;
}

std::string redact_url(std::string_view url) {
  std::string redacted(url);
  // The query password lies after the user info, so replace it first.
  for (const auto& span : {query_password(url), userinfo_password(url)}) {
    if (span && span->end > span->begin) {
      redacted.replace(span->begin, span->end - span->begin, "***");
    }
  }
  return redacted;
}

std::unique_ptr<Storage> open_storage(std::string_view url, const StorageOptions& options) {
  if (url == "memory" || url == "memory://") return make_memory_storage(options);
  if (url.starts_with(kSqlitePrefix)) {
    const std::string_view path = url.substr(kSqlitePrefix.size());
    if (path.empty()) {
      throw StorageError(fmt::format("storage URL '{}' has no file path; use {}", url,
                                     kAcceptedForms));
    }
    return make_sqlite_storage(std::string(path), std::string(url), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return make_postgres_storage(std::string(url), options);
  }
  throw StorageError(fmt::format("unknown storage URL '{}'; use {}", redact_url(url),
                                 kAcceptedForms));
}

}  // namespace ecopt
