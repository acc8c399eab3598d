#pragma once
// What the SQL storage needs from a database: parameterised statements
// ($1, $2, ... in both dialects) and transactions that the backend retries
// when that is safe. SQLite and PostgreSQL differ only behind this seam and
// in the few SqlDialect strings.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ecopt/core/error.hpp"

namespace ecopt {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string, double>;
using SqlParams = std::vector<SqlValue>;

// One result row, every cell as text (NULL as nullopt).
class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  const std::string& text(std::size_t column) const;
  std::optional<std::string> optional_text(std::size_t column) const { return cells_.at(column); }
  std::int64_t integer(std::size_t column) const;
  std::optional<std::int64_t> optional_integer(std::size_t column) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

using SqlRows = std::vector<SqlRow>;

// A UNIQUE constraint refused a row (e.g. a second study of one name).
class SqlUniqueViolation : public StorageError {
 public:
  using StorageError::StorageError;
};

struct SqlDialect {
  std::string id_column;    // an auto-assigned 64-bit primary key
  std::string lock_rows;    // appended to a SELECT that will update what it read
  std::string list_tables;  // one column: the names of the tables in the schema
  std::string serialize_schema_setup;  // empty where the write transaction already does
  // Run once the schema has been checked; writer_setup (what changes the
  // file for good, such as its journal mode) only when the open may write.
  std::vector<std::string> writer_setup;
  std::vector<std::string> session_setup;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual const SqlDialect& dialect() const = 0;
  virtual SqlRows query(std::string_view sql, const SqlParams& params = {}) = 0;
  // Runs `work` in one transaction. Errors `work` throws roll it back and
  // propagate; the backend may rerun `work` after a transient failure.
  virtual void read(const std::function<void()>& work) = 0;
  virtual void write(const std::function<void()>& work) = 0;
  // The URL without its password, for messages.
  virtual const std::string& redacted_url() const = 0;
};

}  // namespace ecopt
