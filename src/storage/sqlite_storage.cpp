// SQLite backend: WAL so readers never block the writer, BEGIN IMMEDIATE so
// writers queue up front instead of deadlocking on lock upgrades, and a busy
// timeout plus retries so several processes on one machine share one file.
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "backends.hpp"
#include "sql_storage.hpp"

namespace ecopt {
namespace {

constexpr int kBusyTimeoutMs = 30'000;
constexpr int kBeginAttempts = 5;

const SqlDialect& sqlite_dialect() {
  static const SqlDialect dialect{
      .id_column = "INTEGER PRIMARY KEY",
      .lock_rows = "",  // BEGIN IMMEDIATE already holds the write lock
      .list_tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      .serialize_schema_setup = "",
      // synchronous = NORMAL: a commit survives the process being killed and
      // the file stays consistent on power loss, without an fsync per commit
      // (which was most of an `ecopt ask` and of a trivial trial's cost).
      .writer_setup = {"PRAGMA journal_mode = WAL"},
      .session_setup = {"PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"},
  };
  return dialect;
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      code_ = sqlite3_extended_errcode(db);
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  int error_code() const { return code_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int code_ = SQLITE_OK;
};

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(const std::filesystem::path& path, std::string url, bool create_if_missing)
      : path_(path), url_(std::move(url)) {
    require_folder(path);
    std::error_code missing;
    if (!create_if_missing && !std::filesystem::exists(path, missing)) {
      throw StorageError(fmt::format("no database at '{}'; check the path (a study is created by "
                                     "'ecopt create-study' or 'ecopt tune')",
                                     path.string()));
    }
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        SQLITE_OPEN_READWRITE | (create_if_missing ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
      const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw StorageError(fmt::format("cannot open SQLite database '{}': {}; check the path "
                                     "and its permissions",
                                     path.string(), reason));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    try {
      probe();
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }

  // SQLite checkpoints the WAL into the database file only when its last
  // connection closes: with a dashboard or another reader open, the trials
  // of a finished run stayed in "<file>-wal" and `cp <file>` copied none.
  // Every connection (readers too) copies what it can on closing; PASSIVE
  // waits for nobody, and a file that is not WAL or not writable is left
  // as it is.
  ~SqliteConnection() override {
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    sqlite3_close(db_);
  }

  const SqlDialect& dialect() const override { return sqlite_dialect(); }
  const std::string& redacted_url() const override { return url_; }

  SqlRows query(std::string_view sql, const SqlParams& params) override {
    Statement statement(db_, sql);
    if (!statement.prepared()) fail(statement.error_code(), sql);
    bind(statement.get(), params);
    SqlRows rows;
    for (int busy_attempt = 1;;) {
      const int rc = sqlite3_step(statement.get());
      if (rc == SQLITE_DONE) return rows;
      if (rc == SQLITE_ROW) {
        rows.push_back(read_row(statement.get()));
      } else if (busy_outside_transaction(rc) && rows.empty() && busy_attempt < kBeginAttempts) {
        // Switching a new file to WAL answers busy at once, without the busy
        // timeout, while another connection does the same; outside a
        // transaction nothing has happened yet, so the statement reruns.
        sqlite3_reset(statement.get());
        std::this_thread::sleep_for(std::chrono::milliseconds(10 * busy_attempt++));
      } else {
        fail(sqlite3_extended_errcode(db_), sql);
      }
    }
  }

  void read(const std::function<void()>& work) override { transact("BEGIN", work); }
  void write(const std::function<void()>& work) override { transact("BEGIN IMMEDIATE", work); }

 private:
  static void require_folder(const std::filesystem::path& path) {
    const auto folder = path.parent_path().empty() ? std::filesystem::path(".")
                                                   : path.parent_path();
    std::error_code error;
    if (!std::filesystem::is_directory(folder, error)) {
      throw StorageError(fmt::format("cannot open SQLite database '{}': folder '{}' does not "
                                     "exist; create it or fix the path",
                                     path.string(), folder.string()));
    }
  }

  // Reading the header first turns "not a database" into a clear message
  // before anything could write to the file.
  void probe() {
    Statement statement(db_, "SELECT count(*) FROM sqlite_master");
    const int rc = statement.prepared() ? sqlite3_step(statement.get()) : statement.error_code();
    if (rc == SQLITE_ROW) return;
    const std::string reason = sqlite3_errmsg(db_);
    const bool foreign = (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
    if (const auto truncated = foreign ? truncation() : std::nullopt) throw StorageError(*truncated);
    throw StorageError(foreign ? fmt::format("'{}' is not an SQLite database ({}); give a new "
                                             "file name or an ECOpt database",
                                             path_.string(), reason)
                               : fmt::format("cannot read SQLite database '{}': {}",
                                             path_.string(), reason));
  }

  void transact(std::string_view begin, const std::function<void()>& work) {
    begin_with_retry(begin);
    try {
      work();
      query("COMMIT", {});
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // The busy timeout already waits; the retries cover a lock held longer
  // than that by a slow writer in another process.
  void begin_with_retry(std::string_view begin) {
    for (int attempt = 1;; ++attempt) {
      const int rc = sqlite3_exec(db_, std::string(begin).c_str(), nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      if ((rc & 0xff) != SQLITE_BUSY || attempt == kBeginAttempts) fail(rc, begin);
      std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
    }
  }

  bool busy_outside_transaction(int rc) const {
    return (rc & 0xff) == SQLITE_BUSY && sqlite3_get_autocommit(db_) != 0;
  }

  void bind(sqlite3_stmt* statement, const SqlParams& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      // "$n" is a named parameter to SQLite; bind it by name so both dialects
      // share one statement text.
      const int index =
          sqlite3_bind_parameter_index(statement, fmt::format("${}", i + 1).c_str());
      if (index == 0) continue;
      int rc = SQLITE_OK;
      if (const auto* integer = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(statement, index, *integer);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()),
                               SQLITE_TRANSIENT);
      } else if (const auto* number = std::get_if<double>(&params[i])) {
        rc = sqlite3_bind_double(statement, index, *number);
      } else {
        rc = sqlite3_bind_null(statement, index);
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_sql(statement));
    }
  }

  static SqlRow read_row(sqlite3_stmt* statement) {
    std::vector<std::optional<std::string>> cells;
    const int columns = sqlite3_column_count(statement);
    for (int column = 0; column < columns; ++column) {
      if (sqlite3_column_type(statement, column) == SQLITE_NULL) {
        cells.emplace_back();
        continue;
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      cells.emplace_back(std::string(text, sqlite3_column_bytes(statement, column)));
    }
    return SqlRow(std::move(cells));
  }

  // A file cut short (a full disk, a copy interrupted) reads as "not a
  // database" or "malformed" to SQLite; its header says how long it was.
  std::optional<std::string> truncation() const {
    std::ifstream file(path_, std::ios::binary);
    std::array<unsigned char, 100> header{};
    file.read(reinterpret_cast<char*>(header.data()), header.size());
    const auto got = static_cast<std::size_t>(file.gcount());
    constexpr std::string_view kMagic("SQLite format 3\0", 16);
    if (got < kMagic.size() || std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0)
      return std::nullopt;
    std::error_code unreadable;
    const auto size = std::filesystem::file_size(path_, unreadable);
    if (unreadable) return std::nullopt;
    const auto be32 = [&](std::size_t at) {
      return std::uint32_t{header[at]} << 24 | std::uint32_t{header[at + 1]} << 16 |
             std::uint32_t{header[at + 2]} << 8 | std::uint32_t{header[at + 3]};
    };
    const std::uint32_t page_size = header[16] << 8 | header[17];
    // The page count is valid when written by the same change as the header.
    const bool count_valid = got == header.size() && be32(92) == be32(24);
    const std::uint64_t expected =
        count_valid ? std::uint64_t{page_size == 1 ? 65536 : page_size} * be32(28) : 0;
    if (got == header.size() && size >= expected) return std::nullopt;
    return fmt::format("'{}' is truncated: it holds {} bytes{}; restore it from a backup",
                       path_.string(), size,
                       expected > 0 ? fmt::format(" where its header says {}", expected) : "");
  }

  [[noreturn]] void fail(int rc, std::string_view sql) {
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
      if (const auto truncated = truncation()) throw StorageError(*truncated);
    }
    const std::string message = fmt::format("SQLite error on '{}' during {}: {}",
                                            path_.string(), sql.substr(0, sql.find(' ')),
                                            sqlite3_errmsg(db_));
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      throw SqlUniqueViolation(message);
    }
    throw StorageError(message);
  }

  std::filesystem::path path_;
  std::string url_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Storage> make_sqlite_storage(const std::filesystem::path& path,
                                             const std::string& url,
                                             const StorageOptions& options) {
  return make_sql_storage(
      std::make_unique<SqliteConnection>(path, url, options.access == StorageAccess::Create),
      options);
}

std::unique_ptr<SqlConnection> make_sqlite_connection(const std::filesystem::path& path,
                                                      const std::string& url) {
  return std::make_unique<SqliteConnection>(path, url, true);
}

}  // namespace ecopt
