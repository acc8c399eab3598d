#pragma once
// The Storage shared by SQLite and PostgreSQL: one schema, one set of
// statements, JSON columns for everything that has structure.
#include <memory>

#include "ecopt/storage/storage.hpp"
#include "sql_connection.hpp"

namespace ecopt {

inline constexpr int kSchemaVersion = 4;

// Checks (or creates, or migrates) the schema, then serves every call
// through `connection`. Throws StorageError for a foreign or newer database.
std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<SqlConnection> connection,
                                          const StorageOptions& options);

}  // namespace ecopt
