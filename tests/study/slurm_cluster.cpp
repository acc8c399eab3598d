#include "slurm_cluster.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "pg_test_server.hpp"  // free_loopback_port
#include "subprocess.hpp"

namespace ecopt::testing {

namespace {

constexpr const char* kMungeUser = "munge";
const std::vector<std::string> kPrograms = {"/usr/sbin/munged",  "/usr/sbin/mungekey",
                                            "/usr/sbin/slurmctld", "/usr/sbin/slurmd",
                                            "/usr/bin/sbatch",   "/usr/bin/squeue",
                                            "/usr/bin/scancel",  "/usr/bin/sinfo",
                                            "/usr/sbin/runuser"};

std::string& reason() {
  static std::string text;
  return text;
}

// What this machine lacks to run slurmd; empty when nothing.
std::string missing_prerequisite() {
  for (const auto& program : kPrograms) {
    if (!std::filesystem::exists(program))
      return fmt::format("{} is missing (scripts/install-deps.sh installs slurmctld, slurmd, "
                         "slurm-client and munge)", program);
  }
  if (::getpwnam(kMungeUser) == nullptr) return "there is no munge user (install Debian's munge)";
  if (::geteuid() != 0)
    return "slurmd must run as root to start jobs (SlurmUser=root); run the tests as root";
  return "";
}

std::string tail_of(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  return text.size() > 600 ? text.substr(text.size() - 600) : text;
}

void run_or_throw(const std::vector<std::string>& argv, const std::filesystem::path& folder) {
  const auto result = run_process(argv, folder);
  if (result.exit_code != 0)
    throw std::runtime_error(fmt::format("{} failed ({}): {}{}", argv.front(), result.exit_code,
                                         result.err, result.out));
}

void give_to_munge(const std::filesystem::path& path, mode_t mode) {
  const passwd* munge = ::getpwnam(kMungeUser);
  std::filesystem::create_directories(path);
  if (::chown(path.c_str(), munge->pw_uid, munge->pw_gid) != 0 || ::chmod(path.c_str(), mode) != 0)
    throw std::runtime_error("cannot hand " + path.string() + " to the munge user");
}

std::string node_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string name = host;
  return name.substr(0, name.find('.'));
}

}  // namespace

const std::string& SlurmTestCluster::unavailable_reason() { return reason(); }

