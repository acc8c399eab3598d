#include "pg_test_server.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "process.hpp"

namespace ecopt::testing {
namespace {

std::filesystem::path find_bin_dir() {
  if (const char* dir = std::getenv("ECOPT_PG_BIN")) return dir;
  return "/usr/lib/postgresql/15/bin";
}

bool binaries_present(const std::filesystem::path& dir) {
  return std::filesystem::exists(dir / "initdb") && std::filesystem::exists(dir / "pg_ctl");
}

void give_to_server_user(const std::filesystem::path& path) {
  if (geteuid() != 0) return;
  const passwd* user = getpwnam("postgres");
  if (user == nullptr || chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("running as root needs a 'postgres' user to own " + path.string());
  }
}

// Holds an exclusive lock on a file while alive: test processes that ctest
// runs in parallel build the shared template one at a time.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path)
      : fd_(open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ < 0 || flock(fd_, LOCK_EX) != 0) {
      throw std::runtime_error("cannot lock " + path.string());
    }
  }
  ~FileLock() { close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string PgTestServer::unavailable_reason() {
  return fmt::format("PostgreSQL server binaries not found in {} (set ECOPT_PG_BIN or install "
                     "Debian's postgresql)",
                     find_bin_dir().string());
}

PgTestServer* PgTestServer::shared() {
  static std::unique_ptr<PgTestServer> server = [] {
    const auto dir = find_bin_dir();
    return binaries_present(dir) ? std::unique_ptr<PgTestServer>(new PgTestServer(dir))
                                 : nullptr;
  }();
  return server.get();
}

PgTestServer::PgTestServer(std::filesystem::path bin_dir) : bin_dir_(std::move(bin_dir)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "ecopt-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  folder_ = pattern;
  give_to_server_user(folder_);
  // Every test is its own process under ctest; copying one initdb'd cluster
  // is several times faster than running initdb for each.
  run_tool({"cp", "-a", cluster_template().string(), (folder_ / "data").string()});
  port_ = free_loopback_port();
  start();
}

std::filesystem::path PgTestServer::cluster_template() const {
  const std::filesystem::path root =
      std::filesystem::path(ECOPT_BINARY_DIR) / fmt::format("pg-test-template-{}", geteuid());
  const auto data = root / "data";
  FileLock lock(root.string() + ".lock");
  if (std::filesystem::exists(root / "ready")) return data;
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  give_to_server_user(root);
  const auto password_file = root / "password";
  std::ofstream(password_file) << kPassword << "\n";
  give_to_server_user(password_file);
  run_tool({(bin_dir_ / "initdb").string(), "-D", data.string(), "-U", kUser,
            "--auth=scram-sha-256", "--pwfile=" + password_file.string(), "--no-sync",
            "--wal-segsize=1", "-E",
            "UTF8", "--locale=C"});
  std::ofstream(root / "ready") << "initdb done\n";
  return data;
}

PgTestServer::~PgTestServer() {
  try {
    // No shutdown checkpoint: the data is thrown away.
    run_tool({(bin_dir_ / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-m",
              "immediate", "-w", "stop"});
  } catch (...) {
    // Best effort at exit: the folder is removed either way.
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::vector<std::string> PgTestServer::as_server_user(std::vector<std::string> argv) const {
  if (geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

void PgTestServer::run_tool(std::vector<std::string> argv) const {
  const std::string command = argv.front();
  const auto result = run_process(as_server_user(std::move(argv)));
  if (result.exit_code != 0) {
    std::ifstream log(folder_ / "server.log");
    const std::string server_log((std::istreambuf_iterator<char>(log)), {});
    throw std::runtime_error(fmt::format("{} failed ({}): {}\nserver log:\n{}", command,
                                         result.exit_code, result.output, server_log));
  }
}

void PgTestServer::start() {
  const std::string options = fmt::format(
      "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
      "-c max_connections=50",
      port_, folder_.string());
  run_tool({(bin_dir_ / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-l",
            (folder_ / "server.log").string(), "-o", options, "-w", "start"});
}

void PgTestServer::stop() {
  run_tool({(bin_dir_ / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-m", "fast",
            "-w", "stop"});
}

std::string PgTestServer::url(const std::string& database, const std::string& password) const {
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", kUser, password, port_, database);
}

void PgTestServer::execute(const std::string& database, const std::string& sql) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url(database).c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("test connection failed: ") + PQerrorMessage(conn.get()));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(fmt::format("'{}' failed: {}", sql, PQerrorMessage(conn.get())));
  }
}

std::string PgTestServer::create_database() {
  const std::string name = fmt::format("ecopt_test_{}", ++databases_created_);
  execute("postgres", "CREATE DATABASE " + name + " STRATEGY = FILE_COPY");
  return url(name);
}

}  // namespace ecopt::testing
