#pragma once
// `ecopt dashboard`: a read-only HTTP server that shows the studies of a
// storage while workers write to it. Each study page is the report page
// (one renderer for both); the page polls a JSON endpoint that returns only
// the trials and page sections that changed since the version it holds.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ecopt::dashboard {

struct DashboardOptions {
  std::string storage_url;
  std::optional<std::string> study_name;  // the index redirects to it
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Dashboard::port)
  // Required on any address but loopback; requests must then carry it
  // (Authorization: Bearer, the ecopt_token cookie, or ?token= once).
  std::optional<std::string> token;
  std::chrono::milliseconds poll_interval{1000};  // how often storage is read
  std::size_t threads = 8;              // requests served at once
  std::size_t queued_connections = 64;  // requests read whole and waiting for a thread
  // A request's head (line and headers) must arrive whole within it, read
  // without a request thread; each later read or write waits at most this.
  std::chrono::seconds io_timeout{5};
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

// Throws InputError for a non-loopback host without a token or an empty
// token, and StorageError when the storage cannot be opened.
class Dashboard {
 public:
  explicit Dashboard(DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Binds the socket (throws InputError when it cannot); returns the port.
  int bind();
  // Serves until stop(); call bind() first.
  void serve();
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The dashboard as a plugin (ecopt/core/plugin.hpp): `ecopt dashboard`
// opens this library only when it serves, so that no other command loads
// cpp-httplib and the OpenSSL it starts. `ecopt_version` comes first.
struct DashboardPlugin {
  const char* ecopt_version = nullptr;
  // Binds, calls on_listening with the port, then serves until the process ends.
  void (*serve)(const DashboardOptions& options, const std::function<void(int port)>& on_listening) =
      nullptr;
};

inline constexpr const char* kDashboardPluginEntry = "ecopt_dashboard_plugin";

}  // namespace ecopt::dashboard
