#pragma once
// Constructors of the concrete backends; open_storage picks one by URL.
#include <filesystem>
#include <memory>
#include <string>

#include "ecopt/storage/storage.hpp"
#include "sql_connection.hpp"
#include "storage_url.hpp"

namespace ecopt {

std::unique_ptr<Storage> make_memory_storage(const StorageOptions& options);
std::unique_ptr<Storage> make_sqlite_storage(const std::filesystem::path& path,
                                             const std::string& url,
                                             const StorageOptions& options);
// A connection to an SQLite file, created when missing, without ECOpt's
// schema or session settings: for writing other formats (optuna_sqlite.cpp).
std::unique_ptr<SqlConnection> make_sqlite_connection(const std::filesystem::path& path,
                                                      const std::string& url);

}  // namespace ecopt
