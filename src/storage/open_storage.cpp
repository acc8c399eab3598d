// open_storage: the storage URL decides the backend.
#include <cstdlib>
#include <string>

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

constexpr const char* kRetryBackoffVariable = "ECOPT_PG_RETRY_BACKOFF_MS";

// The first wait of a PostgreSQL transaction's retries (docs/storage.md):
// workers that must ride out longer outages raise it; tests lower it so an
// outage longer than the retries lasts a second, not twelve.
StorageOptions with_environment(StorageOptions options) {
  const char* text = std::getenv(kRetryBackoffVariable);
  if (text == nullptr) return options;
  char* end = nullptr;
  const long long ms = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0' || ms < 1 || ms > 60'000) {
    throw InputError(fmt::format("{}='{}' is not a whole number of milliseconds in [1, 60000]; unset it or "
                                 "give one such as 100 (the default)",
                                 kRetryBackoffVariable, std::string(text)));
  }
  options.retry_backoff = std::chrono::milliseconds(ms);
  return options;
}

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
  if (is_postgres_url(url)) return postgres_plugin().open(parse_postgres_url(url), with_environment(options));
  throw StorageError(fmt::format("unknown storage URL '{}'; use {}", redact_url(url),
                                 kAcceptedForms));
}

}  // namespace ecopt
