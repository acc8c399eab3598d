#pragma once
// Storage URLs, parsed once: what the backends connect with, and how a URL
// is shown (never with its password).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecopt {

inline constexpr std::string_view kSqliteUrlPrefix = "sqlite:///";

// A PostgreSQL URL as libpq reads it.
struct PostgresTarget {
  // libpq's connection keywords and values, the password among them: used
  // to connect, never printed.
  std::vector<std::pair<std::string, std::string>> keywords;
  std::string shown;  // "postgresql://user:***@host:port/db?sslmode=require"
};

// For a URL that cannot be parsed: the parts that may hold a password
// hidden (every one, when which is which cannot be told).
std::string redact_unparsed(std::string_view url);

// Parses with libpq's own PQconninfoParse, in the PostgreSQL plugin.
// Throws StorageError, quoting no part of the password, when libpq cannot
// read the URL or would read it otherwise than it looks (a raw '@' or '/'
// in the user name or password), and UnavailableError when the plugin
// cannot be loaded.
PostgresTarget parse_postgres_url(std::string_view url);

}  // namespace ecopt