SlurmTestCluster* SlurmTestCluster::shared() {
  static std::unique_ptr<SlurmTestCluster> cluster = []() -> std::unique_ptr<SlurmTestCluster> {
    reason() = missing_prerequisite();
    if (!reason().empty()) return nullptr;
    std::string pattern = (std::filesystem::temp_directory_path() / "ecopt-slurm-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    ::chmod(pattern.c_str(), 0755);  // the munge user reaches its folders below
    std::unique_ptr<SlurmTestCluster> started(new SlurmTestCluster(pattern));
    try {
      started->start();
    } catch (const std::exception& error) {
      reason() = fmt::format("slurmd could not be started here: {}", error.what());
      return nullptr;  // the destructor stops what did start
    }
    return started;
  }();
  return cluster.get();
}

SlurmTestCluster::SlurmTestCluster(std::filesystem::path folder) : folder_(std::move(folder)) {}

void SlurmTestCluster::start() {
  const auto key_dir = folder_ / "munge";
  const auto socket_dir = folder_ / "munge-socket";  // munged wants it open to all
  give_to_munge(key_dir, 0700);
  give_to_munge(socket_dir, 0755);
  const auto socket = socket_dir / "munge.socket";
  const std::vector<std::string> as_munge = {"/usr/sbin/runuser", "-u", kMungeUser, "--"};
  auto munge_argv = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), as_munge.begin(), as_munge.end());
    return argv;
  };
  run_or_throw(munge_argv({"/usr/sbin/mungekey", "--create", "--keyfile=" + (key_dir / "key").string()}),
               folder_);
  run_or_throw(munge_argv({"/usr/sbin/munged", "--socket=" + socket.string(),
                           "--key-file=" + (key_dir / "key").string(),
                           "--pid-file=" + (key_dir / "munged.pid").string(),
                           "--log-file=" + (key_dir / "munged.log").string(),
                           "--seed-file=" + (key_dir / "seed").string()}),
               folder_);
  for (const char* dir : {"state", "spool"}) std::filesystem::create_directories(folder_ / dir);
  const auto conf = folder_ / "slurm.conf";
  const std::string node = node_name();
  // KillWait: the SIGTERM-to-SIGKILL grace, short so a cancelled task ends fast.
  std::ofstream(conf) << fmt::format(
      "ClusterName=ecopttest\n"
      "SlurmctldHost={0}(127.0.0.1)\n"
      "SlurmUser=root\n"
      "SlurmdUser=root\n"
      "SlurmctldPort={1}\n"
      "SlurmdPort={2}\n"
      "AuthType=auth/munge\n"
      "CredType=cred/munge\n"
      "AuthInfo=socket={3}\n"
      "StateSaveLocation={4}/state\n"
      "SlurmdSpoolDir={4}/spool\n"
      "SlurmctldPidFile={4}/slurmctld.pid\n"
      "SlurmdPidFile={4}/slurmd.pid\n"
      "SlurmctldLogFile={4}/slurmctld.log\n"
      "SlurmdLogFile={4}/slurmd.log\n"
      "ProctrackType=proctrack/linuxproc\n"
      "TaskPlugin=task/none\n"
      "SelectType=select/cons_tres\n"
      "SelectTypeParameters=CR_CPU\n"
      "SlurmdParameters=config_overrides\n"
      "MpiDefault=none\n"
      "ReturnToService=2\n"
      "KillWait=5\n"
      "JobAcctGatherType=jobacct_gather/none\n"
      "AccountingStorageType=accounting_storage/none\n"
      "NodeName={0} NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN\n"
      "PartitionName=debug Nodes={0} Default=YES MaxTime=INFINITE State=UP\n",
      node, free_loopback_port(), free_loopback_port(), socket.string(), folder_.string());
  ::setenv("SLURM_CONF", conf.c_str(), 1);
  run_or_throw({"/usr/sbin/slurmctld", "-f", conf.string()}, folder_);
  run_or_throw({"/usr/sbin/slurmd", "-f", conf.string()}, folder_);
  const bool idle = wait_until(
      [&] {
        const auto sinfo = run_process({"/usr/bin/sinfo", "-h", "-o", "%T"}, folder_);
        return sinfo.exit_code == 0 && sinfo.out.starts_with("idle");
      },
      std::chrono::seconds(30));
  if (!idle) {
    throw std::runtime_error(fmt::format("the node did not come up within 30 s; slurmctld.log: "
                                         "{} slurmd.log: {}",
                                         tail_of(folder_ / "slurmctld.log"),
                                         tail_of(folder_ / "slurmd.log")));
  }
}

void SlurmTestCluster::stop_daemon(const std::string& pid_file) const {
  std::ifstream in(folder_ / pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  ::kill(pid, SIGTERM);
  if (!wait_until([&] { return !process_alive(pid); }, std::chrono::seconds(10))) ::kill(pid, SIGKILL);
}

SlurmTestCluster::~SlurmTestCluster() {
  stop_daemon("slurmd.pid");
  stop_daemon("slurmctld.pid");
  stop_daemon("munge/munged.pid");
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

bool SlurmTestCluster::job_done(const std::string& id) const {
  const auto squeue = run_process({"/usr/bin/squeue", "-h", "-j", id, "-o", "%i"}, folder_);
  return squeue.exit_code == 0 && squeue.out.find_first_not_of(" \n") == std::string::npos;
}

}  // namespace ecopt::testing
