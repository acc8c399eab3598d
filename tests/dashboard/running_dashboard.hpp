#pragma once
// A Dashboard serving on a free loopback port in a thread of the test,
// stopped and joined by the destructor.
#include <thread>

#include "ecopt/dashboard/dashboard.hpp"

namespace ecopt::dashboard::testing {

inline DashboardOptions test_options(const std::string& storage_url) {
  DashboardOptions options;
  options.storage_url = storage_url;
  options.port = 0;
  options.poll_interval = std::chrono::milliseconds(200);
  return options;
}

class RunningDashboard {
 public:
  explicit RunningDashboard(DashboardOptions options) : server_(std::move(options)) {
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.serve(); });
  }
  ~RunningDashboard() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  Dashboard server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ecopt::dashboard::testing
