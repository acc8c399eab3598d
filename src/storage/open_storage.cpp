// open_storage: the storage URL decides the backend.
#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/storage/postgres_login.hpp"
#include "postgres_plugin.hpp"
#include "storage_url.hpp"

namespace ecopt {
namespace {

constexpr std::string_view kAcceptedForms =
    "memory, sqlite:///relative/path.db, sqlite:////absolute/path.db or "
    "postgresql://user:password@host:port/database";

}  // namespace

std::unique_ptr<Storage> open_storage(std::string_view url, const StorageOptions& options) {
  if (url == "memory" || url == "memory://") return make_memory_storage(options);
  if (url.starts_with(kSqliteUrlPrefix)) {
    const std::string_view path = url.substr(kSqliteUrlPrefix.size());
    if (path.empty()) {
      throw StorageError(fmt::format("storage URL '{}' has no file path; use {}", url,
                                     kAcceptedForms));
    }
    return make_sqlite_storage(std::string(path), std::string(url), options);
  }
  if (is_postgres_url(url)) return postgres_plugin().open(parse_postgres_url(url), options);
  throw StorageError(fmt::format("unknown storage URL '{}'; use {}", redact_url(url),
                                 kAcceptedForms));
}

}  // namespace ecopt
