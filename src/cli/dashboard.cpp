// ecopt dashboard: serve a storage's studies to a browser while they run.
#include <fstream>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/plugin.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/dashboard/dashboard.hpp"

namespace ecopt::cli {

namespace {

constexpr PluginSpec kDashboardPlugin{
    .title = "ECOpt's dashboard module",
    .library = "cpp-httplib",
    .file = "libecopt_dashboard.so",
    .path_variable = "ECOPT_DASHBOARD_MODULE",
    .entry = dashboard::kDashboardPluginEntry,
    .when_missing = ECOPT_DASHBOARD_MODULE_BUILT
                        ? "build it (scripts/build.sh builds the target ecopt_dashboard) or set "
                          "ECOPT_DASHBOARD_MODULE to its path"
                        : "this ECOpt was built with ECOPT_WITH_DASHBOARD=OFF: rebuild with "
                          "-DECOPT_WITH_DASHBOARD=ON",
    .when_unloadable = "install libcpp-httplib0.11 (scripts/install-deps.sh does)",
};

struct DashboardFlags {
  std::string storage;
  std::string study_name;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  std::string token_file;
};

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) {
    throw InputError(fmt::format("cannot read a token from --token-file {}; put the token on "
                                 "its first line",
                                 path));
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

void run(const DashboardFlags& flags) {
  dashboard::DashboardOptions options;
  options.storage_url = flags.storage;
  if (!flags.study_name.empty()) options.study_name = flags.study_name;
  options.host = flags.host;
  options.port = flags.port;
  if (!flags.token_file.empty()) options.token = read_token_file(flags.token_file);
  if (!flags.token.empty()) options.token = flags.token;
  const std::string host = flags.host.find(':') != std::string::npos ? "[" + flags.host + "]" : flags.host;
  const auto& plugin = plugin_table<dashboard::DashboardPlugin>(kDashboardPlugin, "ecopt dashboard");
  plugin.serve(options, [&](int port) {
    std::cout << fmt::format("ecopt dashboard: serving {} on http://{}:{}/{} (Ctrl-C stops)\n",
                             printable(redact_url(flags.storage)), printable(host), port,
                             options.token ? "?token=..." : "")
              << std::flush;
  });
}

}  // namespace

void add_dashboard_command(CLI::App& app) {
  auto flags = std::make_shared<DashboardFlags>();
  auto* command = app.add_subcommand(
      "dashboard", "Serve the studies of a storage to a browser, updated live (read-only)");
  add_storage_flag(*command, flags->storage);
  command->add_option("--study-name,--study", flags->study_name,
                      "Open this study first (default: the list of studies)");
  command->add_option("--host", flags->host,
                      "Address to listen on; any but loopback needs --token")
      ->capture_default_str();
  command->add_option("--port", flags->port, "Port to listen on (0: any free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  auto* token = command->add_option("--token", flags->token,
                                    "Secret every request must carry (visible in ps: prefer "
                                    "--token-file)");
  auto* token_file =
      command->add_option("--token-file", flags->token_file, "File whose first line is the token");
  token->excludes(token_file);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
