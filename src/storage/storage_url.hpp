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

// Parses with libpq's own PQconninfoParse. Throws StorageError, quoting no
// part of the password, when libpq cannot read the URL or would read it
// otherwise than it looks (a raw '@' or '/' in the user name or password).
PostgresTarget parse_postgres_url(std::string_view url);

}  // namespace ecopt
