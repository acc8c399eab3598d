#pragma once
// A real, throw-away PostgreSQL server for tests: initdb into a temporary
// folder, pg_ctl start on a free loopback port, sockets in that folder,
// password authentication. Run as root (CI), the tools run as the
// "postgres" user, since initdb refuses root.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/optional_component.hpp"

namespace ecopt::testing {

class PgTestServer {
 public:
  static constexpr const char* kUser = "ecopt";
  static constexpr const char* kPassword = "pg-test-secret";

  // The server of this test process, started on first use; nullptr when the
  // PostgreSQL binaries are absent (unavailable_reason() says why).
  static PgTestServer* shared();
  static std::string unavailable_reason();

  ~PgTestServer();
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& database, const std::string& password = kPassword) const;
  // Creates an empty database and returns its URL.
  std::string create_database();
  // Runs SQL on `database` as the superuser; throws with the server's reason.
  void execute(const std::string& database, const std::string& sql) const;

  // For outage tests: the same data folder and port come back.
  void stop();
  void start();

 private:
  explicit PgTestServer(std::filesystem::path bin_dir);
  // An initdb'd cluster in the build folder, made once and copied per server.
  std::filesystem::path cluster_template() const;
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
  void run_tool(std::vector<std::string> argv) const;

  std::filesystem::path bin_dir_;
  std::filesystem::path folder_;
  int port_ = 0;
  int databases_created_ = 0;
};

// In a test body: skips when the binaries are absent, unless
// ECOPT_REQUIRE_POSTGRES=1 (CI) turns that into a failure.
#define ECOPT_REQUIRE_PG_SERVER(server_variable)                                           \
  ::ecopt::testing::PgTestServer* server_variable = ::ecopt::testing::PgTestServer::shared(); \
  ECOPT_NEED_COMPONENT(server_variable != nullptr, "POSTGRES",                             \
                       ::ecopt::testing::PgTestServer::unavailable_reason())

// The kernel picks a free loopback port; a server binds it a moment later.
int free_loopback_port();

}  // namespace ecopt::testing
