#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/storage/storage.hpp"
#include "scoped_env.hpp"
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

TEST(RedactUrl, ShowsWhatLibpqReadsWithoutThePassword) {
  EXPECT_EQ(redact_url("postgresql://host/db?user=bob&password=hunter2&sslmode=require"),
            "postgresql://bob:***@host/db?sslmode=require");
  EXPECT_EQ(redact_url("postgresql://bob:x@host/db?password=y"), "postgresql://bob:***@host/db");
  EXPECT_EQ(redact_url("postgres://u:x@h1:5432,h2:5433/db"), "postgresql://u:***@h1:5432,h2:5433/db");
  EXPECT_EQ(redact_url("postgresql://u:x@/db?host=/run/postgresql"),
            "postgresql://u:***@/db?host=/run/postgresql");
}

// A raw '@' or '/' in a password makes libpq read part of it as the host
// (and print it in its errors): such URLs are refused, shown cut short.
TEST(OpenStorage, AUrlLibpqWouldMisreadIsRefusedWithoutThePassword) {
  for (const std::string url : {"postgresql://bob:a/b@c@host/db", "postgresql://u:pa@ss99@host/db",
                                "postgresql://u:p%zzss99@host/db"}) {
    try {
      open_storage(url);
      ADD_FAILURE() << url << " was accepted";
    } catch (const StorageError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("%40"), std::string::npos) << message;
      for (const char* part : {"ss99", "a/b", "c@host"}) {
        EXPECT_EQ(message.find(part), std::string::npos) << message;
      }
    }
    EXPECT_EQ(redact_url(url).find("ss99"), std::string::npos) << redact_url(url);
  }
  // Found by the fuzzer: a '@' in the query after a refused '@' showed the
  // query, password included.
  const std::string fuzzed = "postgresql://h/db@x/db?user=u@y&password=secret99";
  EXPECT_THROW(open_storage(fuzzed), StorageError);
  EXPECT_EQ(redact_url(fuzzed), "postgresql://***");
}

// Issue 16: redaction stopped at '?', so "pa?ss123" (which libpq reads as
// the password) was printed in the banner, stored with the study and
// written into report.html; query and percent-encoded forms leaked too.
TEST(RedactUrl, HidesThePasswordInEverySpellingLibpqAccepts) {
  for (const std::string url :
       {"postgresql://u:pa?ss123@host/db", "postgresql://u:hunter2@host/db",
        "postgresql://u:hun%74er2@host/db", "postgresql://u@host/db?password=hunter2",
        "postgresql://u@host/db?sslmode=require&password=hun%74er2",
        "postgres://u:hunter2@h1:5432,h2:5433/db"}) {
    const std::string shown = redact_url(url);
    for (const char* secret : {"hunter2", "hun%74er2", "ss123"}) {
      EXPECT_EQ(shown.find(secret), std::string::npos) << url << " -> " << shown;
    }
    EXPECT_NE(shown.find("***"), std::string::npos) << url << " -> " << shown;
  }
  EXPECT_EQ(redact_url("postgresql://u:pa?ss123@host:5433/db"), "postgresql://u:***@host:5433/db");
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

TEST(OpenStorage, ARetryWaitThatIsNotANumberOfMillisecondsIsRefusedBeforeConnecting) {
  for (const char* bad : {"abc", "0", "10ms", "", "99999999"}) {
    ScopedEnv backoff("ECOPT_PG_RETRY_BACKOFF_MS", bad);
    try {
      open_storage("postgresql://u:secret@127.0.0.1:1/db");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(std::string("ECOPT_PG_RETRY_BACKOFF_MS='") + bad + "'"),
                std::string::npos)
          << error.what();
    }
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
