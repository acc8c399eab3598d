#include "ecopt/storage/postgres_login.hpp"

#include <libpq-fe.h>

#include <cctype>

#include <map>
#include <memory>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

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

std::string pgpass_field(const std::string* value) {
  if (!value || value->empty()) return "*";
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
  char* error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(std::string(url).c_str(), &error), &PQconninfoFree);
  if (!options) {
    const std::string reason = error ? error : "out of memory";
    PQfreemem(error);
    // libpq's message quotes no part of the URL, so no password either.
    throw InputError(fmt::format("cannot parse the PostgreSQL URL ({}); use "
                                 "postgresql://user@host:port/database",
                                 reason.substr(0, reason.find_last_not_of("\n") + 1)));
  }
  std::map<std::string, std::string> values;
  for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
    if (option->val && *option->val) values[option->keyword] = option->val;
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
    login.pgpass_line = fmt::format("{}:{}:{}:{}:{}", pgpass_field(host), pgpass_field(port),
                                    pgpass_field(database), pgpass_field(user),
                                    pgpass_field(password));
  }
  return login;
}

}  // namespace ecopt
