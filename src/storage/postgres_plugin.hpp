#pragma once
// The PostgreSQL backend is a plugin (ecopt/core/plugin.hpp),
// libecopt_postgres.so, opened the first time a process meets a
// postgresql:// URL: libpq brings 22 libraries (Kerberos, LDAP, GnuTLS,
// OpenSSL) whose initialisers cost every `ecopt` start 5 ms otherwise.
#include <memory>
#include <string_view>

#include "ecopt/storage/storage.hpp"
#include "storage_url.hpp"

namespace ecopt {

// What the plugin hands the storage module; `ecopt_version` comes first.
struct PostgresPlugin {
  const char* ecopt_version = nullptr;
  PostgresTarget (*read_url)(std::string_view url) = nullptr;
  std::unique_ptr<Storage> (*open)(PostgresTarget target, const StorageOptions& options) = nullptr;
};

inline constexpr const char* kPostgresPluginEntry = "ecopt_postgres_plugin";

// The plugin beside ECOpt's libraries ($ECOPT_POSTGRES_MODULE overrides),
// loaded once per process on the first postgresql:// URL; throws
// UnavailableError saying what is missing and the fix.
const PostgresPlugin& postgres_plugin();

// Defined in the plugin (postgres_url.cpp, postgres_storage.cpp).
PostgresTarget read_postgres_url(std::string_view url);
std::unique_ptr<Storage> make_postgres_storage(PostgresTarget target, const StorageOptions& options);

}  // namespace ecopt
