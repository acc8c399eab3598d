#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/storage/storage.hpp"
#include "storage_fixture.hpp"

namespace ecopt::testing {
namespace {

TEST(RedactUrl, ReplacesThePasswordOnly) {
  EXPECT_EQ(redact_url("postgresql://alice:s3cret@db.example:5432/ecopt"),
            "postgresql://alice:***@db.example:5432/ecopt");
  EXPECT_EQ(redact_url("postgresql://alice@db/ecopt"), "postgresql://alice@db/ecopt");
  EXPECT_EQ(redact_url("sqlite:///runs/study.db"), "sqlite:///runs/study.db");
  EXPECT_EQ(redact_url("memory"), "memory");
}

TEST(RedactUrl, FindsPasswordsWithSlashesAtSignsAndInTheQuery) {
  EXPECT_EQ(redact_url("postgresql://bob:a/b@c@host/db"), "postgresql://bob:***@host/db");
  EXPECT_EQ(redact_url("postgresql://host/db?user=bob&password=hunter2&sslmode=require"),
            "postgresql://host/db?user=bob&password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql://bob:x@host/db?password=y"),
            "postgresql://bob:***@host/db?password=***");
}

TEST(OpenStorage, UnknownSchemeListsTheAcceptedFormsWithoutThePassword) {
  try {
    open_storage("mysql://root:topsecret@localhost/db");
    FAIL() << "an unknown scheme was accepted";
  } catch (const StorageError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("unknown storage URL 'mysql://root:***@localhost/db'"),
              std::string::npos) << message;
    EXPECT_NE(message.find("sqlite:///relative/path.db"), std::string::npos);
    EXPECT_NE(message.find("sqlite:////absolute/path.db"), std::string::npos);
    EXPECT_NE(message.find("postgresql://user:password@host:port/database"), std::string::npos);
    EXPECT_EQ(message.find("topsecret"), std::string::npos);
  }
}

TEST(OpenStorage, SqliteUrlWithoutPathIsRefused) {
  EXPECT_THROW(open_storage("sqlite:///"), StorageError);
}

TEST(OpenStorage, MemoryStoragesAreIndependent) {
  auto one = open_storage("memory");
  auto two = open_storage("memory");
  one->create_study(two_objective_spec("s"), nlohmann::json::object());
  EXPECT_TRUE(one->find_study("s"));
  EXPECT_FALSE(two->find_study("s"));
  EXPECT_EQ(one->describe(), "memory");
}

}  // namespace
}  // namespace ecopt::testing
