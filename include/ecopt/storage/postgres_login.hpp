#pragma once
// A PostgreSQL storage URL split so that its password can travel apart
// from it: the URL goes where others may read it (a job script, argv, a
// scheduler's records), the password into a pgpass file (libpq's
// PGPASSFILE, see PostgreSQL's "The Password File").
#include <optional>
#include <string>
#include <string_view>

namespace ecopt {

struct PostgresLogin {
  std::string url_without_password;  // postgresql://user@host:port/db?other=options
  // "host:port:database:user:password" (':' and '\' escaped, '*' for what
  // the URL leaves out); nullopt when the URL has no password.
  std::optional<std::string> pgpass_line;
};

bool is_postgres_url(std::string_view url);

// Parsed by libpq itself. Throws InputError (without the password) for a
// URL libpq cannot parse.
PostgresLogin split_postgres_login(std::string_view url);

}  // namespace ecopt
