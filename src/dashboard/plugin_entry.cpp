// The dashboard plugin's one exported C symbol (DashboardPlugin in
// dashboard.hpp).
#include "ecopt/dashboard/dashboard.hpp"

namespace ecopt::dashboard {
namespace {

void serve(const DashboardOptions& options, const std::function<void(int port)>& on_listening) {
  Dashboard server(options);
  on_listening(server.bind());
  server.serve();
}

}  // namespace
}  // namespace ecopt::dashboard

extern "C" __attribute__((visibility("default"))) const ecopt::dashboard::DashboardPlugin*
ecopt_dashboard_plugin() {
  static const ecopt::dashboard::DashboardPlugin plugin{ECOPT_VERSION, ecopt::dashboard::serve};
  return &plugin;
}
