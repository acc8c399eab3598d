#include "ecopt/storage/postgres_login.hpp"

#include <cctype>

#include <map>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "storage_url.hpp"

namespace ecopt {

namespace {

std::string percent_encoded(std::string_view text) {
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return encoded;
}

// One field of a pgpass line; `what` names it in the error, never its value
// (it may be the password).
std::string pgpass_field(const std::string* value, std::string_view what) {
  if (!value || value->empty()) return "*";
  if (value->find_first_of("\r\n") != std::string::npos) {
    throw InputError(fmt::format("the storage URL's {} holds a line break, which a pgpass file "
                                 "cannot hold; change it",
                                 what));
  }
  std::string escaped;
  for (const char c : *value) {
    if (c == ':' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

PostgresLogin split_postgres_login(std::string_view url) {
  if (!is_postgres_url(url))
    throw InputError("not a PostgreSQL URL; use postgresql://user@host:port/database");
  std::map<std::string, std::string> values;
  try {
    for (const auto& [key, value] : parse_postgres_url(url).keywords) {
      if (!value.empty()) values[key] = value;
    }
  } catch (const StorageError& error) {  // its message holds no part of the password
    throw InputError(error.what());
  }
  auto take = [&](const std::string& key) -> const std::string* {
    const auto found = values.find(key);
    return found == values.end() ? nullptr : &found->second;
  };
  const std::string* user = take("user");
  const std::string* host = take("host");
  const std::string* port = take("port");
  const std::string* database = take("dbname");
  const std::string* password = take("password");

  std::string rebuilt = fmt::format("postgresql://{}{}{}{}/{}", user ? percent_encoded(*user) + "@" : "",
                                    host ? percent_encoded(*host) : "", port ? ":" : "",
                                    port ? percent_encoded(*port) : "",
                                    database ? percent_encoded(*database) : "");
  char separator = '?';
  for (const auto& [key, value] : values) {
    if (key == "user" || key == "host" || key == "port" || key == "dbname" || key == "password")
      continue;
    rebuilt += fmt::format("{}{}={}", separator, key, percent_encoded(value));
    separator = '&';
  }
  PostgresLogin login{rebuilt, std::nullopt};
  if (password) {
    login.pgpass_line =
        fmt::format("{}:{}:{}:{}:{}", pgpass_field(host, "host"), pgpass_field(port, "port"),
                    pgpass_field(database, "database"), pgpass_field(user, "user"),
                    pgpass_field(password, "password"));
  }
  return login;
}

}  // namespace ecopt
